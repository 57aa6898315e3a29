// Errors of the simulator's API (injectMo, sendReceipt, start), each with a stable code.

export type SimulatorErrorCode =
  'SIMULATOR_NO_RECEIVER' | 'SIMULATOR_UNKNOWN_SUBMIT' | 'SIMULATOR_BAD_INPUT' | 'SIMULATOR_STOPPED';

export class SimulatorError extends Error {
  constructor(
    readonly code: SimulatorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SimulatorError';
  }
}
