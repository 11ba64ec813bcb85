import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { minutes, useTimeSkipping, type TimeSkippingStack } from '../helpers/time-skipping.js';

// Business hours on the time-skipping server, which starts at the real current time. Rather than
// wait for a real Saturday, the policy's only business day is tomorrow (in its own time zone): an
// incident raised now is outside business hours whatever today is, and must wait until tomorrow
// 09:00 local time, a day or more of server time skipped in seconds.
const ZONE = 'Asia/Seoul';
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const timeSkipping = useTimeSkipping();
let stack: TimeSkippingStack | undefined;

async function tomorrowOnlyPolicy(extra: Record<string, unknown> = {}) {
  const tomorrow = DateTime.fromMillis(await timeSkipping.env().currentTimeMs(), { zone: ZONE }).plus({ days: 1 });
  const opening = tomorrow.set({ hour: 9, minute: 0, second: 0, millisecond: 0 }).toMillis();
  const policy = {
    name: 'office-hours',
    levels: [{ targets: [{ type: 'log', id: 'team-lead' }] }, { delay: '15m', targets: [{ type: 'log', id: 'manager' }] }],
    businessHours: { days: [WEEKDAYS[tomorrow.weekday - 1]], start: '09:00', end: '18:00', timezone: ZONE, bypassSeverities: ['critical'] },
    ...extra,
  };
  return { policy, opening };
}

describe('business hours on the time-skipping server', () => {
  it('keeps an incident raised outside business hours PENDING until the next opening, then pages level 1', async () => {
    const { policy, opening } = await tomorrowOnlyPolicy();
    stack = await timeSkipping.start({ policies: [policy] });
    const handle = await stack.startIncident('after-hours', { severity: 'error' });

    const held = await stack.waitForRecord(handle, (r) => r.nextEscalationAt !== undefined);
    expect(held.state).toBe('PENDING');
    expect(held.nextEscalationAt).toBe(new Date(opening).toISOString());
    expect(held.timeline.at(-1)?.reason).toContain('outside business hours');

    await stack.skipUntil(opening - minutes(1));
    expect(await stack.record(handle)).toMatchObject({ state: 'PENDING', notificationCount: 0 });

    await stack.skipUntil(opening + 1_000);
    const paged = await stack.waitForRecord(handle, (r) => r.state === 'ACTIVE');
    expect(paged).toMatchObject({ level: 1, notificationCount: 1, nextEscalationAt: new Date(opening + minutes(15)).toISOString() });
  });

  it('pages a severity listed in bypassSeverities at once, outside business hours', async () => {
    const { policy } = await tomorrowOnlyPolicy();
    stack = await timeSkipping.start({ policies: [policy] });
    const handle = await stack.startIncident('after-hours-critical', { severity: 'critical' });
    expect(await stack.waitForRecord(handle, (r) => r.state === 'ACTIVE')).toMatchObject({ level: 1, notificationCount: 1 });
  });
});
