import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { minutes, useTimeSkipping } from '../helpers/time-skipping.js';

// Urgency on every level (issue 12, item 5) on the time-skipping server, which starts at the real
// current time. The policy's business hours are ten minutes on tomorrow's weekday (UTC) only, so
// whatever today is, an incident raised now is outside them, and a level due after 09:10 waits a
// whole week: days of server time skipped in seconds.
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEK = 7 * 24 * 60 * 60_000;

const timeSkipping = useTimeSkipping();

async function tomorrowTenMinutes(extra: Record<string, unknown> = {}) {
  const tomorrow = DateTime.fromMillis(await timeSkipping.env().currentTimeMs(), { zone: 'UTC' }).plus({ days: 1 });
  const opening = tomorrow.set({ hour: 9, minute: 0, second: 0, millisecond: 0 }).toMillis();
  const policy = {
    name: 'office-urgency',
    levels: [
      { targets: [{ type: 'log', id: 'team-lead' }] },
      { delay: '15m', targets: [{ type: 'log', id: 'primary' }] },
      { delay: '30m', targets: [{ type: 'log', id: 'manager' }] },
    ],
    businessHours: { days: [WEEKDAYS[tomorrow.weekday - 1]], start: '09:00', end: '09:10', timezone: 'UTC' },
    urgency: { critical: 'high', error: 'high', warning: 'low' },
    ...extra,
  };
  return { policy, opening };
}

const at = (ms: number) => new Date(ms).toISOString();

describe('urgency on every level, on the time-skipping server', () => {
  it('holds level 2 of a low-urgency incident past the closing, then pages level 2 (not level 1 again) at the next opening', async () => {
    const { policy, opening } = await tomorrowTenMinutes();
    const stack = await timeSkipping.start({ policies: [policy] });
    const handle = await stack.startIncident('urgency-held-level-2', { severity: 'warning' });

    const held = await stack.waitForRecord(handle, (r) => r.nextEscalationAt === at(opening));
    expect(held.state).toBe('PENDING');
    expect(held.timeline.at(-1)?.reason).toBe(
      `low urgency (warning) outside business hours (${policy.businessHours.days[0]} 09:00-09:10 UTC): level 1 held until ${at(opening)}`,
    );

    await stack.skipUntil(opening + 1_000);
    const first = await stack.waitForRecord(handle, (r) => r.state === 'ACTIVE');
    expect(first).toMatchObject({ level: 1, notificationCount: 1, nextEscalationAt: at(opening + minutes(15)) });

    // Level 2 comes due at 09:15, after the 09:10 closing: held to the same hour next week.
    await stack.skipUntil(opening + minutes(15) + 1_000);
    const level2Held = await stack.waitForRecord(handle, (r) => r.nextEscalationAt === at(opening + WEEK));
    expect(level2Held).toMatchObject({ state: 'ACTIVE', level: 1, notificationCount: 1 });
    expect(level2Held.timeline.at(-1)).toMatchObject({
      by: 'policy',
      reason: `low urgency (warning) outside business hours (${policy.businessHours.days[0]} 09:00-09:10 UTC): level 2 held until ${at(opening + WEEK)}`,
    });

    await stack.skipUntil(opening + WEEK + 1_000);
    const level2 = await stack.waitForRecord(handle, (r) => r.level === 2);
    expect(level2.notifications.filter((n) => n.kind === 'page').map((n) => n.level)).toEqual([1, 2]);
    // Level 3 counts from level 2's page at the opening.
    expect(level2.nextEscalationAt).toBe(at(opening + WEEK + minutes(30)));
  });

  it('releases a hold at once when a repeat raises the severity to high urgency', async () => {
    const { policy } = await tomorrowTenMinutes();
    const stack = await timeSkipping.start({ policies: [policy] });
    const key = 'urgency-raised-release';
    await stack.incidents.startIncident({ summary: 'export slow', severity: 'warning', key });
    const handle = stack.handle(key);
    await stack.waitForRecord(handle, (r) => r.timeline.some((e) => e.reason?.startsWith('low urgency (warning)')));

    await stack.incidents.startIncident({ summary: 'export failing', severity: 'error', key });
    const paged = await stack.waitForRecord(handle, (r) => r.state === 'ACTIVE');
    expect(paged).toMatchObject({ severity: 'error', level: 1, notificationCount: 1, occurrences: 2 });
  });

  it("holds by its route's urgency map, while the policy's older bypass list pages the same severity from another route at once", async () => {
    const { policy, opening } = await tomorrowTenMinutes({ urgency: undefined });
    const office = { ...policy, businessHours: { ...policy.businessHours, bypassSeverities: ['error'] } };
    const stack = await timeSkipping.start({
      policies: [office],
      routes: [{ match: { service: 'batch' }, policy: office.name, urgency: { error: 'low' } }, { policy: office.name }],
    });
    await stack.incidents.startIncident({ summary: 'batch late', severity: 'error', service: 'batch', key: 'urgency-route-low' });
    await stack.incidents.startIncident({ summary: 'api slow', severity: 'error', service: 'api', key: 'urgency-route-default' });

    const held = await stack.waitForRecord(stack.handle('urgency-route-low'), (r) => r.nextEscalationAt === at(opening));
    expect(held).toMatchObject({ state: 'PENDING', notificationCount: 0 });
    expect(held.timeline.at(-1)?.reason).toContain('low urgency (error) outside business hours');
    // The default route has no map: the policy's bypass list pages an error at once, as before.
    const bypassed = await stack.waitForRecord(stack.handle('urgency-route-default'), (r) => r.state === 'ACTIVE');
    expect(bypassed).toMatchObject({ level: 1, notificationCount: 1 });
  });
});
