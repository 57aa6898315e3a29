// A TCP proxy that delays every chunk by a fixed time in each direction, order kept: a Redis that is
// further away than the SMSC. When the client side closes, what it had sent that has not yet arrived is
// dropped, as with a host that crashes: the crash tests use it so that a daemon killed with -9 loses the
// writes it had on their way to Redis, the worst case of the duplicate bound.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface LatencyProxy {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Forward `from` → `to`, each chunk `delayMs` late; `dropOnClose`: chunks not yet forwarded die with `from`. */
function delayed(from: Socket, to: Socket, delayMs: number, dropOnClose: boolean): void {
  const timers = new Set<NodeJS.Timeout>();
  from.on('data', (chunk: Buffer) => {
    if (delayMs <= 0 && timers.size === 0) {
      if (!to.destroyed) to.write(chunk);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
    timers.add(timer);
  });
  from.on('close', () => {
    if (dropOnClose) {
      for (const timer of timers) clearTimeout(timer);
      to.destroy();
    } else setTimeout(() => to.destroy(), delayMs);
  });
  from.on('error', () => undefined);
}

/**
 * Listen on a free loopback port and forward to `targetPort`: requests `toServerMs` late, replies
 * `toClientMs` late.
 */
export async function startLatencyProxy(
  targetPort: number,
  delays: { toServerMs: number; toClientMs: number },
): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.once('close', () => sockets.delete(client));
    upstream.once('close', () => sockets.delete(upstream));
    // Timers of the same delay fire in the order they were set: each byte stream stays in order.
    delayed(client, upstream, delays.toServerMs, true);
    delayed(upstream, client, delays.toClientMs, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
