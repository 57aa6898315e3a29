// Campaigns over HTTP (SPEC §4): POST /v1/campaigns, GET and DELETE /v1/campaigns/{id}. Each account sees
// only its own campaigns. The work is src/campaign's; this file maps its errors to the API's shape.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CampaignError, validateCampaign, type Campaigns } from '../campaign/index.js';
import type { AccountConfig } from '../config/index.js';
import { ApiError } from './errors.js';

export interface CampaignRoutesDeps {
  authenticate: (request: FastifyRequest) => AccountConfig;
  campaigns: Campaigns;
  /** Throws the API's 503 when Redis is unreachable, or while draining. */
  ready: () => void;
}

function apiError(error: unknown): unknown {
  if (!(error instanceof CampaignError)) return error;
  const status = error.code === 'NOT_FOUND' ? 404 : error.code === 'SENDER_NOT_ALLOWED' ? 403 : 400;
  return new ApiError(status, error.code, error.message, error.field);
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw apiError(error);
  }
}

export function registerCampaignRoutes(app: FastifyInstance, deps: CampaignRoutesDeps): void {
  app.post('/v1/campaigns', async (request, reply) => {
    const account = deps.authenticate(request);
    deps.ready();
    const created = await mapped(async () =>
      deps.campaigns.create(account.id, validateCampaign(request.body, account)),
    );
    return reply.code(201).send(created);
  });

  app.get<{ Params: { id: string } }>('/v1/campaigns/:id', async (request) => {
    const account = deps.authenticate(request);
    return mapped(() => deps.campaigns.get(account.id, request.params.id));
  });

  app.delete<{ Params: { id: string } }>('/v1/campaigns/:id', async (request) => {
    const account = deps.authenticate(request);
    return mapped(() => deps.campaigns.cancel(account.id, request.params.id));
  });
}
