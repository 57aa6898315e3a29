import { describe, expect, it } from 'vitest';
import { substituteEnv, substituteString } from '../../../src/config/env.js';

describe('substituteString', () => {
  const env = { HOST: 'smsc.example', EMPTY: '', PORT: '2775' };

  it('replaces ${NAME} with the variable', () => {
    expect(substituteString('${HOST}:${PORT}', env)).toEqual({ value: 'smsc.example:2775', errors: [] });
  });

  it('uses the default when the variable is unset', () => {
    expect(substituteString('${MISSING:-dev-only-key}', env).value).toBe('dev-only-key');
  });

  it('uses the default when the variable is empty, as the shell does for :-', () => {
    expect(substituteString('${EMPTY:-fallback}', env).value).toBe('fallback');
  });

  it('keeps an empty variable without a default as empty', () => {
    expect(substituteString('a${EMPTY}b', env)).toEqual({ value: 'ab', errors: [] });
  });

  it('allows an empty default and a default containing ":" and "-"', () => {
    expect(substituteString('[${MISSING:-}]', env).value).toBe('[]');
    expect(substituteString('${MISSING:-redis://h:1/0}', env).value).toBe('redis://h:1/0');
  });

  it('reports an unset variable without a default by name', () => {
    expect(substituteString('${ACME_API_KEY}', {}).errors).toEqual([
      'environment variable ACME_API_KEY is not set',
    ]);
  });

  it('treats $${ as a literal ${', () => {
    expect(substituteString('cost: $${HOST}', env)).toEqual({ value: 'cost: ${HOST}', errors: [] });
  });

  it('leaves strings without ${ untouched, including lone $ signs', () => {
    expect(substituteString('$5 and $HOST', env)).toEqual({ value: '$5 and $HOST', errors: [] });
  });

  it('reports an unterminated reference', () => {
    expect(substituteString('${HOST', env).errors[0]).toMatch(/unterminated/);
  });

  it('reports an invalid variable name', () => {
    expect(substituteString('${1BAD}', env).errors[0]).toMatch(/invalid environment variable reference/);
  });
});

describe('substituteEnv', () => {
  it('substitutes string scalars at any depth and reports each unset variable at its path', () => {
    const tree = {
      operators: [{ host: '${HOST}', port: '${PORT}', password: '${NOPE}' }],
      accounts: [{ apiKeys: ['${KEY:-dev}', '${ALSO_MISSING}'] }],
      n: 5,
      b: true,
      nil: null,
    };
    const r = substituteEnv(tree, { HOST: 'h', PORT: '1' });
    expect(r.value).toEqual({
      operators: [{ host: 'h', port: '1', password: '' }],
      accounts: [{ apiKeys: ['dev', ''] }],
      n: 5,
      b: true,
      nil: null,
    });
    expect(r.issues).toEqual([
      { path: ['operators', 0, 'password'], message: 'environment variable NOPE is not set' },
      { path: ['accounts', 0, 'apiKeys', 1], message: 'environment variable ALSO_MISSING is not set' },
    ]);
  });

  it('does not substitute mapping keys', () => {
    const r = substituteEnv({ '${A}': 'x' }, { A: 'b' });
    expect(r.value).toEqual({ '${A}': 'x' });
  });

  it('keeps a "__proto__" key as a plain key', () => {
    const tree = JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown;
    const r = substituteEnv(tree, {}).value as Record<string, unknown>;
    expect(Object.keys(r)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
  });
});
