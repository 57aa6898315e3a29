// SMPP 3.4 §4 and §5.1.2: command ids and the mandatory body of each PDU, as a field table.
// The codec is table-driven so every command is encoded and decoded by the same, tested, code.

export const CommandId = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  query_sm: 0x00000003,
  query_sm_resp: 0x80000003,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  replace_sm: 0x00000007,
  replace_sm_resp: 0x80000007,
  cancel_sm: 0x00000008,
  cancel_sm_resp: 0x80000008,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  submit_multi: 0x00000021,
  submit_multi_resp: 0x80000021,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;

export type CommandName = keyof typeof CommandId;

const commandNames = new Map<number, CommandName>(
  (Object.entries(CommandId) as Array<[CommandName, number]>).map(([name, id]) => [id, name]),
);

export function commandNameOf(commandId: number): CommandName | undefined {
  return commandNames.get(commandId);
}

export function isResponseId(commandId: number): boolean {
  return (commandId & 0x80000000) !== 0;
}

/**
 * A field of a PDU body. `cstring` carries its maximum size in octets including the NUL (§5.2);
 * `shortMessage` is the sm_length octet followed by that many octets (§5.2.21, §5.2.22).
 */
export type FieldSpec =
  | { name: string; type: 'uint8' }
  | { name: string; type: 'cstring'; max: number }
  | { name: string; type: 'shortMessage' };

const u8 = (name: string): FieldSpec => ({ name, type: 'uint8' });
const cs = (name: string, max: number): FieldSpec => ({ name, type: 'cstring', max });

const bindFields: FieldSpec[] = [
  cs('systemId', 16),
  cs('password', 9),
  cs('systemType', 13),
  u8('interfaceVersion'),
  u8('addrTon'),
  u8('addrNpi'),
  cs('addressRange', 41),
];

// submit_sm §4.4.1 and deliver_sm §4.6.1 share one layout.
const smFields: FieldSpec[] = [
  cs('serviceType', 6),
  u8('sourceAddrTon'),
  u8('sourceAddrNpi'),
  cs('sourceAddr', 21),
  u8('destAddrTon'),
  u8('destAddrNpi'),
  cs('destinationAddr', 21),
  u8('esmClass'),
  u8('protocolId'),
  u8('priorityFlag'),
  cs('scheduleDeliveryTime', 17),
  cs('validityPeriod', 17),
  u8('registeredDelivery'),
  u8('replaceIfPresentFlag'),
  u8('dataCoding'),
  u8('smDefaultMsgId'),
  { name: 'shortMessage', type: 'shortMessage' },
];

export const bodyFields: Record<CommandName, FieldSpec[]> = {
  generic_nack: [],
  bind_receiver: bindFields,
  bind_transmitter: bindFields,
  bind_transceiver: bindFields,
  bind_receiver_resp: [cs('systemId', 16)],
  bind_transmitter_resp: [cs('systemId', 16)],
  bind_transceiver_resp: [cs('systemId', 16)],
  outbind: [cs('systemId', 16), cs('password', 9)],
  unbind: [],
  unbind_resp: [],
  enquire_link: [],
  enquire_link_resp: [],
  submit_sm: smFields,
  deliver_sm: smFields,
  submit_sm_resp: [cs('messageId', 65)],
  deliver_sm_resp: [cs('messageId', 65)],
  data_sm: [
    cs('serviceType', 6),
    u8('sourceAddrTon'),
    u8('sourceAddrNpi'),
    cs('sourceAddr', 65),
    u8('destAddrTon'),
    u8('destAddrNpi'),
    cs('destinationAddr', 65),
    u8('esmClass'),
    u8('registeredDelivery'),
    u8('dataCoding'),
  ],
  data_sm_resp: [cs('messageId', 65)],
  query_sm: [cs('messageId', 65), u8('sourceAddrTon'), u8('sourceAddrNpi'), cs('sourceAddr', 21)],
  query_sm_resp: [cs('messageId', 65), cs('finalDate', 17), u8('messageState'), u8('errorCode')],
  cancel_sm: [
    cs('serviceType', 6),
    cs('messageId', 65),
    u8('sourceAddrTon'),
    u8('sourceAddrNpi'),
    cs('sourceAddr', 21),
    u8('destAddrTon'),
    u8('destAddrNpi'),
    cs('destinationAddr', 21),
  ],
  cancel_sm_resp: [],
  replace_sm: [
    cs('messageId', 65),
    u8('sourceAddrTon'),
    u8('sourceAddrNpi'),
    cs('sourceAddr', 21),
    cs('scheduleDeliveryTime', 17),
    cs('validityPeriod', 17),
    u8('registeredDelivery'),
    u8('smDefaultMsgId'),
    { name: 'shortMessage', type: 'shortMessage' },
  ],
  replace_sm_resp: [],
  // submit_multi's destination list is not used by the gateway; its body is kept opaque (see codec).
  submit_multi: [],
  submit_multi_resp: [],
  alert_notification: [
    u8('sourceAddrTon'),
    u8('sourceAddrNpi'),
    cs('sourceAddr', 65),
    u8('esmeAddrTon'),
    u8('esmeAddrNpi'),
    cs('esmeAddr', 65),
  ],
};

/** Commands whose body may be followed by TLVs (§4: the PDUs that list optional parameters). */
export const acceptsTlvs: ReadonlySet<CommandName> = new Set<CommandName>([
  'bind_receiver_resp',
  'bind_transmitter_resp',
  'bind_transceiver_resp',
  'submit_sm',
  'deliver_sm',
  'data_sm',
  'data_sm_resp',
  'alert_notification',
]);
