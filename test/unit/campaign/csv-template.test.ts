// Campaign input: the CSV reader, {{field}} templates, and the request's validation (sendAt in a zone).
import { describe, expect, it } from 'vitest';
import {
  CsvError,
  parseCsvRecipients,
  renderTemplate,
  validateCampaign,
  type CampaignError,
} from '../../../src/campaign/index.js';
import type { AccountConfig } from '../../../src/config/index.js';

describe('campaign CSV', () => {
  it('reads a header and rows, quoted fields, CRLF, a BOM and a trailing blank line', () => {
    const text =
      '\ufeffto,prenom,note\r\n+33612345678,"Ana, Marie","dit ""oui"""\r\n+33612345679,Bo,\r\n\r\n';
    expect(parseCsvRecipients(text)).toEqual([
      { to: '+33612345678', prenom: 'Ana, Marie', note: 'dit "oui"' },
      { to: '+33612345679', prenom: 'Bo', note: '' },
    ]);
  });

  it('takes semicolons when the header has no comma', () => {
    expect(parseCsvRecipients('to;prenom\n+33612345678;Ana\n')).toEqual([
      { to: '+33612345678', prenom: 'Ana' },
    ]);
  });

  it('refuses a CSV without a column to, or with an open quote', () => {
    expect(() => parseCsvRecipients('number,prenom\n1,2\n')).toThrow(CsvError);
    expect(() => parseCsvRecipients('to\n"+3361\n')).toThrow(/not closed/);
    expect(() => parseCsvRecipients('')).toThrow(/empty/);
  });
});

describe('renderTemplate', () => {
  it('fills {{field}} (spaces allowed) and names the first missing field', () => {
    expect(renderTemplate('Bonjour {{prenom}} {{ nom }}', { prenom: 'Ana', nom: 'B' })).toEqual({
      ok: true,
      text: 'Bonjour Ana B',
    });
    expect(renderTemplate('Bonjour {{prenom}}', { to: '+33' })).toEqual({ ok: false, field: 'prenom' });
    expect(renderTemplate('Sans champ', {})).toEqual({ ok: true, text: 'Sans champ' });
  });
});

describe('validateCampaign', () => {
  const account = { id: 'acme', senders: ['ACME'] } as unknown as AccountConfig;
  const base = {
    name: 'N',
    from: 'ACME',
    class: 'marketing',
    template: 'Hi',
    recipients: [{ to: '+33612345678' }],
  };

  it('reads sendAt without an offset in zone, and with one as that instant', () => {
    expect(
      validateCampaign({ ...base, sendAt: '2026-12-05T10:00:00', zone: 'Europe/Paris' }, account).sendAt,
    ).toBe(Date.parse('2026-12-05T09:00:00Z'));
    expect(
      validateCampaign({ ...base, sendAt: '2026-07-05T10:00:00', zone: 'Europe/Paris' }, account).sendAt,
    ).toBe(Date.parse('2026-07-05T08:00:00Z'));
    expect(
      validateCampaign({ ...base, sendAt: '2026-12-05T10:00:00Z', zone: 'Europe/Paris' }, account).sendAt,
    ).toBe(Date.parse('2026-12-05T10:00:00Z'));
    expect(validateCampaign({ ...base, sendAt: '2026-12-05T10:00:00' }, account).sendAt).toBe(
      Date.parse('2026-12-05T10:00:00Z'),
    );
  });

  it('refuses what it cannot take, naming the field', () => {
    const code = (body: unknown) => {
      try {
        validateCampaign(body, account);
        return 'ok';
      } catch (error) {
        return `${(error as CampaignError).code} ${(error as CampaignError).field ?? ''}`;
      }
    };
    expect(code({ ...base, from: 'OTHER' })).toBe('SENDER_NOT_ALLOWED from');
    expect(code({ ...base, recipients: undefined })).toBe('MISSING_FIELD recipients');
    expect(code({ ...base, csv: 'to\n+33612345678\n' })).toBe('INVALID_BODY recipients');
    expect(code({ ...base, recipients: undefined, csv: 'phone\n1\n' })).toBe('INVALID_CSV csv');
    expect(code({ ...base, zone: 'Mars/Olympus' })).toBe('INVALID_FIELD zone');
    expect(code({ ...base, sendAt: 'tomorrow' })).toBe('INVALID_FIELD sendAt');
    expect(code({ ...base, testNumbers: ['12'] })).toBe('INVALID_FIELD testNumbers');
    expect(code({ ...base, extra: 1 })).toBe('INVALID_FIELD extra');
    expect(code(base)).toBe('ok');
  });
});
