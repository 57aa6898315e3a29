// The part of the `smpp` npm package (0.5.1, CommonJS, no types of its own) the SMPP server's tests use as
// an independent platform client. Field names are the package's: the SMPP names in snake_case.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  /** A decoded or to-be-sent PDU: header fields, body fields and TLVs by their snake_case names. */
  export interface SmppPdu {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    response(options?: Record<string, unknown>): SmppPdu;
    isResponse(): boolean;
  }

  export type ResponseCallback = (pdu: SmppPdu) => void;

  export interface SmppSession extends EventEmitter {
    socket: Socket;
    send(pdu: SmppPdu, responseCallback?: ResponseCallback): boolean;
    bind_transmitter(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    bind_receiver(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    bind_transceiver(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    submit_sm(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    query_sm(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    cancel_sm(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    enquire_link(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    unbind(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export interface ConnectOptions {
    host: string;
    port: number;
    tls?: boolean;
    ca?: Buffer;
    servername?: string;
    auto_enquire_link_period?: number;
  }

  /** The command_status names the package knows (SMPP 3.4 §5.1.3, and SMPP 5.0's 0x100–0x112). */
  export type SmppErrorName =
    | 'ESME_ROK'
    | 'ESME_RINVMSGLEN'
    | 'ESME_RINVCMDLEN'
    | 'ESME_RINVCMDID'
    | 'ESME_RINVBNDSTS'
    | 'ESME_RALYBND'
    | 'ESME_RINVPRTFLG'
    | 'ESME_RINVREGDLVFLG'
    | 'ESME_RSYSERR'
    | 'ESME_RINVSRCADR'
    | 'ESME_RINVDSTADR'
    | 'ESME_RINVMSGID'
    | 'ESME_RBINDFAIL'
    | 'ESME_RINVPASWD'
    | 'ESME_RINVSYSID'
    | 'ESME_RCANCELFAIL'
    | 'ESME_RREPLACEFAIL'
    | 'ESME_RMSGQFUL'
    | 'ESME_RINVSERTYP'
    | 'ESME_RINVNUMDESTS'
    | 'ESME_RINVDLNAME'
    | 'ESME_RINVDESTFLAG'
    | 'ESME_RINVSUBREP'
    | 'ESME_RINVESMCLASS'
    | 'ESME_RCNTSUBDL'
    | 'ESME_RSUBMITFAIL'
    | 'ESME_RINVSRCTON'
    | 'ESME_RINVSRCNPI'
    | 'ESME_RINVDSTTON'
    | 'ESME_RINVDSTNPI'
    | 'ESME_RINVSYSTYP'
    | 'ESME_RINVREPFLAG'
    | 'ESME_RINVNUMMSGS'
    | 'ESME_RTHROTTLED'
    | 'ESME_RINVSCHED'
    | 'ESME_RINVEXPIRY'
    | 'ESME_RINVDFTMSGID'
    | 'ESME_RX_T_APPN'
    | 'ESME_RX_P_APPN'
    | 'ESME_RX_R_APPN'
    | 'ESME_RQUERYFAIL'
    | 'ESME_RINVTLVSTREAM'
    | 'ESME_RTLVNOTALLWD'
    | 'ESME_RINVTLVLEN'
    | 'ESME_RMISSINGTLV'
    | 'ESME_RINVTLVVAL'
    | 'ESME_RDELIVERYFAILURE'
    | 'ESME_RUNKNOWNERR'
    | 'ESME_RSERTYPUNAUTH'
    | 'ESME_RPROHIBITED'
    | 'ESME_RSERTYPUNAVAIL'
    | 'ESME_RSERTYPDENIED'
    | 'ESME_RINVDCS'
    | 'ESME_RINVSRCADDRSUBUNIT'
    | 'ESME_RINVDSTADDRSUBUNIT'
    | 'ESME_RINVBCASTFREQINT'
    | 'ESME_RINVBCASTALIAS_NAME'
    | 'ESME_RINVBCASTAREAFMT'
    | 'ESME_RINVNUMBCAST_AREAS'
    | 'ESME_RINVBCASTCNTTYPE'
    | 'ESME_RINVBCASTMSGCLASS'
    | 'ESME_RBCASTFAIL'
    | 'ESME_RBCASTQUERYFAIL'
    | 'ESME_RBCASTCANCELFAIL'
    | 'ESME_RINVBCAST_REP'
    | 'ESME_RINVBCASTSRVGRP'
    | 'ESME_RINVBCASTCHANIND';

  interface Smpp {
    connect(options: ConnectOptions, listener?: () => void): SmppSession;
    PDU: new (command: string, options?: Record<string, unknown>) => SmppPdu;
    errors: Readonly<Record<SmppErrorName, number>>;
  }

  const smpp: Smpp;
  export default smpp;
}
