// The opt-out list over HTTP (SPEC §4): GET|PUT|DELETE /v1/optouts/{number}, the list (JSON pages, or CSV
// with Accept: text/csv) and a CSV bulk import. Each account sees only its own list.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountConfig } from '../config/index.js';
import { OptOutError, type OptOutEntry, type OptOutList } from '../policy/index.js';
import { ApiError } from './errors.js';
import { normaliseNumber } from './message-input.js';

export interface OptOutRoutesDeps {
  authenticate: (request: FastifyRequest) => AccountConfig;
  optOuts: OptOutList;
}

const MAX_PAGE = 10_000;
const DEFAULT_PAGE = 1000;

function entryView(entry: OptOutEntry): { number: string; optedOut: true; at: string; source: string } {
  return { number: entry.number, optedOut: true, at: new Date(entry.at).toISOString(), source: entry.source };
}

function numberParam(raw: string): string {
  const number = normaliseNumber(raw);
  if (!number) {
    throw new ApiError(
      400,
      'INVALID_NUMBER',
      `number: "${raw}" is not a valid phone number in E.164 form`,
      'number',
    );
  }
  return number;
}

function sourceOf(body: unknown): string {
  if (body === undefined || body === null || body === '') return 'api';
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'INVALID_BODY', 'body: expected a JSON object or nothing');
  }
  const source = (body as { source?: unknown }).source;
  if (source === undefined) return 'api';
  if (typeof source !== 'string' || source === '' || source.length > 64) {
    throw new ApiError(400, 'INVALID_FIELD', 'source: expected a string of 1 to 64 characters', 'source');
  }
  return source;
}

function wantsCsv(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && /\btext\/csv\b/i.test(accept);
}

export function registerOptOutRoutes(app: FastifyInstance, deps: OptOutRoutesDeps): void {
  const { authenticate, optOuts } = deps;

  // CSV bodies arrive as text (import). Guarded: another route module may have registered it first.
  if (!app.hasContentTypeParser('text/csv')) {
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  }

  app.get<{ Querystring: { cursor?: string; limit?: string } }>('/v1/optouts', async (request, reply) => {
    const account = authenticate(request);
    if (wantsCsv(request)) {
      const csv = await optOuts.exportCsv(account.id);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="optouts-${account.id}.csv"`)
        .send(csv);
    }
    const { cursor, limit } = request.query;
    let count = DEFAULT_PAGE;
    if (limit !== undefined) {
      count = Number(limit);
      if (!Number.isInteger(count) || count < 1 || count > MAX_PAGE) {
        throw new ApiError(
          400,
          'INVALID_FIELD',
          `limit: expected a whole number from 1 to ${MAX_PAGE}`,
          'limit',
        );
      }
    }
    if (cursor !== undefined && !/^\d+$/.test(cursor)) {
      throw new ApiError(
        400,
        'INVALID_FIELD',
        'cursor: expected the nextCursor of a previous page',
        'cursor',
      );
    }
    const page = await optOuts.list(account.id, { cursor: cursor ?? '0', count });
    return {
      optOuts: page.entries.map(entryView),
      nextCursor: page.nextCursor,
      total: await optOuts.count(account.id),
    };
  });

  app.post('/v1/optouts/import', async (request) => {
    const account = authenticate(request);
    const type = request.headers['content-type'] ?? '';
    if (typeof request.body !== 'string' || !/^text\/(csv|plain)\b/i.test(type)) {
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'body: expected CSV with Content-Type: text/csv',
        'body',
      );
    }
    try {
      return await optOuts.importCsv(account.id, request.body);
    } catch (error) {
      if (error instanceof OptOutError) throw new ApiError(400, error.code, error.message, 'body');
      throw error;
    }
  });

  app.get<{ Params: { number: string } }>('/v1/optouts/:number', async (request) => {
    const account = authenticate(request);
    const number = numberParam(request.params.number);
    const entry = await optOuts.get(account.id, number);
    if (!entry)
      throw new ApiError(404, 'NOT_FOUND', `number: ${number} is not on the opt-out list`, 'number');
    return entryView(entry);
  });

  app.put<{ Params: { number: string } }>('/v1/optouts/:number', async (request, reply) => {
    const account = authenticate(request);
    const number = numberParam(request.params.number);
    const { added, entry } = await optOuts.add(account.id, number, sourceOf(request.body));
    return reply.code(added ? 201 : 200).send(entryView(entry));
  });

  app.delete<{ Params: { number: string } }>('/v1/optouts/:number', async (request, reply) => {
    const account = authenticate(request);
    const number = numberParam(request.params.number);
    if (!(await optOuts.remove(account.id, number))) {
      throw new ApiError(404, 'NOT_FOUND', `number: ${number} is not on the opt-out list`, 'number');
    }
    return reply.code(204).send();
  });
}
