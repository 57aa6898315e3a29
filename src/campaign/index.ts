// Campaigns: a template sent to a list of recipients through the queue (src/campaign/campaigns.ts), their
// CSV reader, and their errors.
export {
  Campaigns,
  renderTemplate,
  validateCampaign,
  type CampaignCreated,
  type CampaignInput,
  type CampaignView,
  type CampaignsDeps,
} from './campaigns.js';
export { CampaignError, type CampaignErrorCode } from './errors.js';
export { CsvError, parseCsvRecipients, parseCsvRows } from './csv.js';
