import { describe, expect, it } from 'vitest';
import { CsvError, parseCsvRecipients, renderTemplate } from '../../../src/campaign/index.js';

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
