// A campaign request the gateway cannot take, with the API code it answers (the HTTP layer maps the status).
export type CampaignErrorCode =
  'INVALID_BODY' | 'MISSING_FIELD' | 'INVALID_FIELD' | 'INVALID_CSV' | 'SENDER_NOT_ALLOWED' | 'NOT_FOUND';

export class CampaignError extends Error {
  constructor(
    readonly code: CampaignErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CampaignError';
  }
}
