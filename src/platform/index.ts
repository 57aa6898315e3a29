// The gateway's side of the SMPP server for platforms (src/smpp-server talks only to its ports): the ingress
// adapter that queues their messages, the feeder that turns the accounts' event streams into receipts and MO
// for their outbox, and the hooks that make the server's observations metrics. The Redis-backed ports
// themselves are in src/store (platform-*.ts).
export { PlatformIngressAdapter, type PlatformIngressDeps } from './ingress.js';
export { PlatformOutboxFeeder, PLATFORM_OUTBOX_GROUP, type OutboxFeederOptions } from './outbox-feeder.js';
export { finalStatusOfEvent, receiptWanted } from './receipts.js';
export { platformMetricsHooks, dropReasonLabel } from './hooks.js';
