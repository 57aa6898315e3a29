import { describe, expect, it } from 'vitest';
import { applyStopMention, hasStopMention } from '../../../src/policy/index.js';

const append = { stopMention: { mode: 'append' as const, text: 'STOP au 36180' } };
const refuse = { stopMention: { mode: 'refuse' as const, text: 'STOP au 36180' } };

describe('hasStopMention', () => {
  it.each([
    ['Soldes -50% ce week-end ! STOP au 36180', true],
    ['Soldes ! stop au 36180', true],
    ['Soldes !   STOP   au\n36180', true], // spacing does not matter
    ['Soldes ! Répondez STOP', true], // the mention's keyword as a word is an opt-out offer
    ['Soldes ! Stop : 36180', true],
    ['Soldes ! STOPPEZ tout', false], // not the word
    ['Soldes !', false],
    ['Soldes ! ARRET au 36180', false], // a stop keyword, but not the mention's
  ])('%j → %s', (text, expected) => {
    expect(hasStopMention(text, 'STOP au 36180')).toBe(expected);
  });

  it('is accent-insensitive both ways', () => {
    expect(hasStopMention('Promo ! ARRET au 36180', 'ARRÊT au 36180')).toBe(true);
    expect(hasStopMention('Promo ! Arrêt', 'ARRET 36180')).toBe(true);
    expect(hasStopMention('Promo ! arrêt au 36180', 'Arret au 36180')).toBe(true);
  });

  it('needs the whole mention when it has no stop keyword', () => {
    expect(hasStopMention('Promo. Désinscription : 36180', 'Désinscription : 36180')).toBe(true);
    expect(hasStopMention('Promo. Désinscription', 'Désinscription : 36180')).toBe(false);
  });

  it('uses the configured stop keywords', () => {
    expect(hasStopMention('Offer! Reply UNSUB', 'UNSUB to 36180', ['UNSUB'])).toBe(true);
    expect(hasStopMention('Offer! Reply UNSUB', 'UNSUB to 36180')).toBe(false);
  });
});

describe('applyStopMention', () => {
  it('appends with a space, a line break for a text of several lines, nothing after white space', () => {
    expect(applyStopMention('Soldes -50% !', append)).toEqual({
      ok: true,
      text: 'Soldes -50% ! STOP au 36180',
      appended: true,
    });
    expect(applyStopMention('Bonjour Marie,\nSoldes -50% !', append)).toEqual({
      ok: true,
      text: 'Bonjour Marie,\nSoldes -50% !\nSTOP au 36180',
      appended: true,
    });
    expect(applyStopMention('Soldes -50% !\n', append)).toEqual({
      ok: true,
      text: 'Soldes -50% !\nSTOP au 36180',
      appended: true,
    });
    expect(applyStopMention('Soldes ', append)).toMatchObject({ text: 'Soldes STOP au 36180' });
  });

  it('leaves a text that already carries the mention alone, in either mode', () => {
    for (const account of [append, refuse]) {
      expect(applyStopMention('Soldes ! stop au 36180', account)).toEqual({
        ok: true,
        text: 'Soldes ! stop au 36180',
        appended: false,
      });
    }
  });

  it('refuses a text without it in refuse mode', () => {
    expect(applyStopMention('Soldes -50% !', refuse)).toEqual({
      ok: false,
      code: 'STOP_MENTION_MISSING',
      message: 'text: marketing messages of this account must carry the opt-out mention "STOP au 36180"',
    });
  });

  it('checks nothing when off, unset, or without an account', () => {
    const text = 'Soldes -50% !';
    for (const account of [{ stopMention: { mode: 'off' as const } }, {}, undefined]) {
      expect(applyStopMention(text, account)).toEqual({ ok: true, text, appended: false });
    }
  });
});
