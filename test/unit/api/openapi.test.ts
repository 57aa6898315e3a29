// docs/openapi.yaml is the API's description for clients (SPEC §4). This keeps it true to the code: a valid
// OpenAPI 3.1 document, the same (method, path) pairs as the routes HttpApi registers, bearer auth exactly on
// /v1/*, exactly the error codes the API can answer, and schemas that cover what the code returns.
import { readFileSync, readdirSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ApiError, validateMessage } from '../../../src/api/index.js';
import { previewText } from '../../../src/codec/index.js';
import { buildConfig } from '../../../src/config/index.js';
import { decodeRecord, MESSAGE_CLASSES, MESSAGE_STATES, toView } from '../../../src/store/index.js';
import { standInHttpApi } from '../../helpers/http-api.js';

const DOC_TEXT = readFileSync(new URL('../../../docs/openapi.yaml', import.meta.url), 'utf8');
const SRC = new URL('../../../src/', import.meta.url);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Json = Record<string, unknown>;

function parseDoc(): Json {
  return parse(DOC_TEXT, { uniqueKeys: true }) as Json;
}

const doc = parseDoc();

function obj(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: expected an object`);
  }
  return value as Json;
}

/** Follows a local `$ref` ("#/components/...") to what it names. */
function deref(value: unknown, where: string): Json {
  let node = obj(value, where);
  while (typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (!ref.startsWith('#/')) throw new Error(`${where}: only local $refs are expected, not ${ref}`);
    let target: unknown = doc;
    for (const key of ref.slice(2).split('/')) target = obj(target, ref)[key];
    node = obj(target, ref);
  }
  return node;
}

function schema(name: string): Json {
  return deref(obj(obj(doc.components, 'components').schemas, 'components.schemas')[name], name);
}

function propertiesOf(node: Json, where: string): string[] {
  return Object.keys(obj(node.properties, `${where}.properties`)).sort();
}

function requiredOf(node: Json): string[] {
  return [...((node.required as string[] | undefined) ?? [])].sort();
}

/** `["get /v1/messages/{id}", ...]`: every operation of the document. */
function documentedOperations(): string[] {
  const operations: string[] = [];
  for (const [path, item] of Object.entries(obj(doc.paths, 'paths'))) {
    for (const method of HTTP_METHODS)
      if (obj(item, path)[method] !== undefined) operations.push(`${method} ${path}`);
  }
  return operations.sort();
}

const config = buildConfig({
  operators: [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'pw' }],
  accounts: [{ id: 'acme', apiKeys: ['test-key'], senders: ['ACME'] }],
});
const account = config.accounts[0]!;

// HttpApi as the gateway builds it, never listening and never asked anything.
const api = standInHttpApi(config);
afterAll(() => api.close());

/** `["get /v1/messages/{id}", ...]`: every route the server registers, without Fastify's HEAD twins of GETs. */
function registeredOperations(): string[] {
  return api
    .routeList()
    .filter((route) => route.method !== 'HEAD')
    .map((route) => `${route.method.toLowerCase()} ${route.url.replace(/:(\w+)/g, '{$1}')}`)
    .sort();
}

function source(path: string): string {
  return readFileSync(new URL(path, SRC), 'utf8');
}

/** The members of `export type <name> = 'A' | 'B' ...;` in a source file. */
function unionMembers(path: string, name: string): string[] {
  const match = new RegExp(`export type ${name}\\s*=([^;]+);`).exec(source(path));
  if (!match) throw new Error(`${path}: no "export type ${name} = ...;"`);
  return [...match[1]!.matchAll(/'([A-Z0-9_]+)'/g)].map((m) => m[1]!);
}

/**
 * Codes the API layer writes itself: the upper-case string literals of the src/api modules that build
 * ApiErrors (`new ApiError(400, 'INVALID_BODY', ...)`, `invalid(field, ..., 'EMPTY_TEXT')`, the error
 * handler's `'INVALID_JSON' : 'BAD_REQUEST'`, the QueueError codes it maps). Fastify's own error codes
 * (FST_*) are compared against, not answered.
 */
function apiLiteralCodes(): string[] {
  const codes = new Set<string>();
  for (const file of readdirSync(new URL('api/', SRC))) {
    if (!file.endsWith('.ts')) continue;
    const text = source(`api/${file}`);
    if (!text.includes('ApiError')) continue;
    for (const match of text.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g)) {
      const literal = match[1]!;
      if (!literal.startsWith('FST_') && literal.length > 2) codes.add(literal);
    }
  }
  return [...codes];
}

/** Every code an error response can carry: the API's own, and those of the errors it passes on. */
function answerableCodes(): string[] {
  return [
    ...new Set([
      ...apiLiteralCodes(),
      // toApiError: every QueueError and CodecError; the opt-out import: every OptOutError.
      ...unionMembers('queue/errors.ts', 'QueueErrorCode'),
      ...unionMembers('codec/errors.ts', 'CodecErrorCode'),
      ...unionMembers('policy/opt-out.ts', 'OptOutErrorCode'),
    ]),
  ].sort();
}

describe('docs/openapi.yaml', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = obj(doc.info, 'info');
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    expect(Object.keys(obj(doc.paths, 'paths')).length).toBeGreaterThan(0);
  });

  it('validates against the OpenAPI 3.1 schema, every $ref resolving', async () => {
    const validator = new Validator();
    const result = await validator.validate(parseDoc());
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes exactly the routes the server registers', () => {
    const registered = registeredOperations();
    expect(registered).toContain('post /v1/messages');
    expect(registered).toContain('get /v1/messages/{id}');
    expect(documentedOperations()).toEqual(registered);
  });

  it('declares every path parameter of every path', () => {
    for (const [path, value] of Object.entries(obj(doc.paths, 'paths'))) {
      const item = obj(value, path);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
      for (const method of HTTP_METHODS) {
        if (item[method] === undefined) continue;
        const operation = obj(item[method], `${method} ${path}`);
        const parameters = [
          ...((item.parameters as unknown[] | undefined) ?? []),
          ...((operation.parameters as unknown[] | undefined) ?? []),
        ].map((p) => deref(p, `${method} ${path} parameters`));
        const inPath = parameters.filter((p) => p.in === 'path');
        expect(
          inPath.every((p) => p.required === true),
          `${method} ${path}`,
        ).toBe(true);
        expect(inPath.map((p) => String(p.name)).sort(), `${method} ${path}`).toEqual(templated);
      }
    }
  });

  it('asks for the bearer key on /v1/*, for nothing on /healthz, /readyz and /openapi.json, for an optional metrics key on /metrics', () => {
    const scheme = obj(
      obj(obj(doc.components, 'components').securitySchemes, 'securitySchemes').bearerAuth,
      'bearerAuth',
    );
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const operation of documentedOperations()) {
      const [method, path] = operation.split(' ') as [string, string];
      const declared =
        obj(obj(obj(doc.paths, 'paths')[path], path)[method], operation).security ?? doc.security;
      if (path.startsWith('/v1/')) expect(declared, operation).toEqual([{ bearerAuth: [] }]);
      // Open unless http.metricsApiKeys lists keys.
      else if (path === '/metrics') expect(declared, operation).toEqual([{}, { metricsAuth: [] }]);
      else expect(declared, operation).toEqual([]);
    }
    expect(documentedOperations().filter((o) => !o.split(' ')[1]!.startsWith('/v1/'))).toEqual([
      'get /healthz',
      'get /metrics',
      'get /openapi.json',
      'get /readyz',
    ]);
  });

  it('lists exactly the error codes the API can answer', () => {
    const apiCodes = apiLiteralCodes();
    // The extraction still finds the codes written in each way (constructor, invalid(), error handler).
    for (const code of [
      'UNAUTHENTICATED',
      'SENDER_NOT_ALLOWED',
      'EMPTY_TEXT',
      'INVALID_JSON',
      'UNSUPPORTED_MEDIA_TYPE',
    ]) {
      expect(apiCodes).toContain(code);
    }
    const errorCode = schema('ErrorCode');
    const documented = errorCode.enum as string[];
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(answerableCodes());
    // The error shape itself: {"error": {"code", "message", "field"?}}.
    const body = new ApiError(400, 'INVALID_FIELD', 'x: bad', 'x').body();
    const detail = schema('ErrorDetail');
    expect(propertiesOf(detail, 'ErrorDetail')).toEqual(Object.keys(body.error).sort());
    expect(requiredOf(detail)).toEqual(['code', 'message']);
    expect(requiredOf(schema('Error'))).toEqual(Object.keys(body));
  });

  it('MessageInput has the fields validateMessage accepts, required as it requires them', () => {
    const input = schema('MessageInput');
    expect(input.additionalProperties).toBe(false);
    const known = /const KNOWN_FIELDS = new Set\(\[([^\]]+)\]\)/.exec(source('api/message-input.ts'));
    expect(known, 'KNOWN_FIELDS in src/api/message-input.ts').not.toBeNull();
    const fields = [...known![1]!.matchAll(/'(\w+)'/g)].map((m) => m[1]!).sort();
    expect(propertiesOf(input, 'MessageInput')).toEqual(fields);

    const valid = { to: '+33612345678', from: 'ACME', text: 'Bonjour', class: 'transactional' };
    const options = { now: Date.now() };
    expect(() => validateMessage(valid, account, options)).not.toThrow();
    const codeOf = (body: Json): string | undefined => {
      try {
        validateMessage(body, account, options);
        return undefined;
      } catch (error) {
        if (error instanceof ApiError) return error.code;
        throw error;
      }
    };
    for (const field of fields) {
      const without: Json = { ...valid };
      delete without[field];
      expect(codeOf(without), field).toBe(requiredOf(input).includes(field) ? 'MISSING_FIELD' : undefined);
      // An optional field set to null counts as absent, as the schema's 'null' type says.
      if (!requiredOf(input).includes(field)) {
        expect(codeOf({ ...valid, [field]: null }), field).toBeUndefined();
        const types = obj(obj(input.properties, 'properties')[field], field).type;
        expect(types, field).toContain('null');
      }
    }
    expect(codeOf({ ...valid, priority: 1 })).toBe('UNKNOWN_FIELD');
  });

  it('MessageState and MessageClass are the code’s', () => {
    expect(schema('MessageState').enum).toEqual([...MESSAGE_STATES]);
    expect(schema('MessageClass').enum).toEqual([...MESSAGE_CLASSES]);
  });

  it('Preview describes every field previewText returns, and requires only those always there', () => {
    const preview = schema('Preview');
    const properties = propertiesOf(preview, 'Preview');
    for (const text of ['Bonjour', 'Réunion à 9h ✅', 'x'.repeat(2000), '{}[]~']) {
      const keys = Object.keys(previewText(text));
      expect(properties).toEqual(expect.arrayContaining(keys));
      expect(keys).toEqual(expect.arrayContaining(requiredOf(preview)));
    }
  });

  it('MessageView describes every field the message store returns, and requires only those always there', () => {
    const view = schema('MessageView');
    const minimal = toView(
      decodeRecord({
        k: '01M80NJ8R97H27X1GPB72Y5XPK0\tacme\t\t\t\t0\t+33612345678\ttransactional',
        st: 'queued',
      })!,
    );
    const full = toView(
      decodeRecord({
        k: '01M80NJ8R97H27X1GPB72Y5XPK0\tacme\torder-1\tspring\t\t1\t+33612345678\tmarketing',
        st: 'delivered',
        dt: 'unconfirmed',
        m: JSON.stringify({
          from: 'ACME',
          operator: 'sim',
          encoding: 'gsm7',
          dataCoding: 0,
          segs: [],
          sendAt: 3,
        }),
        a1: '698eef23',
        r1: 'DELIVRD\t000\t5',
        h: 'queued\t1\t\t\nerror\t2\tUNDELIV\tretry 1',
        er: 'receipt\tUNDELIV\tundelivered',
      })!,
    );
    expect(propertiesOf(view, 'MessageView')).toEqual(expect.arrayContaining(Object.keys(full)));
    expect(Object.keys(minimal)).toEqual(expect.arrayContaining(requiredOf(view)));
    const properties = obj(view.properties, 'MessageView.properties');
    const nested: Array<[string, Json, object]> = [
      ['error', deref(properties.error, 'error'), full.error!],
      ['parts[]', deref(obj(properties.parts, 'parts').items, 'parts.items'), full.parts[0]!],
      ['history[]', deref(obj(properties.history, 'history').items, 'history.items'), full.history[0]!],
    ];
    for (const [name, node, value] of nested) {
      expect(propertiesOf(node, name), name).toEqual(expect.arrayContaining(Object.keys(value)));
    }
  });
});
