import { describe, expect, it } from 'vitest';
import { previewTemplate, previewText, renderTemplate, templateFields } from '../../../src/codec/index.js';

describe('renderTemplate', () => {
  it('replaces {{field}} with or without inner spaces; absent fields render empty', () => {
    expect(renderTemplate('Bonjour {{prenom}}, {{ ville }}!{{x}}', { prenom: 'Zoé', ville: 'Lyon' })).toBe(
      'Bonjour Zoé, Lyon!',
    );
  });

  it('does not read inherited properties', () => {
    expect(renderTemplate('{{toString}}', {})).toBe('');
  });

  it('lists fields once, in order', () => {
    expect(templateFields('{{a}} {{ b }} {{a}}')).toEqual(['a', 'b']);
  });
});

describe('previewText', () => {
  it('reports encoding, parts, units and the characters that force UCS-2', () => {
    expect(previewText('Votre colis arrive demain à 10h')).toMatchObject({
      encoding: 'gsm7',
      dataCoding: 0,
      segments: 1,
      characters: 31,
      units: 31,
      perSegment: [31],
      nonGsmCharacters: [],
    });
    expect(previewText('Bientôt Noël 🎄')).toMatchObject({
      encoding: 'ucs2',
      dataCoding: 8,
      segments: 1,
      characters: 14,
      units: 15,
      nonGsmCharacters: ['ô', 'ë', '🎄'],
    });
  });
});

describe('previewTemplate', () => {
  const template = 'Bonjour {{prenom}}, -20% ce week-end. STOP au 36180';

  it('is not variable when every recipient gets the same encoding and part count', () => {
    const preview = previewTemplate(template, [{ prenom: 'Jean' }, { prenom: 'Anne-Sophie' }]);
    expect(preview).toMatchObject({
      recipients: 2,
      min: { segments: 1, characters: 45, units: 45 },
      max: { segments: 1, characters: 52, units: 52 },
      variable: false,
      encodings: ['gsm7'],
      fields: ['prenom'],
      missingFields: [],
    });
  });

  it('is variable when one recipient forces UCS-2 or another part', () => {
    const ucs2 = previewTemplate(template, [{ prenom: 'Jean' }, { prenom: 'François' }]);
    expect(ucs2.variable).toBe(true);
    expect(ucs2.encodings).toEqual(['gsm7', 'ucs2']);
    expect(ucs2.nonGsmCharacters).toEqual(['ç']);

    const long = previewTemplate(template, [{ prenom: 'Jean' }, { prenom: 'x'.repeat(120) }]);
    expect(long).toMatchObject({
      variable: true,
      min: { segments: 1 },
      max: { segments: 2 },
      encodings: ['gsm7'],
    });
  });

  it('names the template fields that no column provides', () => {
    expect(previewTemplate('{{prenom}} {{nom}}', [{ prenom: 'A' }]).missingFields).toEqual(['nom']);
  });

  it('counts recipients over maxParts', () => {
    const preview = previewTemplate('{{t}}', [{ t: 'a' }, { t: 'a'.repeat(400) }], { maxParts: 2 });
    expect(preview).toMatchObject({ overMaxParts: 1, maxParts: 2, max: { segments: 3 } });
  });

  it('with no rows, stands on the template with empty fields', () => {
    expect(previewTemplate('Bonjour {{prenom}}', [])).toMatchObject({
      recipients: 0,
      min: { characters: 8 },
      max: { characters: 8 },
      missingFields: ['prenom'],
    });
  });
});
