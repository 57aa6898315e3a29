// Issue 13, campaigns on the wire: a CSV of 10,000 rows with 5 % duplicates written differently sends
// exactly the unique count, each with the STOP mention appended, and its figures add up after receipts; a
// campaign cancelled before its time sends nothing (and gives its credit back); the CLI drives a daemon.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCampaign } from '../../../src/cli/campaign.js';
import type { ConfigInput } from '../../../src/config/index.js';
import type { Figures } from '../../../src/store/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { submitText } from '../../helpers/mo.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
afterAll(async () => {
  await redis?.stop();
});

const MENTION = 'STOP au 36180';
const ACCOUNTS: ConfigInput['accounts'] = [
  {
    id: 'acme',
    apiKeys: ['test-key-acme'],
    senders: ['ACME'],
    stopMention: { mode: 'append', text: MENTION },
    credits: 1_000_000,
  },
];

async function gateway(): Promise<TestGateway> {
  const gw = await startTestGateway(redis, {
    accounts: ACCOUNTS,
    operator: { tps: 5000, window: 50 },
  });
  cleanup.push(() => gw.stop());
  return gw;
}

/** `+44 7400 100 000` and `+447400100000`: one number written two ways. */
function spaced(e164: string): string {
  return `${e164.slice(0, 3)} ${e164.slice(3, 7)} ${e164.slice(7, 10)} ${e164.slice(10)}`;
}

describe('campaigns', () => {
  it('10,000 CSV rows with 5 % duplicates: the unique count sent with the mention, figures add up', async () => {
    const gw = await gateway();
    const unique = 9500;
    const lines = ['to,prenom'];
    for (let i = 0; i < unique; i++) lines.push(`+4474001${String(i).padStart(5, '0')},Ana${i}`);
    // 500 duplicates, written with spaces (and one row that is no number at all).
    for (let i = 0; i < 500; i++)
      lines.push(`${spaced(`+4474001${String(i * 7).padStart(5, '0')}`)},Dup${i}`);
    lines.push('not-a-number,Zed');
    const created = await gw.request('POST', '/v1/campaigns', {
      name: 'Soldes',
      from: 'ACME',
      class: 'marketing',
      template: 'Bonjour {{prenom}}, -20% ce week-end',
      csv: `${lines.join('\n')}\n`,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      state: 'sending',
      recipients: unique,
      duplicates: 500,
      invalid: [{ row: 10_001, code: 'INVALID_NUMBER' }],
      segments: { min: 1, max: 1 },
      credits: unique,
      refused: [],
    });
    const id = created.json.id as string;
    const sim = gw.gateway.simulator!;
    const view = await waitFor(
      async () => {
        const v = (await gw.request('GET', `/v1/campaigns/${id}`)).json;
        const f = v.figures as Figures;
        return f.produced === unique && f.confirmed + f.deliveryErrors + f.deliveredUnconfirmed === unique
          ? v
          : undefined;
      },
      120_000,
      'every message produced and confirmed',
    );
    expect(sim.submits).toHaveLength(unique);
    const destinations = new Set(sim.submits.map((s) => s.destinationAddr.replace(/^\+/, '')));
    expect(destinations.size).toBe(unique);
    for (const submit of sim.submits.slice(0, 200)) expect(submitText(submit).endsWith(MENTION)).toBe(true);
    const ana = sim.submits.find((s) => s.destinationAddr.endsWith('447400100007'))!;
    expect(submitText(ana)).toBe(`Bonjour Ana7, -20% ce week-end ${MENTION}`);
    const f = view.figures as Figures;
    expect(view.state).toBe('completed');
    expect(f.total).toBe(unique);
    expect(f.remaining).toBe(0);
    expect(f.productionErrors).toBe(0);
    expect(f.cancelled).toBe(0);
    expect(f.delivered).toBe(f.produced - f.deliveryErrors);
    expect(f.confirmed + f.deliveredUnconfirmed + f.deliveryErrors).toBe(f.produced);
    expect((await gw.request('GET', '/v1/balance')).json.credits).toBe(1_000_000 - unique);
  }, 180_000);

  it('a campaign cancelled before its time sends nothing and gives its credit back', async () => {
    const gw = await gateway();
    const sendAt = new Date(Date.now() + 5000).toISOString();
    const created = await gw.request('POST', '/v1/campaigns', {
      name: 'Plus tard',
      from: 'ACME',
      class: 'marketing',
      template: 'Bonjour {{prenom}}',
      recipients: [
        { to: '+33612345001', prenom: 'Ana' },
        { to: '+33 6 12 34 50 02', prenom: 'Bo' },
        { to: '+33612345002', prenom: 'Bo bis' },
        { to: '+33612345003' },
      ],
      sendAt,
      testNumbers: ['+33699999999'],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      state: 'scheduled',
      recipients: 2,
      duplicates: 1,
      invalid: [{ row: 4, code: 'MISSING_FIELD' }],
    });
    expect((created.json.tests as unknown[]).length).toBe(1);
    const id = created.json.id as string;
    const sim = gw.gateway.simulator!;
    // The test number gets its message now.
    await waitFor(() => (sim.submits.length === 1 ? true : undefined), 10_000, 'the test send');
    expect(sim.submits[0]!.destinationAddr).toMatch(/33699999999$/);
    const cancelled = await gw.request('DELETE', `/v1/campaigns/${id}`);
    expect(cancelled.json).toEqual({ id, state: 'cancelled', cancelled: 2 });
    await new Promise((resolve) => setTimeout(resolve, 7000));
    expect(sim.submits).toHaveLength(1);
    const view = (await gw.request('GET', `/v1/campaigns/${id}`)).json;
    expect(view.state).toBe('cancelled');
    expect(view.figures).toMatchObject({ total: 2, cancelled: 2, produced: 0, remaining: 0 });
    expect((await gw.request('GET', '/v1/balance')).json.credits).toBe(1_000_000 - 1);
  }, 30_000);

  it('smpp-gateway campaign create --csv, status and cancel, through the HTTP API', async () => {
    const gw = await gateway();
    const dir = mkdtempSync(join(tmpdir(), 'smppgw-campaign-'));
    const csv = join(dir, 'list.csv');
    writeFileSync(csv, 'to,prenom\n+33612340001,Ana\n+33 6 12 34 00 01,Ana\n+33612340002,Bo\n');
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    const target = ['--url', gw.baseUrl, '--api-key', 'test-key-acme'];
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const args = ['create', '--name', 'N', '--from', 'ACME', '--class', 'marketing'];
    const code = await runCampaign(
      [...args, '--template', 'Hi {{prenom}}', '--csv', csv, '--at', later, '--json', ...target],
      io,
    );
    expect(code).toBe(0);
    const created = JSON.parse(out.pop()!) as Record<string, unknown>;
    expect(created).toMatchObject({ state: 'scheduled', recipients: 2, duplicates: 1 });
    expect(out).toHaveLength(0); // no progress bar with --json (nor when piped)
    const id = created.id as string;
    expect(await runCampaign(['status', id, '--json', ...target], io)).toBe(0);
    expect(JSON.parse(out.pop()!)).toMatchObject({ id, state: 'scheduled', figures: { total: 2 } });
    expect(await runCampaign(['cancel', id, ...target], io)).toBe(0);
    expect(out.pop()).toMatch(/cancelled 2 messages/);
    expect(await runCampaign(['status', id, ...target], io)).toBe(0);
    expect(out.pop()).toMatch(/cancelled/);

    // On a terminal, without --json: a progress bar while the file loads, then the summary.
    const shown: string[] = [];
    const tty = { stdout: (t: string) => void shown.push(t), stderr: (t: string) => void shown.push(t) };
    expect(
      await runCampaign(
        [...args, '--template', 'Hi {{prenom}}', '--csv', csv, '--at', later, ...target],
        tty,
        {
          tty: true,
        },
      ),
    ).toBe(0);
    expect(shown.join('')).toMatch(/loading \[#+\] 100%, 3 rows\n/);
    expect(shown.join('')).toMatch(/recipients 2, duplicates 1, invalid 0/);
  });
});
