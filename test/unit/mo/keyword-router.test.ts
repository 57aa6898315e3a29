// Issue 7: keyword routing on normalised text, an ordered table with a default route.
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { KeywordRouter, normaliseKeywordText } from '../../../src/mo/index.js';

const config = buildConfig({
  operators: [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'x' }],
  accounts: [{ id: 'acme', apiKeys: ['k'] }],
  shortCodes: [
    {
      code: '36180',
      account: 'acme',
      operator: 'sim',
      keywords: [
        { keyword: 'PROMO', reply: 'Code: PROMO10' },
        { keyword: 'Bon plan', match: 'wholeText', webhook: 'http://127.0.0.1:1/hook' },
        { keyword: 'STOPPER', reply: 'never reached for "stop"' },
      ],
    },
  ],
});
const router = KeywordRouter.forShortCode(config.keywords, config.shortCodes[0]);

describe('normaliseKeywordText', () => {
  it.each([
    ['  Stop. ', 'stop'],
    ['ARRÊT !', 'arret'],
    ['«Arrêt»', 'arret'],
    ['stop\t\nSMS', 'stop sms'],
    ['Ｓｔｏｐ', 'stop'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normaliseKeywordText(input)).toBe(expected);
  });
});

describe('KeywordRouter', () => {
  it.each([
    'stop',
    'Stop.',
    ' STOP ',
    'ARRÊT',
    'arret',
    'STOP SMS',
    'stop sms!',
    'Stop, merci',
    'STOPALL',
    'unsubscribe',
  ])('routes %j to stop', (text) => {
    expect(router.route(text).route).toBe('stop');
  });

  it('does not take "stopper" for stop (first-word match): it is the custom keyword', () => {
    expect(router.route('stopper')).toMatchObject({ route: 'keyword', keyword: 'STOPPER' });
    expect(router.route('je veux stopper').route).toBe('default');
  });

  it('does not see a stop keyword later in the text', () => {
    expect(router.route('ne pas stop').route).toBe('default');
  });

  it.each(['START', 'unstop', 'Start!'])('routes %j to start', (text) => {
    expect(router.route(text)).toMatchObject({ route: 'start', reply: config.keywords.startReply });
  });

  it.each(['HELP', 'aide', 'Aide ?', 'INFO'])('routes %j to help with the help reply', (text) => {
    expect(router.route(text)).toMatchObject({ route: 'help', reply: config.keywords.helpReply });
  });

  it('matches a custom first-word keyword with its reply', () => {
    expect(router.route('promo svp')).toEqual({ route: 'keyword', keyword: 'PROMO', reply: 'Code: PROMO10' });
  });

  it('matches a wholeText keyword only on the whole text', () => {
    expect(router.route('Bon   plan !')).toEqual({
      route: 'keyword',
      keyword: 'Bon plan',
      webhook: 'http://127.0.0.1:1/hook',
    });
    expect(router.route('bon plan demain').route).toBe('default');
  });

  it('matches a multi-word stop keyword as a leading phrase', () => {
    const only = new KeywordRouter(
      KeywordRouter.forShortCode({ ...config.keywords, stop: ['STOP SMS'] }, undefined).rules,
    );
    expect(only.route('stop sms merci').route).toBe('stop');
    expect(only.route('stop').route).toBe('default');
  });

  it('falls through to the default route, also for empty text', () => {
    expect(router.route('Bonjour, à quelle heure ouvrez-vous ?')).toEqual({ route: 'default' });
    expect(router.route('')).toEqual({ route: 'default' });
    expect(router.route('...')).toEqual({ route: 'default' });
  });

  it('checks stop before any custom keyword, so none can shadow it', () => {
    const shadowing = KeywordRouter.forShortCode(config.keywords, {
      ...config.shortCodes[0]!,
      keywords: [{ keyword: 'STOP', match: 'firstWord', reply: 'custom' }],
    });
    expect(shadowing.route('STOP').route).toBe('stop');
  });
});
