// Shared set-up of the simulator's integration tests: a simulator on a free port and raw ESMEs, all torn
// down after each test so no socket or timer outlives it.
import { afterEach } from 'vitest';
import { SmscSimulator, type SimulatorOptions } from '../../../src/simulator/index.js';
import { TestEsme, type TestBindMode, type TestEsmeOptions } from '../../helpers/smpp-client.js';

const simulators: SmscSimulator[] = [];
const clients: TestEsme[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(simulators.splice(0).map((s) => s.stop()));
});

export async function startSimulator(options: SimulatorOptions = {}): Promise<SmscSimulator> {
  const simulator = new SmscSimulator({ port: 0, receiptDelayMs: 20, ...options });
  simulators.push(simulator);
  await simulator.start();
  return simulator;
}

export async function connect(simulator: SmscSimulator, options: TestEsmeOptions = {}): Promise<TestEsme> {
  const address = simulator.address;
  if (!address) throw new Error('simulator not started');
  const client = await TestEsme.connect(address.port, options);
  clients.push(client);
  return client;
}

/** Connect and bind; throws when the bind is refused. */
export async function bound(
  simulator: SmscSimulator,
  mode: TestBindMode = 'transceiver',
  credentials: { systemId?: string; password?: string } = {},
  options: TestEsmeOptions = {},
): Promise<TestEsme> {
  const client = await connect(simulator, options);
  const resp = await client.bind(mode, credentials);
  if (resp.commandStatus !== 0) throw new Error(`bind refused with status ${resp.commandStatus}`);
  return client;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
