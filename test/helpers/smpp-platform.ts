// A platform driven by the `smpp` npm package, an SMPP implementation we did not write, so the SMPP server is
// tested against someone else's reading of the spec. Promises over its callbacks; deliver_sm collected and
// answered (with a status the test chooses); enquire_link answered.
import smpp, { type SmppPdu, type SmppSession } from 'smpp';

export type { SmppPdu };

export interface PlatformOptions {
  tls?: { ca: Buffer; servername?: string };
  /** command_status of our deliver_sm_resp (default 0); a function decides per PDU. */
  deliverStatus?: number | ((pdu: SmppPdu) => number);
  timeoutMs?: number;
}

type Command =
  | 'bind_transmitter'
  | 'bind_receiver'
  | 'bind_transceiver'
  | 'submit_sm'
  | 'query_sm'
  | 'cancel_sm'
  | 'enquire_link'
  | 'unbind';

export class SmppPlatform {
  readonly delivered: SmppPdu[] = [];
  /** Requests from the server other than deliver_sm (enquire_link, unbind). */
  readonly requests: SmppPdu[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  deliverStatus: number | ((pdu: SmppPdu) => number);
  private readonly watchers = new Set<() => void>();

  private constructor(
    readonly session: SmppSession,
    private readonly options: PlatformOptions,
  ) {
    this.deliverStatus = options.deliverStatus ?? 0;
    this.closed = new Promise((resolve) =>
      session.once('close', () => {
        this.isClosed = true;
        this.notify();
        resolve();
      }),
    );
    session.on('error', () => undefined);
    session.on('deliver_sm', (pdu: SmppPdu) => {
      this.delivered.push(pdu);
      const status = typeof this.deliverStatus === 'function' ? this.deliverStatus(pdu) : this.deliverStatus;
      session.send(pdu.response({ command_status: status }));
      this.notify();
    });
    session.on('enquire_link', (pdu: SmppPdu) => {
      this.requests.push(pdu);
      session.send(pdu.response());
    });
    session.on('unbind', (pdu: SmppPdu) => {
      this.requests.push(pdu);
      session.send(pdu.response());
      this.notify();
    });
  }

  static connect(port: number, options: PlatformOptions = {}): Promise<SmppPlatform> {
    return new Promise((resolve, reject) => {
      const tls = options.tls;
      const session = smpp.connect(
        tls
          ? { host: '127.0.0.1', port, tls: true, ca: tls.ca, servername: tls.servername ?? 'localhost' }
          : { host: '127.0.0.1', port },
      );
      session.once('error', reject);
      session.once(tls ? 'secureConnect' : 'connect', () => {
        session.off('error', reject);
        resolve(new SmppPlatform(session, options));
      });
    });
  }

  request(command: Command, fields: Record<string, unknown> = {}): Promise<SmppPdu> {
    const timeoutMs = this.options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no response to ${command} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const sent = this.session[command](fields, (pdu) => {
        clearTimeout(timer);
        resolve(pdu);
      });
      if (!sent) {
        clearTimeout(timer);
        reject(new Error(`${command} not sent: the socket is not writable`));
      }
    });
  }

  bind(
    mode: 'transmitter' | 'receiver' | 'transceiver',
    systemId: string,
    password: string,
  ): Promise<SmppPdu> {
    return this.request(`bind_${mode}`, { system_id: systemId, password });
  }

  submit(fields: Record<string, unknown>): Promise<SmppPdu> {
    return this.request('submit_sm', { destination_addr: '33612345678', dest_addr_ton: 1, ...fields });
  }

  /** Resolves once at least n deliver_sm arrived. */
  waitDelivered(n: number, timeoutMs = 5_000): Promise<SmppPdu[]> {
    return this.until(
      () => this.delivered.length >= n,
      timeoutMs,
      () => `${this.delivered.length} of ${n} deliver_sm`,
    ).then(() => this.delivered.slice(0, n));
  }

  until(pred: () => boolean, timeoutMs = 5_000, what: () => string = () => 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      if (pred()) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.watchers.delete(watch);
        reject(new Error(`${what()} after ${timeoutMs} ms`));
      }, timeoutMs);
      const watch = (): void => {
        if (!pred()) return;
        clearTimeout(timer);
        this.watchers.delete(watch);
        resolve();
      };
      this.watchers.add(watch);
    });
  }

  async unbind(): Promise<void> {
    await this.request('unbind');
    await this.closed;
  }

  close(): Promise<void> {
    if (!this.isClosed) this.session.destroy();
    return this.closed;
  }

  private notify(): void {
    for (const watch of [...this.watchers]) watch();
  }
}
