// The byte pipe under a session: plain TCP or TLS behind a three-callback, three-method interface, so the
// session never touches `net`/`tls` and tests can plug in an in-memory peer.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { TransportError } from './errors.js';

export interface TransportHandlers {
  onConnect(): void;
  onData(chunk: Buffer): void;
  /** Called exactly once: after onConnect, or instead of it when the connection never opened. */
  onClose(error?: Error): void;
}

export interface Transport {
  write(bytes: Buffer): void;
  /** Flush what was written, then close (used after unbind_resp). */
  end(): void;
  /** Close now; pending writes are dropped. */
  destroy(): void;
}

export type TransportFactory = (handlers: TransportHandlers) => Transport;

export interface TlsTarget {
  /** File paths, read at every connect so a rotated certificate is picked up by the next reconnect. */
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface TransportTarget {
  host: string;
  port: number;
  tls: false | TlsTarget;
}

const TCP_KEEPALIVE_MS = 30_000;

function readTlsFiles(target: TlsTarget): tls.ConnectionOptions {
  const read = (path: string | undefined, what: string): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new TransportError('TRANSPORT_TLS_FILES', `cannot read TLS ${what} file ${path}`, {
        cause: error,
      });
    }
  };
  const options: tls.ConnectionOptions = {
    // Verification stays on unless the operator's config explicitly turns it off (node-smpp's default is off).
    rejectUnauthorized: target.rejectUnauthorized,
  };
  const ca = read(target.ca, 'ca');
  const cert = read(target.cert, 'cert');
  const key = read(target.key, 'key');
  if (ca) options.ca = ca;
  if (cert) options.cert = cert;
  if (key) options.key = key;
  if (target.servername !== undefined) options.servername = target.servername;
  return options;
}

/** A factory of real sockets to one SMSC; TLS when `target.tls` is set. */
export function socketTransportFactory(target: TransportTarget): TransportFactory {
  return (handlers) => {
    let closed = false;
    let error: Error | undefined;
    const finish = (): void => {
      if (closed) return;
      closed = true;
      handlers.onClose(error);
    };

    let socket: net.Socket;
    if (target.tls === false) {
      socket = net.connect({ host: target.host, port: target.port });
      socket.once('connect', () => handlers.onConnect());
    } else {
      let options: tls.ConnectionOptions;
      try {
        options = readTlsFiles(target.tls);
      } catch (e) {
        error = e as Error;
        // Asynchronously, like a socket error, so the caller has its transport before onClose runs.
        queueMicrotask(finish);
        return { write: () => undefined, end: () => undefined, destroy: () => undefined };
      }
      if (options.servername === undefined && net.isIP(target.host) === 0) options.servername = target.host;
      socket = tls.connect({ ...options, host: target.host, port: target.port });
      socket.once('secureConnect', () => handlers.onConnect());
    }
    // Nagle would hold back small PDUs waiting for an ACK: window 1 would crawl.
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    socket.on('data', (chunk: Buffer) => {
      if (!closed) handlers.onData(chunk);
    });
    // Every socket error ends in 'close'; keeping the first one tells the session why.
    socket.on('error', (e) => {
      error ??= e;
    });
    socket.once('close', finish);

    // The PDUs written in one tick (a window's worth of submit_sm, the responses to one read) leave in one
    // writev instead of one syscall each.
    let corked = false;
    const uncork = (): void => {
      corked = false;
      if (!socket.destroyed) socket.uncork();
    };
    return {
      write(bytes) {
        if (closed || socket.destroyed) return;
        if (!corked) {
          corked = true;
          socket.cork();
          process.nextTick(uncork);
        }
        socket.write(bytes);
      },
      end() {
        // Once flushed to the kernel, close the fd (the kernel still delivers the buffered bytes, then FIN): a
        // peer that never closes its half must not keep the socket open.
        if (!closed && !socket.destroyed) socket.end(() => socket.destroy());
      },
      destroy() {
        socket.destroy();
      },
    };
  };
}
