// The SMSC simulator: an SMPP 3.4 server for `npm start`, the tests and the benchmarks, with receipts,
// MO injection, named fault scenarios and an HTTP control interface. See docs/simulator.md.
export { SmscSimulator, type SimulatorEvents } from './simulator.js';
export type {
  BindEvent,
  DestinationRule,
  MoInjection,
  MoResult,
  RecordedSubmit,
  SessionEvent,
  SimulatorOptions,
  SubmitOutcome,
} from './types.js';
export { SimulatorError, type SimulatorErrorCode } from './errors.js';
export type { BindMode } from './connection.js';
export { emptyCounters, formatCounters, type SimulatorCounters } from './counters.js';
export {
  parseScenario,
  scenarioSchema,
  scenarioListSchema,
  ScenarioParseError,
  type Scenario,
  type ScenarioName,
} from './scenarios.js';
export {
  buildReceiptPdu,
  formatReceiptText,
  isReceiptStat,
  messageStateOf,
  MessageState,
  parseReceiptText,
  RECEIPT_STATS,
  type ParsedReceiptText,
  type ReceiptStat,
} from './receipts.js';
export { destinationRuleSchema, destinationRuleListSchema, submitToJson } from './control-server.js';
