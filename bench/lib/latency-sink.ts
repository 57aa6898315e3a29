// A small SMSC for the latency figure: accepts any bind, answers every submit_sm at once, and for each one
// reads the injection time the benchmark wrote in the text ("L<seq> <hrtime ns> ...") to measure injection →
// submit_sm on the wire, against the same monotonic clock (process.hrtime, CLOCK_MONOTONIC, shared by every
// process on the machine). PDUs are hand-encoded so nothing of the daemon is imported.
//   node --import tsx bench/lib/latency-sink.ts --port P --expect N [--dump FILE] [--lifetime S]
// Prints "LISTENING <port>", then "DONE <json>" once N submits have arrived (or on SIGTERM if fewer did);
// --dump writes "<seq> <arrival hrtime ns>" per submit to FILE first, for the benchmark's own correlation.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    expect: { type: 'string', default: '0' },
    lifetime: { type: 'string', default: '600' },
    dump: { type: 'string' },
  },
});
const expected = Number(values.expect);
const latencies: number[] = [];
const arrivals: string[] = [];
let submits = 0;
let unparsed = 0;
let nextId = 1;
let reported = false;

function cstring(buffer: Buffer, at: number): number {
  const end = buffer.indexOf(0, at);
  return end < 0 ? buffer.length : end + 1;
}

function pdu(command: number, status: number, sequence: number, body: Buffer): Buffer {
  const out = Buffer.alloc(16 + body.length);
  out.writeUInt32BE(16 + body.length, 0);
  out.writeUInt32BE(command >>> 0, 4);
  out.writeUInt32BE(status, 8);
  out.writeUInt32BE(sequence, 12);
  body.copy(out, 16);
  return out;
}

/** The text of a submit_sm body (UDH skipped when esm_class says there is one). */
function shortMessage(body: Buffer): string | undefined {
  let at = cstring(body, 0); // service_type
  at = cstring(body, at + 2); // source ton, npi, addr
  at = cstring(body, at + 2); // dest ton, npi, addr
  const esmClass = body[at];
  at += 3; // esm_class, protocol_id, priority_flag
  at = cstring(body, at); // schedule_delivery_time
  at = cstring(body, at); // validity_period
  at += 4; // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
  const length = body[at];
  if (esmClass === undefined || length === undefined) return undefined;
  let text = body.subarray(at + 1, at + 1 + length);
  if (esmClass & 0x40 && text.length > 0) text = text.subarray(text[0]! + 1);
  return text.toString('latin1');
}

function report(): void {
  if (reported) return;
  reported = true;
  if (values.dump) writeFileSync(values.dump, arrivals.join('\n') + '\n');
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
  const ms = (ns: number) => Number((ns / 1e6).toFixed(3));
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0;
  const summary = {
    submits,
    measured: sorted.length,
    unparsed,
    p50Ms: ms(at(0.5)),
    p90Ms: ms(at(0.9)),
    p99Ms: ms(at(0.99)),
    maxMs: ms(sorted.length ? sorted[sorted.length - 1]! : 0),
    meanMs: ms(mean),
  };
  process.stdout.write(`DONE ${JSON.stringify(summary)}\n`);
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let buffer: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const now = process.hrtime.bigint();
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    const out: Buffer[] = [];
    let at = 0;
    while (buffer.length - at >= 16) {
      const length = buffer.readUInt32BE(at);
      if (length < 16 || length > 65_536) {
        socket.destroy();
        return;
      }
      if (buffer.length - at < length) break;
      const command = buffer.readUInt32BE(at + 4);
      const sequence = buffer.readUInt32BE(at + 12);
      const body = buffer.subarray(at + 16, at + length);
      at += length;
      switch (command) {
        case 0x00000004: {
          submits++;
          const text = shortMessage(body);
          const match = text ? /^L(\d+) (\d+)/.exec(text) : null;
          if (match) {
            latencies.push(Number(now - BigInt(match[2]!)));
            if (values.dump) arrivals.push(`${match[1]} ${now}`);
          } else unparsed++;
          out.push(pdu(0x80000004, 0, sequence, Buffer.from(`${(nextId++).toString(16)}\0`, 'latin1')));
          if (expected > 0 && submits === expected) setImmediate(report);
          break;
        }
        case 0x00000001:
        case 0x00000002:
        case 0x00000009:
          out.push(pdu(command | 0x80000000, 0, sequence, Buffer.from('latency-sink\0', 'latin1')));
          break;
        case 0x00000015:
          out.push(pdu(0x80000015, 0, sequence, Buffer.alloc(0)));
          break;
        case 0x00000006:
          out.push(pdu(0x80000006, 0, sequence, Buffer.alloc(0)));
          break;
        default:
          // responses (deliver_sm_resp, enquire_link_resp) need nothing; other requests get generic_nack
          if (!(command & 0x80000000)) out.push(pdu(0x80000000, 0x03, sequence, Buffer.alloc(0)));
      }
    }
    buffer = buffer.subarray(at);
    if (out.length) socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  });
  socket.on('error', () => socket.destroy());
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`);
});
const stop = () => {
  report();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(values.lifetime) * 1000).unref();
