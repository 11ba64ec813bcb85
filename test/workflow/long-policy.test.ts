import { describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../domain/incident.js';
import { acknowledgeSignal } from '../../workflows/messages.js';
import { AcknowledgedByKey, EscalationLevelKey, EscalationPolicyKey, IncidentStateKey } from '../../workflows/search-attributes.js';
import { minutes, useTimeSkipping, type IncidentHandle, type TimeSkippingStack } from '../helpers/time-skipping.js';

// A policy as production writes it, in minutes and hours, on the time-skipping test server: the
// workflow sleeps for real durations and the server skips them. Log targets: nothing leaves the box.
const longPolicy = (extra: Record<string, unknown> = {}) => ({
  name: 'production-critical',
  levels: [
    { delay: '0s', targets: [{ type: 'log', id: 'team-lead' }], repeat: { count: 2, interval: '5m' } },
    { delay: '15m', targets: [{ type: 'log', id: 'primary-oncall' }] },
    { delay: '30m', targets: [{ type: 'log', id: 'engineering-managers' }] },
  ],
  finalWait: '30m',
  repeatPolicy: 1,
  ...extra,
});

const timeSkipping = useTimeSkipping();
let stack: TimeSkippingStack | undefined;

/** Starts an incident and waits for level 1; returns its trigger time, from which every due time counts. */
async function openIncident(s: TimeSkippingStack, key: string): Promise<{ handle: IncidentHandle; triggeredAt: number }> {
  const handle = await s.startIncident(key);
  const record = await s.waitForRecord(handle, (r) => r.state === 'ACTIVE' && r.notificationCount === 1);
  return { handle, triggeredAt: Date.parse(record.createdAt) };
}

/** Where the incident stands, in the terms of the policy. */
function position(record: IncidentRecord) {
  const { state, cycle, level, repeat, escalationCount, notificationCount } = record;
  return { state, cycle, level, repeat, escalationCount, notificationCount };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('a long policy on the time-skipping server', () => {
  it('re-notifies level 1 at 5 and 10 minutes, then escalates to level 2 at 15 and level 3 at 45 minutes', async () => {
    stack = await timeSkipping.start({ policies: [longPolicy()] });
    const { handle, triggeredAt: t0 } = await openIncident(stack, 'long-walk');
    const at = async (minute: number) => {
      await stack!.skipUntil(t0 + minutes(minute));
      return stack!.record(handle);
    };

    expect(position(await stack.record(handle))).toEqual({
      state: 'ACTIVE',
      cycle: 0,
      level: 1,
      repeat: 0,
      escalationCount: 0,
      notificationCount: 1,
    });
    expect((await stack.record(handle)).nextEscalationAt).toBe(iso(t0 + minutes(5)));
    expect(position(await at(6))).toMatchObject({ level: 1, repeat: 1, notificationCount: 2 });
    const afterSecondRepeat = await at(11);
    expect(position(afterSecondRepeat)).toMatchObject({ level: 1, repeat: 2, notificationCount: 3 });
    expect(afterSecondRepeat.nextEscalationAt).toBe(iso(t0 + minutes(15)));
    const level2 = await at(16);
    expect(position(level2)).toEqual({ state: 'ACTIVE', cycle: 0, level: 2, repeat: 0, escalationCount: 1, notificationCount: 4 });
    // Level 3's delay counts from level 2's due time, not from when its timer happened to fire.
    expect(level2.nextEscalationAt).toBe(iso(t0 + minutes(45)));
    expect(position(await at(44))).toMatchObject({ level: 2, notificationCount: 4 });
    const level3 = await at(46);
    expect(position(level3)).toEqual({ state: 'ACTIVE', cycle: 0, level: 3, repeat: 0, escalationCount: 2, notificationCount: 5 });
    expect(level3.notifications.map((n) => n.idempotencyKey.replace(/^incident-long-walk\//, ''))).toEqual([
      'L1/R0/log:team-lead/log',
      'L1/R1/log:team-lead/log',
      'L1/R2/log:team-lead/log',
      'L2/R0/log:primary-oncall/log',
      'L3/R0/log:engineering-managers/log',
    ]);
    expect(level3.notifications.every((n) => n.status === 'delivered')).toBe(true);
  });

  it('walks the policy a second time after the 30-minute final wait, then times out at two and a half hours', async () => {
    stack = await timeSkipping.start({ policies: [longPolicy()] });
    const { handle, triggeredAt: t0 } = await openIncident(stack, 'long-loop');

    await stack.skipUntil(t0 + minutes(76));
    const secondWalk = await stack.record(handle);
    expect(position(secondWalk)).toEqual({ state: 'ACTIVE', cycle: 1, level: 1, repeat: 0, escalationCount: 3, notificationCount: 6 });
    // The second walk pages again under new keys, or receivers would drop it as a duplicate.
    expect(secondWalk.notifications.at(-1)?.idempotencyKey).toBe('incident-long-loop/E1/L1/R0/log:team-lead/log');

    await stack.skipUntil(t0 + minutes(149));
    expect(position(await stack.record(handle))).toMatchObject({ state: 'ACTIVE', cycle: 1, level: 3, notificationCount: 10 });

    await stack.skipUntil(t0 + minutes(151));
    const timedOut = await stack.record(handle);
    expect(position(timedOut)).toEqual({ state: 'TIMED_OUT', cycle: 1, level: 3, repeat: 0, escalationCount: 5, notificationCount: 10 });
    expect(timedOut.timeline.at(-1)?.reason).toContain('walked 2 time(s) with no acknowledgement');
    expect(Date.parse(timedOut.timeline.at(-1)?.at ?? '') - t0).toBeGreaterThanOrEqual(minutes(150));
  });

  it('pages nobody while an acknowledgement holds, even past the next level’s due time', async () => {
    stack = await timeSkipping.start({ policies: [longPolicy({ ackTimeout: '30m' })] });
    const { handle, triggeredAt: t0 } = await openIncident(stack, 'ack-holds');
    await stack.skipUntil(t0 + minutes(16));
    await handle.signal(acknowledgeSignal, { by: 'dana' });
    await stack.waitForRecord(handle, (r) => r.state === 'ACKNOWLEDGED');

    // Level 3 was due at 45 minutes; the ack timeout runs out at 46.
    await stack.skipUntil(t0 + minutes(45.5));
    const held = await stack.record(handle);
    expect(position(held)).toMatchObject({ state: 'ACKNOWLEDGED', level: 2, notificationCount: 4 });
    expect(held.nextEscalationAt).toBeUndefined();
  });

  it('re-opens an incident acknowledged by signal when 30 minutes pass without a resolve, and pages its level again', async () => {
    stack = await timeSkipping.start({ policies: [longPolicy({ ackTimeout: '30m' })] });
    const { handle, triggeredAt: t0 } = await openIncident(stack, 'ack-reopens');
    await stack.skipUntil(t0 + minutes(16));
    await handle.signal(acknowledgeSignal, { by: 'dana', note: 'looking' });
    const acknowledged = await stack.waitForRecord(handle, (r) => r.state === 'ACKNOWLEDGED');
    const ackAt = Date.parse(acknowledged.acknowledgedAt ?? '');
    expect(acknowledged.acknowledgedBy).toBe('dana');

    await stack.skipUntil(ackAt + minutes(29));
    expect((await stack.record(handle)).state).toBe('ACKNOWLEDGED');

    await stack.skipUntil(ackAt + minutes(31));
    const reopened = await stack.waitForRecord(handle, (r) => r.notificationCount === 5);
    expect(position(reopened)).toMatchObject({ state: 'ACTIVE', level: 2, notificationCount: 5 });
    expect(reopened.acknowledgedBy).toBeUndefined();
    const reopening = reopened.timeline.find((e) => e.from === 'ACKNOWLEDGED' && e.to === 'ACTIVE');
    expect(reopening?.reason).toContain('30m (ackTimeout)');
    expect(Date.parse(reopening?.at ?? '') - ackAt).toBeGreaterThanOrEqual(minutes(30));
    expect(reopened.notifications.at(-1)?.idempotencyKey).toBe('incident-ack-reopens/E1/L2/R0/log:primary-oncall/log');
    // The re-paged level counts its successor's delay from the re-page.
    expect(reopened.nextEscalationAt).toBe(iso(Date.parse(reopening?.at ?? '') + minutes(30)));
  });

  it('resolves by itself four hours after the trigger, after the policy has timed out', async () => {
    stack = await timeSkipping.start({ policies: [longPolicy({ autoResolve: '4h' })] });
    const { handle, triggeredAt: t0 } = await openIncident(stack, 'auto-resolves');

    await stack.skipUntil(t0 + minutes(239));
    expect((await stack.record(handle)).state).toBe('TIMED_OUT');

    await stack.skipUntil(t0 + minutes(241));
    const result = await handle.result();
    expect(result).toMatchObject({ state: 'RESOLVED', resolvedBy: 'policy', closedReason: 'auto-resolved after 4h (autoResolve)' });
    expect(Date.parse(result.resolvedAt ?? '') - t0).toBeGreaterThanOrEqual(minutes(240));
    expect(Date.parse(result.resolvedAt ?? '') - t0).toBeLessThan(minutes(241));
  });

  it('keeps the search attributes and current details in step with the record as hours pass', async () => {
    stack = await timeSkipping.start({ policies: [longPolicy()] });
    const { handle, triggeredAt: t0 } = await openIncident(stack, 'visible');
    await stack.skipUntil(t0 + minutes(46));
    await handle.signal(acknowledgeSignal, { by: 'dana' });
    await stack.waitForRecord(handle, (r) => r.state === 'ACKNOWLEDGED');

    const attributes = await waitFor(async () => {
      const found = (await handle.describe()).typedSearchAttributes;
      return found.get(IncidentStateKey) === 'ACKNOWLEDGED' ? found : undefined;
    });
    expect(attributes.get(EscalationLevelKey)).toBe(3);
    expect(attributes.get(EscalationPolicyKey)).toBe('production-critical');
    expect(attributes.get(AcknowledgedByKey)).toBe('dana');
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('level 3/3');
    expect(metadata.currentDetails).toContain('ACKNOWLEDGED');
  });

  it('counts the same alert firing again two hours later as an occurrence on the open incident (signal-with-start)', async () => {
    stack = await timeSkipping.start({ policies: [longPolicy({ finalWait: '4h' })] });
    const first = await stack.incidents.startIncident({ summary: 'disk full', severity: 'warning', key: 'refires' });
    // The time-skipping test server leaves signal-with-start's `started` flag unset, so `created`
    // is not checked here; the dev-server tests check it.
    expect(first).toMatchObject({ escalated: true, accepted: true, workflowId: 'incident-refires' });
    const handle = stack.handle('refires');
    const t0 = Date.parse((await stack.waitForRecord(handle, (r) => r.state === 'ACTIVE')).createdAt);

    await stack.skipUntil(t0 + minutes(120));
    const again = await stack.incidents.startIncident({ summary: 'disk full', severity: 'critical', key: 'refires' });

    expect(again).toMatchObject({ escalated: true, created: false, workflowId: 'incident-refires' });
    const record = await stack.record(handle);
    expect(record).toMatchObject({ occurrences: 2, severity: 'critical', level: 3 });
    // lastSeenAt is the caller's wall clock; the timeline keeps workflow (skipped) time.
    const counted = record.timeline.find((e) => e.kind === 'occurrence');
    expect(Date.parse(counted?.at ?? '') - t0).toBeGreaterThanOrEqual(minutes(120));
  });
});

/** Retries `probe` in real time (server time stays put) until it returns a value. */
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
