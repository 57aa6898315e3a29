// A lean HTTP/1.1 keep-alive client for load: one request at a time per connection, requests written as
// prebuilt buffers, responses read by Content-Length. It costs the benchmark far less CPU than fetch, so
// the daemon, not the client, is what is measured.
import net from 'node:net';

export interface HttpResponse {
  status: number;
  body: string;
}

export class HttpConnection {
  private socket: net.Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: { resolve: (r: HttpResponse) => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly port: number,
    private readonly timeoutMs = 60_000,
  ) {}

  private connect(): net.Socket {
    const socket = net.connect({ host: '127.0.0.1', port: this.port });
    socket.setNoDelay(true);
    socket.setTimeout(this.timeoutMs, () =>
      socket.destroy(new Error(`HTTP: no answer in ${this.timeoutMs} ms`)),
    );
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (error: Error) => {
      if (this.socket === socket) this.socket = undefined;
      this.buffer = Buffer.alloc(0);
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('HTTP: connection closed')));
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      this.socket?.destroy(new Error(`HTTP: response without Content-Length: ${head.split('\r\n')[0]}`));
      return;
    }
    const end = headerEnd + 4 + Number(length[1]);
    if (this.buffer.length < end) return;
    const status = Number(head.slice(9, 12));
    const body = this.buffer.toString('utf8', headerEnd + 4, end);
    this.buffer = this.buffer.subarray(end);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ status, body });
  }

  /** Send a prebuilt request (see `buildRequest`) and wait for its response. */
  request(raw: Buffer): Promise<HttpResponse> {
    if (this.waiter) return Promise.reject(new Error('HTTP: one request at a time per connection'));
    this.socket ??= this.connect();
    const socket = this.socket;
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      socket.write(raw);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}

export function buildRequest(
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string> = {},
): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (body === undefined) return Buffer.from(`${head}\r\n`, 'latin1');
  const payload = Buffer.from(body, 'utf8');
  head += `content-type: application/json\r\ncontent-length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/** A GET with a fresh connection (readiness, metrics): small, not on the measured path. */
export async function httpGet(port: number, path: string, timeoutMs = 5000): Promise<HttpResponse> {
  const connection = new HttpConnection(port, timeoutMs);
  try {
    return await connection.request(buildRequest('GET', path, undefined));
  } finally {
    connection.close();
  }
}
