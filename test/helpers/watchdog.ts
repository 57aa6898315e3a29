// A test process whose event loop stops turning (a synchronous loop, or promises that resolve one another
// forever) never reaches vitest's own timeouts: the run just hangs, as one CI run did for 90 minutes. This
// watchdog, a worker thread, sees the main thread's heartbeat stop, pauses it through the inspector, writes
// its JavaScript stack straight to fd 2, and kills the process, so the hang becomes a failure that says where.
import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const STARTED = Symbol.for('smppgw.test.watchdog');
// The real clock, taken before any test fakes Date (vi.useFakeTimers freezes it): a frozen heartbeat would
// look like a stalled loop.
const realNow = Date.now;

/** Starts the watchdog once per process. `stallMs`: how long the loop may stop before it acts. */
export function startEventLoopWatchdog(stallMs: number): void {
  const holder = globalThis as { [STARTED]?: boolean };
  if (holder[STARTED]) return;
  holder[STARTED] = true;
  const beat = new Float64Array(new SharedArrayBuffer(8));
  beat[0] = realNow();
  setInterval(() => {
    beat[0] = realNow();
  }, 500).unref();
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { beat, stallMs, pid: process.pid },
  });
  worker.unref();
  worker.on('error', (error) => {
    writeSync(2, `test watchdog failed: ${String(error)}\n`);
  });
}

// Plain JavaScript: a worker started with eval runs no TypeScript loader.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const inspector = require('node:inspector');
const { beat, stallMs, pid } = workerData;
const say = (text) => writeSync(2, text + '\\n');
const timer = setInterval(() => {
  const stalled = Date.now() - beat[0];
  if (stalled < stallMs) return;
  clearInterval(timer);
  say('TEST WATCHDOG: the event loop of test process ' + pid + ' has not turned for ' + stalled + ' ms');
  const session = new inspector.Session();
  session.connectToMainThread();
  const kill = () => {
    say('TEST WATCHDOG: killing test process ' + pid);
    process.kill(pid, 'SIGKILL');
  };
  const fallback = setTimeout(() => {
    say('TEST WATCHDOG: no stack within 10 s');
    kill();
  }, 10000);
  const urls = new Map();
  session.on('Debugger.scriptParsed', ({ params }) => urls.set(params.scriptId, params.url));
  // Several samples: one pause may land in a promise hook, the next ones in the code that loops.
  let samples = 0;
  session.on('Debugger.paused', ({ params }) => {
    clearTimeout(fallback);
    samples += 1;
    say('TEST WATCHDOG: main thread stack, sample ' + samples + ':');
    for (const f of params.callFrames) {
      const where = (f.url || urls.get(f.location.scriptId) || '?') + ':' + (f.location.lineNumber + 1) + ':' + (f.location.columnNumber + 1);
      say('    at ' + (f.functionName || '<anonymous>') + ' (' + where + ')');
    }
    for (let t = params.asyncStackTrace; t; t = t.parent) {
      say('  async ' + (t.description || ''));
      for (const f of t.callFrames) {
        say('    at ' + (f.functionName || '<anonymous>') + ' (' + f.url + ':' + (f.lineNumber + 1) + ')');
      }
    }
    if (samples >= 6) {
      kill();
      return;
    }
    // Each next sample must come within 5 s, or what was printed is all there is.
    const next = setTimeout(kill, 5000);
    session.post('Debugger.resume', (error) => {
      if (error) say('TEST WATCHDOG: resume failed: ' + error.message);
      setTimeout(() => session.post('Debugger.pause', (e) => {
        if (e) say('TEST WATCHDOG: pause failed: ' + e.message);
      }), 20 * samples);
    });
    session.once('Debugger.paused', () => clearTimeout(next));
  });
  session.post('Debugger.enable', () => {
    session.post('Debugger.setAsyncCallStackDepth', { maxDepth: 16 }, () => {
      session.post('Debugger.pause');
    });
  });
}, 1000);
`;
