// Typed bodies of the PDUs the gateway and its simulator speak. Field names are the SMPP 3.4 names in
// camelCase (`esmClass`, `sourceAddrTon`), so code reads like the spec.
import type { CommandName } from './commands.js';
import type { Tlv } from './tlv.js';

export interface BindBody {
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
  addrTon: number;
  addrNpi: number;
  addressRange: string;
}

export interface ShortMessageBody {
  serviceType: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
  esmClass: number;
  protocolId: number;
  priorityFlag: number;
  scheduleDeliveryTime: string;
  validityPeriod: string;
  registeredDelivery: number;
  replaceIfPresentFlag: number;
  dataCoding: number;
  smDefaultMsgId: number;
  shortMessage: Buffer;
}

export interface DataSmBody {
  serviceType: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
  esmClass: number;
  registeredDelivery: number;
  dataCoding: number;
}

export interface MessageIdBody {
  messageId: string;
}

export interface SystemIdBody {
  systemId: string;
}

export interface QuerySmBody {
  messageId: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
}

export interface QuerySmRespBody {
  messageId: string;
  finalDate: string;
  messageState: number;
  errorCode: number;
}

export interface CancelSmBody {
  serviceType: string;
  messageId: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
}

export interface ReplaceSmBody {
  messageId: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  scheduleDeliveryTime: string;
  validityPeriod: string;
  registeredDelivery: number;
  smDefaultMsgId: number;
  shortMessage: Buffer;
}

export interface OutbindBody {
  systemId: string;
  password: string;
}

export interface AlertNotificationBody {
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  esmeAddrTon: number;
  esmeAddrNpi: number;
  esmeAddr: string;
}

export type EmptyBody = Record<string, never>;

export interface BodyByCommand {
  generic_nack: EmptyBody;
  bind_receiver: BindBody;
  bind_transmitter: BindBody;
  bind_transceiver: BindBody;
  bind_receiver_resp: SystemIdBody;
  bind_transmitter_resp: SystemIdBody;
  bind_transceiver_resp: SystemIdBody;
  outbind: OutbindBody;
  unbind: EmptyBody;
  unbind_resp: EmptyBody;
  enquire_link: EmptyBody;
  enquire_link_resp: EmptyBody;
  submit_sm: ShortMessageBody;
  deliver_sm: ShortMessageBody;
  submit_sm_resp: MessageIdBody;
  deliver_sm_resp: MessageIdBody;
  data_sm: DataSmBody;
  data_sm_resp: MessageIdBody;
  query_sm: QuerySmBody;
  query_sm_resp: QuerySmRespBody;
  cancel_sm: CancelSmBody;
  cancel_sm_resp: EmptyBody;
  replace_sm: ReplaceSmBody;
  replace_sm_resp: EmptyBody;
  submit_multi: EmptyBody;
  submit_multi_resp: EmptyBody;
  alert_notification: AlertNotificationBody;
}

/** One decoded or to-be-encoded PDU. `command` discriminates the body's type. */
export type Pdu<C extends CommandName = CommandName> = {
  [K in C]: {
    command: K;
    commandStatus: number;
    sequenceNumber: number;
    body: BodyByCommand[K];
    tlvs: Tlv[];
  };
}[C];

/** A PDU whose command_id is not one of SMPP 3.4's: kept so the session can answer generic_nack. */
export interface UnknownPdu {
  command: 'unknown';
  commandId: number;
  commandStatus: number;
  sequenceNumber: number;
}
