import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../../client/api/app.js';
import { policyVersion } from '../../domain/policy-version.js';
import { TOKENS } from '../helpers/api.js';
import { FAST_DELIVERY, startStack, type Stack } from '../helpers/stack.js';

// A config reload through POST /v1/admin/reload, with the real worker and dev server behind it.
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const configWithLevel2After = (delay: string) => ({
  delivery: FAST_DELIVERY,
  api: {
    tokens: [
      { name: 'ops', token: TOKENS.admin, scopes: ['admin'] },
      { name: 'ci', token: TOKENS.write, scopes: ['incidents:write'] },
    ],
  },
  policies: [
    { name: 'default', levels: [{ targets: [{ type: 'log', id: 'team-lead' }] }, { delay, targets: [{ type: 'log', id: 'manager' }] }] },
  ],
});

function writeConfig(file: string, content: unknown): void {
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
}

async function reloadStack() {
  const file = join(mkdtempSync(join(tmpdir(), 'escalation-reload-')), 'escalation.yaml');
  writeConfig(file, configWithLevel2After('1s'));
  stack = await startStack(configWithLevel2After('1s'));
  const app = createApi({ incidents: stack.incidents, configFile: file, logger: pino({ level: 'silent' }) });
  const reload = async (token: string = TOKENS.admin) => {
    const response = await app.request('/v1/admin/reload', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { stack, file, reload };
}

describe('config reload', () => {
  it('leaves a running incident on its policy snapshot and starts new ones on the reloaded policy', async () => {
    const { stack: s, file, reload } = await reloadStack();
    const oldVersion = policyVersion(s.holder.current.policies[0]!);
    const before = await s.incidents.startIncident({ key: 'before-reload', summary: 'queue backed up', severity: 'error' });
    expect(before).toMatchObject({ escalated: true, policyVersion: oldVersion });

    writeConfig(file, configWithLevel2After('10m'));
    const answer = await reload();
    expect(answer.status).toBe(200);
    const newVersion = policyVersion(s.holder.current.policies[0]!);
    expect(newVersion).not.toBe(oldVersion);
    expect(answer.body).toEqual({ reloaded: true, file, generation: 2, policies: [{ name: 'default', version: newVersion }] });

    const after = await s.incidents.startIncident({ key: 'after-reload', summary: 'queue backed up', severity: 'error' });
    expect(after).toMatchObject({ escalated: true, policyVersion: newVersion });

    // The old snapshot: level 2 one second after level 1.
    const old = await s.waitForRecord('before-reload', (r) => r.level === 2);
    expect(old.policyVersion).toBe(oldVersion);
    // The new policy: level 2 ten minutes after level 1.
    const fresh = await s.waitForRecord('after-reload', (r) => r.state === 'ACTIVE');
    expect(fresh).toMatchObject({ level: 1, policyVersion: newVersion });
    const level1At = Date.parse(fresh.timeline.find((e) => e.to === 'ACTIVE')?.at ?? '');
    expect(Date.parse(fresh.nextEscalationAt ?? '') - Date.parse(fresh.createdAt)).toBeGreaterThanOrEqual(600_000);
    expect(Date.parse(fresh.nextEscalationAt ?? '')).toBeGreaterThan(level1At + 590_000);
  });

  it('refuses a bad file with its per-field errors and keeps the config in force', async () => {
    const { stack: s, file, reload } = await reloadStack();
    const inForce = s.holder.current;
    writeConfig(file, { ...configWithLevel2After('whenever'), gates: { minSeverity: 'loud' } });
    const answer = await reload();
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      error: `${file} is not a valid config; the previous config stays in force`,
      details: expect.arrayContaining([
        expect.objectContaining({ path: 'policies[0].levels[1].delay' }),
        expect.objectContaining({ path: 'gates.minSeverity' }),
      ]),
    });
    expect(s.holder.current).toBe(inForce);
    const started = await s.incidents.startIncident({ key: 'still-old', summary: 'x', severity: 'error' });
    expect(started).toMatchObject({ policyVersion: policyVersion(inForce.policies[0]!) });
  });

  it('refuses a file the schema accepts but a page would fail on, keeping the config in force', async () => {
    const { stack: s, file, reload } = await reloadStack();
    const inForce = s.holder.current;
    const good = configWithLevel2After('1s');
    writeConfig(file, {
      ...good,
      directory: { users: [{ id: 'dana', timezone: 'Europe/Berln', contacts: [{ channel: 'log', address: 'dana' }] }] },
      policies: [
        {
          name: 'default',
          levels: [
            {
              targets: [
                { type: 'user', id: 'dana' },
                { type: 'channel', id: '#ops', provider: 'slack' },
              ],
            },
          ],
        },
      ],
    });
    const answer = await reload();
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      error: `${file} is not a valid config; the previous config stays in force`,
      details: [
        expect.objectContaining({ path: 'directory.users[0].timezone', message: expect.stringContaining('did you mean Europe/Berlin?') }),
        expect.objectContaining({
          path: 'policies[0].levels[0].targets[1].provider',
          message: expect.stringContaining('providers.slack is not set'),
        }),
      ],
    });
    expect(s.holder.current).toBe(inForce);
    const started = await s.incidents.startIncident({ key: 'kept-old', summary: 'x', severity: 'error' });
    expect(started).toMatchObject({ escalated: true, policyVersion: policyVersion(inForce.policies[0]!) });
  });

  it('needs the admin scope', async () => {
    const { reload } = await reloadStack();
    const answer = await reload(TOKENS.write);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: 'forbidden' });
  });
});
