import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPreview } from '../../../src/cli/preview.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPreview(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'preview-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('smpp-gateway preview', () => {
  it('--text --json prints one JSON object with the fields scripts rely on', async () => {
    const { code, stdout, stderr } = await run(['--text', 'Bonjour Zoé, 10€ offerts', '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout)).toMatchObject({
      encoding: 'gsm7',
      segments: 1,
      characters: 24,
      units: 25,
      perSegment: [25],
      nonGsmCharacters: [],
    });
  });

  it('reports the characters that force UCS-2', async () => {
    const { stdout } = await run(['--text', 'Ça coûte 10€', '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ encoding: 'ucs2', nonGsmCharacters: ['û'] });
  });

  it('--smart, --concatenation and --max-parts reach the codec', async () => {
    const smart = JSON.parse((await run(['--text', 'C’est l’été', '--smart', '--json'])).stdout);
    expect(smart).toMatchObject({ encoding: 'gsm7', replacements: [{ from: '’', to: "'", count: 2 }] });
    const udh16 = JSON.parse(
      (await run(['--text', 'a'.repeat(161), '--concatenation', 'udh16', '--json'])).stdout,
    );
    expect(udh16.perSegment).toEqual([152, 9]);
    const capped = JSON.parse((await run(['--text', 'a'.repeat(400), '--max-parts', '2', '--json'])).stdout);
    expect(capped).toMatchObject({ segments: 3, exceedsMaxParts: true, maxParts: 2 });
  });

  it('without --json prints a short human summary', async () => {
    const { code, stdout } = await run(['--text', 'a'.repeat(161)]);
    expect(code).toBe(0);
    expect(stdout).toContain('encoding:    gsm7 (data_coding 0)');
    expect(stdout).toContain('segments:    2 (153 + 8 septets)');
  });

  it('--template with --data reports the range across recipients (semicolon CSV with BOM)', async () => {
    const file = join(dir, 'recipients.csv');
    await writeFile(file, '\ufeffprenom;ville\nJean;Paris\nFrançois;"Besançon; Doubs"\n');
    const { code, stdout } = await run([
      '--template',
      'Bonjour {{prenom}} de {{ville}}',
      '--data',
      file,
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      recipients: 2,
      min: { segments: 1, characters: 21 },
      max: { segments: 1, characters: 35 },
      variable: true,
      encodings: ['gsm7', 'ucs2'],
      missingFields: [],
    });
  });

  it('reads a Windows-1252 CSV', async () => {
    const file = join(dir, 'latin.csv');
    await writeFile(file, Buffer.from('prenom,nom\nZo\xe9,Fran\xe7ois\n', 'latin1'));
    const { stdout } = await run(['--template', '{{prenom}} {{nom}} {{age}}', '--data', file, '--json']);
    expect(JSON.parse(stdout)).toMatchObject({
      encodings: ['ucs2'],
      nonGsmCharacters: ['ç'],
      missingFields: ['age'],
    });
  });

  it.each([
    [[], 'give either --text or --template'],
    [['--text', 'a', '--template', 'b'], 'give either --text or --template'],
    [['--template', 'b'], '--template needs --data'],
    [['--text', 'a', '--data', 'x.csv'], '--data goes with --template'],
    [['--text', 'a', '--concatenation', 'udh9'], '--concatenation must be'],
    [['--text', 'a', '--max-parts', 'ten'], '--max-parts must be'],
    [['--text', 'a', '--national-language', 'klingon'], '--national-language must be'],
    [['--text', 'a', '--bogus'], "Unknown option '--bogus'"],
  ])('bad usage %j exits 2 with a message on stderr', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });

  it('an unreadable data file exits 1', async () => {
    const { code, stderr } = await run(['--template', 'x', '--data', join(dir, 'missing.csv')]);
    expect(code).toBe(1);
    expect(stderr).toContain('cannot read');
  });

  describe('--account --class: the text as the account sends it', () => {
    const config = () => join(dir, 'accounts.yaml');
    beforeAll(async () => {
      await writeFile(
        config(),
        [
          'operators:',
          '  - { id: sim, host: 127.0.0.1, port: 2775, systemId: gw, password: pw }',
          'accounts:',
          '  - { id: acme, apiKeys: [a], stopMention: { mode: append, text: "STOP au 36180" } }',
          '  - { id: strict, apiKeys: [s], stopMention: { mode: refuse, text: "STOP au 36180" } }',
          '  - { id: plain, apiKeys: [p] }',
          '',
        ].join('\n'),
      );
    });
    const account = (id: string, cls = 'marketing') => [
      '--config',
      config(),
      '--account',
      id,
      '--class',
      cls,
    ];

    it('marketing gets the mention appended, counted in the segments', async () => {
      const text = 'a'.repeat(150);
      const { code, stdout } = await run(['--text', text, ...account('acme'), '--json']);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({
        text: `${text} STOP au 36180`,
        characters: 164,
        segments: 2,
        stopMention: 'appended',
      });
      expect(JSON.parse((await run(['--text', text, '--json'])).stdout)).toMatchObject({ segments: 1 });
      const human = await run(['--text', text, ...account('acme')]);
      expect(human.stdout).toContain('segments:    2');
      expect(human.stdout).toContain('STOP:        mention appended');
    });

    it('a template gets it too; transactional, or an account without a mention, does not', async () => {
      const file = join(dir, 'one.csv');
      await writeFile(file, 'prenom\nJean\n');
      const template = await run([
        '--template',
        'Bonjour {{prenom}}',
        '--data',
        file,
        ...account('acme'),
        '--json',
      ]);
      expect(JSON.parse(template.stdout)).toMatchObject({ min: { characters: 26 }, stopMention: 'appended' });
      for (const args of [account('acme', 'transactional'), account('plain')]) {
        expect(JSON.parse((await run(['--text', 'Promo', ...args, '--json'])).stdout)).toMatchObject({
          text: 'Promo',
          stopMention: 'none',
        });
      }
    });

    it('refuse mode: reports the mention missing, or present', async () => {
      const missing = JSON.parse((await run(['--text', 'Promo', ...account('strict'), '--json'])).stdout);
      expect(missing).toMatchObject({ text: 'Promo', stopMention: 'missing' });
      const present = JSON.parse(
        (await run(['--text', 'Promo, STOP au 36180', ...account('strict'), '--json'])).stdout,
      );
      expect(present).toMatchObject({ stopMention: 'present' });
    });

    it.each([
      [['--text', 'a', '--account', 'acme'], '--account and --class go together'],
      [['--text', 'a', '--class', 'marketing'], '--account and --class go together'],
      [
        ['--text', 'a', '--account', 'acme', '--class', 'promo'],
        '--class must be marketing or transactional',
      ],
    ])('bad usage %j exits 2', async (argv, message) => {
      const { code, stderr } = await run(argv);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    });

    it('an unknown account exits 2; an unreadable configuration exits 1', async () => {
      const unknown = await run(['--text', 'a', ...account('globex')]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('no account "globex"');
      const missing = await run([
        '--text',
        'a',
        '--config',
        join(dir, 'nope.yaml'),
        '--account',
        'a',
        '--class',
        'marketing',
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('nope.yaml');
    });
  });
});
