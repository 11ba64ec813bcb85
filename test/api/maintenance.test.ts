import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runEscalate } from '../helpers/cli.js';
import type { IncidentRecord } from '../../domain/incident.js';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';
import { webhookLevel } from '../helpers/stack.js';

/**
 * Maintenance windows through the HTTP API on the real server: alerts a window matches are
 * answered without an incident (with no worker running), counted in /v1/stats, and an open
 * incident it matches stops paging until the window ends. Window and incident names start with
 * `mw-` (a shared dev server).
 */

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const MAINTAINER = 'test-maint-token-0123456789';
const tokens = {
  api: {
    tokens: [
      { name: 'ops', token: TOKENS.admin, scopes: ['admin'] },
      { name: 'ci', token: TOKENS.write, scopes: ['incidents:write'] },
      { name: 'dba', token: MAINTAINER, scopes: ['maintenance:write'] },
    ],
  },
};
const alert = (key: string, service: string) => ({ summary: `${service} is down`, severity: 'critical', service, key });

describe('maintenance windows through the API', () => {
  it('answers a matching alert escalated:false naming the window and its end, with no worker running, and pages again once it ends', async () => {
    stack = await startApiStack(tokens, {}, { worker: false });
    const opened = await stack.call('POST', '/v1/maintenance', {
      token: MAINTAINER,
      body: { name: 'mw-db-upgrade', match: { service: 'mw-db' }, for: '1h', by: 'dana', reason: 'postgres 17' },
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ name: 'mw-db-upgrade', match: { service: 'mw-db' }, by: 'dana', origin: 'api' });
    const to = opened.body.to as string;
    expect(Date.parse(to) - Date.parse(opened.body.from as string)).toBe(3_600_000);

    const suppressed = await stack.call('POST', '/v1/incidents', { token: TOKENS.write, body: alert('mw-suppressed', 'mw-db') });
    expect(suppressed.status).toBe(200);
    expect(suppressed.body).toEqual({
      escalated: false,
      maintenance: 'mw-db-upgrade',
      reason: `in maintenance window "mw-db-upgrade" until ${to} (opened by dana: postgres 17); no incident was opened`,
    });
    // A storm in the window: counted in one signal with the next two, not one signal each.
    for (const key of ['mw-storm-1', 'mw-storm-2']) {
      expect((await stack.call('POST', '/v1/incidents', { token: TOKENS.write, body: alert(key, 'mw-db') })).body.escalated).toBe(false);
    }
    const other = await stack.call('POST', '/v1/incidents', { token: TOKENS.write, body: alert('mw-other-service', 'mw-api') });
    expect(other.status).toBe(202);
    await expect(stack.incidents.handle('mw-suppressed').describe()).rejects.toThrow();

    const listed = await stack.call('GET', '/v1/maintenance');
    expect(listed.status).toBe(200);
    expect(listed.body.windows).toEqual([expect.objectContaining({ name: 'mw-db-upgrade', state: 'open', to })]);

    // The count lives on the window's workflow: it shows once a worker has run it.
    await stack.startWorker();
    const stats = await stack.eventually(
      () => stack!.call('GET', '/v1/stats?window=1h'),
      (r) => r.status === 200 && r.body.maintenance?.suppressed === 3,
    );
    expect(stats.body.maintenance).toEqual({ windows: 1, suppressed: 3 });
    const signals = (await stack.incidents.temporal.workflow.getHandle('maintenance-mw-db-upgrade').fetchHistory()).events?.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'suppressed',
    );
    expect(signals).toHaveLength(2);

    const ended = await stack.call('DELETE', '/v1/maintenance/mw-db-upgrade?by=dana&reason=done%20early', { token: MAINTAINER });
    expect(ended.status).toBe(200);
    const after = await stack.call('POST', '/v1/incidents', { token: TOKENS.write, body: alert('mw-after-window', 'mw-db') });
    expect(after.status).toBe(202);
    expect(after.body).toMatchObject({ escalated: true, created: true });
    const again = await stack.call('DELETE', '/v1/maintenance/mw-db-upgrade', { token: MAINTAINER });
    expect(again.status).toBe(404);
  });

  it('refuses bad windows with the field and the reason, a taken name, a config window`s end, and a token without the scope', async () => {
    stack = await startApiStack({
      ...tokens,
      maintenance: [{ name: 'mw-config-window', match: { service: 'mw-cfg' }, from: '2026-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z' }],
    });
    const post = (body: unknown, token = MAINTAINER) => stack!.call('POST', '/v1/maintenance', { token, body });
    const base = { match: { service: 'mw-refusals' }, by: 'dana' };

    const both = await post({ ...base, for: '1h', until: '2099-01-01T00:00:00Z' });
    expect(both.status).toBe(400);
    expect(both.body.details).toEqual([{ path: 'for', message: expect.stringMatching(/one of the two/) }]);
    const unknownKey = await post({ ...base, match: { service: 'x', colour: 'red' }, for: '1h' });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.details[0].path).toBe('match.colour');
    const past = await post({ ...base, until: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.details).toEqual([{ path: 'until', message: expect.stringMatching(/in the past/) }]);
    expect((await post({ ...base, for: '1h' }, TOKENS.write)).status).toBe(403);

    expect((await post({ ...base, name: 'mw-taken', for: '1h' })).status).toBe(201);
    const taken = await post({ ...base, name: 'mw-taken', for: '1h' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatch(/"mw-taken" is already open/);
    const configName = await post({ ...base, name: 'mw-config-window', for: '1h' });
    expect(configName.status).toBe(409);

    const endConfig = await stack.call('DELETE', '/v1/maintenance/mw-config-window', { token: MAINTAINER });
    expect(endConfig.status).toBe(409);
    expect(endConfig.body.error).toMatch(/config file; remove it from maintenance: there and reload/);

    const listed = await stack.call('GET', '/v1/maintenance', { token: TOKENS.write });
    const names = (listed.body.windows as { name: string; origin: string }[]).map((w) => `${w.name}:${w.origin}`);
    expect(names).toEqual(expect.arrayContaining(['mw-taken:api', 'mw-config-window:config']));
    const configAlert = await stack.call('POST', '/v1/incidents', { token: TOKENS.write, body: alert('mw-config-alert', 'mw-cfg') });
    expect(configAlert.body).toMatchObject({ escalated: false, maintenance: 'mw-config-window' });
    await stack.call('DELETE', '/v1/maintenance/mw-taken', { token: MAINTAINER });
  });

  it('holds an open incident it matches, naming the window on its timeline, and pages it at the level it reached when the window ends', async () => {
    stack = await startApiStack((url) => ({
      ...tokens,
      policies: [{ name: 'default', levels: [webhookLevel(url, '1'), webhookLevel(url, '2', { delay: '1500ms' })] }],
    }));
    const started = await stack.call('POST', '/v1/incidents', { token: TOKENS.write, body: alert('mw-held', 'mw-hold') });
    expect(started.status).toBe(202);
    await stack.waitForRecord('mw-held', (r) => r.level === 1 && r.notifications.some((n) => n.status === 'delivered'));
    // Level 2 is due 1.5 s after level 1; the window (4 s) opens before that and holds it.
    const opened = await stack.call('POST', '/v1/maintenance', {
      token: MAINTAINER,
      body: { name: 'mw-hold-window', match: { service: 'mw-hold' }, for: '4s', by: 'dana' },
    });
    expect(opened.status).toBe(201);
    const held = await stack.waitForRecord('mw-held', (r) => r.maintenance?.name === 'mw-hold-window');
    expect(held.maintenance?.until).toBe(opened.body.to);
    expect(
      held.timeline.some(
        (e) => e.by === 'maintenance' && e.reason === `maintenance window mw-hold-window until ${opened.body.to}: paging held`,
      ),
    ).toBe(true);

    const resumed = await stack.waitForRecord(
      'mw-held',
      (r) => r.timeline.some((e) => e.reason === 'maintenance window mw-hold-window ended: paging resumes at level 1'),
      15_000,
    );
    const resumedAt = resumed.timeline.find((e) => e.reason?.startsWith('maintenance window mw-hold-window ended'))!.at;
    expect(Date.parse(resumedAt)).toBeGreaterThanOrEqual(Date.parse(opened.body.to as string));
    const level2 = await stack.waitForRecord('mw-held', (r) => r.level === 2, 15_000);
    expect(firstPage(level2, 2)).toBeGreaterThan(Date.parse(opened.body.to as string));
    // Level 1 paged again at the end (its epoch 1), then level 2 after its delay.
    expect(level2.notifications.filter((n) => n.level === 1 && n.status === 'delivered').length).toBeGreaterThanOrEqual(2);
    expect(level2.maintenance).toBeUndefined();
  });
});

describe('escalate maintenance', () => {
  it('opens a window for two hours, lists it and ends it, and refuses for with until', async () => {
    stack = await startApiStack(tokens);
    const dir = mkdtempSync(join(tmpdir(), 'escalate-maintenance-cli-'));
    const configFile = join(dir, 'escalation.json');
    writeFileSync(configFile, JSON.stringify({ policies: [{ name: 'default', levels: [{ targets: [{ type: 'log' }] }] }] }));
    const escalate = (args: string[]) =>
      runEscalate([
        '--address',
        inject('temporalAddress'),
        '--namespace',
        inject('temporalNamespace'),
        '--task-queue',
        stack!.taskQueue,
        '--config',
        configFile,
        ...args,
      ]);

    const started = await escalate([
      'maintenance',
      'start',
      '--service',
      'mw-cli',
      '--for',
      '2h',
      '--name',
      'mw-cli-window',
      '--by',
      'dana',
      '--json',
    ]);
    expect(started.code, started.stderr).toBe(0);
    const window = JSON.parse(started.stdout) as { name: string; from: string; to: string; match: unknown };
    expect(window).toMatchObject({ name: 'mw-cli-window', match: { service: 'mw-cli' }, by: 'dana' });
    expect(Date.parse(window.to) - Date.parse(window.from)).toBe(7_200_000);

    const listed = await stack.eventually(
      () => escalate(['maintenance', 'list', '--json']),
      (r) => r.code === 0 && (JSON.parse(r.stdout) as { windows: { name: string }[] }).windows.some((w) => w.name === 'mw-cli-window'),
    );
    expect(JSON.parse(listed.stdout).windows).toEqual([expect.objectContaining({ name: 'mw-cli-window', state: 'open', origin: 'api' })]);
    const answered = await stack.incidents.startIncident(alert('mw-cli-alert', 'mw-cli'));
    expect(answered).toMatchObject({ escalated: false, maintenance: 'mw-cli-window' });

    const ended = await escalate(['maintenance', 'end', 'mw-cli-window', '--by', 'dana']);
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain('maintenance window mw-cli-window ended by dana');

    const both = await escalate(['maintenance', 'start', '--service', 'mw-cli', '--for', '2h', '--until', '2099-01-01T00:00:00Z']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('for: give how long');
  });
});

function firstPage(record: IncidentRecord, level: number): number {
  return Math.min(...record.notifications.filter((n) => n.level === level).map((n) => Date.parse(n.at)));
}
