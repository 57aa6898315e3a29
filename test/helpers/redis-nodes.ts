// What the multi-server harnesses (Sentinel set, Cluster) share: plain clients on their servers by port,
// and a poll until the servers agree on something.
import { Redis } from 'ioredis';

/** A plain client per port, made on first use; `close()` disconnects them all. */
export function clientPool(): { clientOn(port: number): Redis; close(): void } {
  const clients = new Map<number, Redis>();
  return {
    clientOn(port) {
      let client = clients.get(port);
      if (!client) {
        client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
        client.on('error', () => undefined);
        clients.set(port, client);
      }
      return client;
    },
    close() {
      for (const c of clients.values()) c.disconnect();
    },
  };
}

/** Poll `check` every 50 ms (a throw counts as false) until it holds, or fail after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
