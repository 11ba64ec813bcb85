import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../domain/incident.js';
import { rotationWorkflowId } from '../../domain/rotation.js';
import { rotationStateQuery } from '../../workflows/rotation-messages.js';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { rotationOver } from '../../worker/rotation.js';
import { startStack, type Stack } from '../helpers/stack.js';

// Round robin (issue 12, item 7) on the real dev server with the production worker: the rotation's
// entity workflow keeps whose turn it is across incidents and repeats; `next: true` on a schedule.
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** A user paged on the log channel only; `criticalOnly` for critical incidents only (an error incident cannot reach them). */
const user = (id: string, criticalOnly = false) => ({
  id,
  contacts: [{ channel: 'log', address: id, ...(criticalOnly && { minSeverity: 'critical' }) }],
});
/** Rotation entities are per namespace: a policy name of its own keeps this run's rotation apart. */
const policyName = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;

const pagedBy = (record: IncidentRecord, kind: 'page' | 'repeat') =>
  record.notifications.filter((n) => n.kind === kind && n.status === 'delivered').map((n) => n.recipient);
/** A policy of one round-robin level over these people (and `extra` on the level), waiting an hour after it. */
const roundRobin = (name: string, people: string[], extra: Record<string, unknown> = {}) => ({
  name,
  levels: [{ notify: 'round-robin', targets: people.map((id) => ({ type: 'user', id })), ...extra }],
  finalWait: '1h',
});
const notes = (record: IncidentRecord) => record.timeline.map((e) => e.reason ?? '').filter((r) => r.startsWith('round robin'));

describe('a round-robin level', () => {
  it('pages the next person for each new incident, skips who cannot be reached, and its repeat pages the next one', async () => {
    const policy = policyName('rr-order');
    // The repeat comes 8 s after the page: the three incidents are paged well before any repeat.
    stack = await startStack({
      directory: { users: [user('ann'), user('bob', true), user('ben'), user('cat')] },
      policies: [roundRobin(policy, ['ann', 'bob', 'ben', 'cat'], { repeat: { count: 1, interval: '8s' } })],
    });
    const first: (string | undefined)[] = [];
    const records: IncidentRecord[] = [];
    for (const n of [1, 2, 3]) {
      const key = `rr-order-${n}-${policy}`;
      await stack.incidents.startIncident({ summary: `disk full ${n}`, severity: 'error', key, policy });
      const record = await stack.waitForRecord(key, (r) => pagedBy(r, 'page').length === 1);
      first.push(...pagedBy(record, 'page'));
      records.push(record);
    }
    expect(first).toEqual(['ann', 'ben', 'cat']);
    // bob is paged for critical incidents only: passed over for these, and the second incident's timeline says why.
    expect(notes(records[1] as IncidentRecord)).toEqual([
      `round robin ${rotationWorkflowId(policy, 1)} skipped bob: every contact of "bob" is for more severe incidents (log for critical and above) and this one is error`,
      `round robin ${rotationWorkflowId(policy, 1)}: ben's turn (page 2 of this rotation)`,
    ]);

    // The first two incidents are answered; the third's repeat is the rotation's fourth page: back to ann.
    await stack.incidents.resolve(`rr-order-1-${policy}`, 'ann', 'freed space');
    await stack.incidents.resolve(`rr-order-2-${policy}`, 'ben', 'duplicate');
    const third = await stack.waitForRecord(`rr-order-3-${policy}`, (r) => pagedBy(r, 'repeat').length === 1, 30_000);
    expect(pagedBy(third, 'page')).toEqual(['cat']);
    expect(pagedBy(third, 'repeat')).toEqual(['ann']);
    expect(notes(third).at(-1)).toBe(`round robin ${rotationWorkflowId(policy, 1)}: ann's turn (page 4 of this rotation)`);

    // The turn lives in Temporal, not in a worker: the rotation's own workflow answers who went last.
    const rotation = stack.incidents.temporal.workflow.getHandle(rotationWorkflowId(policy, 1));
    const state = await rotation.query(rotationStateQuery);
    expect(state).toMatchObject({ turns: 4, last: 'ann' });
    await stack.incidents.resolve(`rr-order-3-${policy}`, 'ann', 'done');
    await rotation.terminate('test over');
  });

  it('goes on with the next person after the worker restarts: the turn is in Temporal, not in the worker', async () => {
    const policy = policyName('rr-restart');
    stack = await startStack({
      directory: { users: [user('ann'), user('ben'), user('cat')] },
      policies: [roundRobin(policy, ['ann', 'ben', 'cat'])],
    });
    const running = stack;
    const page = async (n: number) => {
      const key = `rr-restart-${n}-${policy}`;
      await running.incidents.startIncident({ summary: `lag ${n}`, severity: 'critical', key, policy });
      const record = await running.waitForRecord(key, (r) => pagedBy(r, 'page').length === 1);
      await running.incidents.resolve(key, 'ann', 'ok');
      return pagedBy(record, 'page')[0];
    };
    expect(await page(1)).toBe('ann');
    expect(await page(2)).toBe('ben');
    await stack.stopWorker();
    await stack.startWorker();
    expect(await page(3)).toBe('cat');
    await stack.incidents.temporal.workflow.getHandle(rotationWorkflowId(policy, 1)).terminate('test over');
  });

  it('pages by a hash of the incident, and says so, when its rotation cannot answer in time', async () => {
    const policy = policyName('rr-stuck');
    stack = await startStack({
      directory: { users: [user('ann'), user('ben')] },
      policies: [roundRobin(policy, ['ann', 'ben'])],
    });
    // The rotation already runs on a task queue nobody polls: its pick can never come.
    const rotation = await stack.incidents.temporal.workflow.start('rotation', {
      workflowId: rotationWorkflowId(policy, 1),
      taskQueue: `nobody-polls-${randomUUID().slice(0, 8)}`,
      args: [{}],
    });
    const key = `rr-stuck-${policy}`;
    await stack.incidents.startIncident({ summary: 'cache cold', severity: 'critical', key, policy });
    const record = await stack.waitForRecord(key, (r) => pagedBy(r, 'page').length === 1, 30_000);
    expect(['ann', 'ben']).toContain(pagedBy(record, 'page')[0]);
    expect(notes(record)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^round robin ${rotationWorkflowId(policy, 1)} could not be asked \\(no answer from its workflow within 3000 ms \\(.+\\)\\); paged (ann|ben), picked from a hash of this incident instead$`,
        ),
      ) as unknown,
    ]);
    await stack.incidents.resolve(key, 'ann', 'warm');
    await rotation.terminate('test over');
  });
});

describe("a rotation's workflow", () => {
  it('keeps the turn and answers a retried pick alike across continue-as-new', async () => {
    stack = await startStack({ policies: [{ name: policyName('rr-entity'), levels: [{ targets: [{ type: 'log' }] }] }] });
    const id = `rotation-rr-entity-${randomUUID().slice(0, 8)}-1`;
    // Two picks per run: five picks span three runs.
    const first = await stack.incidents.temporal.workflow.start('rotation', {
      workflowId: id,
      taskQueue: stack.taskQueue,
      args: [{ picksPerRun: 2 }],
    });
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    try {
      const picker = rotationOver(new Client({ connection, namespace: inject('temporalNamespace') }), stack.taskQueue, 10_000);
      const candidates = [{ id: 'ann' }, { id: 'ben' }, { id: 'cat' }];
      const picked: (string | undefined)[] = [];
      for (const n of [1, 2, 3, 4, 5]) picked.push((await picker.pick(id, { pickId: `incident-x/run/${n}`, candidates })).member);
      expect(picked).toEqual(['ann', 'ben', 'cat', 'ann', 'ben']);
      // Pick 1 was answered two runs ago: asked again (an activity retry), it is still ann, and the turn stays.
      expect((await picker.pick(id, { pickId: 'incident-x/run/1', candidates })).member).toBe('ann');
      const handle = stack.incidents.temporal.workflow.getHandle(id);
      expect(await handle.query(rotationStateQuery)).toMatchObject({ turns: 5, last: 'ben' });
      expect((await handle.describe()).runId).not.toBe(first.firstExecutionRunId);
      await handle.terminate('test over');
    } finally {
      await connection.close();
    }
  });
});

describe('a schedule target with next: true', () => {
  it('pages the person on call after the current one, beside the current one', async () => {
    // Daily shifts handed over at 00:00 UTC starting today: ann is on call now, ben from tomorrow.
    const today = new Date().toISOString().slice(0, 10);
    stack = await startStack({
      directory: {
        users: [user('ann'), user('ben'), user('cat')],
        schedules: [
          { id: 'primary', timezone: 'UTC', rotation: { members: ['ann', 'ben', 'cat'], shift: '1d', handoff: '00:00', start: today } },
        ],
      },
      policies: [
        {
          name: policyName('rr-next'),
          levels: [
            {
              targets: [
                { type: 'schedule', id: 'primary' },
                { type: 'schedule', id: 'primary', next: true },
              ],
            },
          ],
          finalWait: '1h',
        },
      ],
    });
    const key = `rr-next-${randomUUID().slice(0, 8)}`;
    await stack.incidents.startIncident({ summary: 'replica lag', severity: 'critical', key });
    const record = await stack.waitForRecord(key, (r) => pagedBy(r, 'page').length === 2);
    const pages = record.notifications.filter((n) => n.kind === 'page').map((n) => [n.target, n.recipient]);
    expect(pages).toEqual([
      ['schedule:primary', 'ann'],
      ['schedule:primary:next', 'ben'],
    ]);
    await stack.incidents.resolve(key, 'ann', 'caught up');
  });
});
