import { describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../domain/incident.js';
import { maintenanceSignal } from '../../workflows/messages.js';
import { minutes, useTimeSkipping, type IncidentHandle, type TimeSkippingStack } from '../helpers/time-skipping.js';

// An open incident under a two-hour maintenance window, on the time-skipping server: the window's
// workflow tells the incident (here the test sends that same signal), the incident holds its
// paging until the window ends, then pages the level it reached and walks on from there.
const policy = {
  name: 'held',
  levels: [
    { delay: '0s', targets: [{ type: 'log', id: 'team-lead' }] },
    { delay: '15m', targets: [{ type: 'log', id: 'primary-oncall' }] },
    { delay: '30m', targets: [{ type: 'log', id: 'managers' }] },
  ],
};

const timeSkipping = useTimeSkipping();
let stack: TimeSkippingStack | undefined;
const iso = (ms: number) => new Date(ms).toISOString();
const hold = (r: IncidentRecord) => r.timeline.filter((e) => e.by === 'maintenance').map((e) => e.reason);

async function openIncident(s: TimeSkippingStack, key: string): Promise<{ handle: IncidentHandle; t0: number }> {
  const handle = await s.startIncident(key);
  const record = await s.waitForRecord(handle, (r) => r.state === 'ACTIVE' && r.notificationCount === 1);
  return { handle, t0: Date.parse(record.createdAt) };
}

describe('an open incident under a maintenance window', () => {
  it('stops paging for the two hours of the window, then pages level 1 again and level 2 fifteen minutes later', async () => {
    stack = await timeSkipping.start({ policies: [policy] });
    const { handle, t0 } = await openIncident(stack, 'mw-flow-hold');
    const end = t0 + minutes(120);
    await handle.signal(maintenanceSignal, { name: 'db-upgrade', until: iso(end), reason: 'postgres 17' });
    const held = await stack.waitForRecord(handle, (r) => r.maintenance !== undefined);
    expect(held.maintenance).toEqual({ name: 'db-upgrade', until: iso(end) });
    expect(hold(held)).toEqual([`maintenance window db-upgrade until ${iso(end)}: paging held (postgres 17)`]);

    await stack.skipUntil(t0 + minutes(110));
    const during = await stack.record(handle);
    expect({ state: during.state, level: during.level, notificationCount: during.notificationCount }).toEqual({
      state: 'ACTIVE',
      level: 1,
      notificationCount: 1,
    });

    await stack.skipUntil(end + 1_000);
    const resumed = await stack.waitForRecord(handle, (r) => r.notificationCount === 2);
    expect(resumed.level).toBe(1);
    expect(resumed.maintenance).toBeUndefined();
    expect(hold(resumed)).toContain('maintenance window db-upgrade ended: paging resumes at level 1');
    const repage = resumed.notifications[1]!;
    expect(Date.parse(repage.at)).toBeGreaterThanOrEqual(end);
    expect(repage.idempotencyKey).not.toBe(resumed.notifications[0]!.idempotencyKey);

    await stack.skipUntil(end + minutes(15) + 1_000);
    const level2 = await stack.waitForRecord(handle, (r) => r.level === 2);
    expect(Date.parse(level2.notifications.find((n) => n.level === 2)!.at)).toBeGreaterThanOrEqual(end + minutes(15));
  });

  it('pages at once when the window ends early', async () => {
    stack = await timeSkipping.start({ policies: [policy] });
    const { handle, t0 } = await openIncident(stack, 'mw-flow-early');
    await handle.signal(maintenanceSignal, { name: 'early', until: iso(t0 + minutes(120)) });
    await stack.waitForRecord(handle, (r) => r.maintenance !== undefined);
    await stack.skipUntil(t0 + minutes(30));
    const endedAt = await stack.now();
    await handle.signal(maintenanceSignal, { name: 'early', ended: iso(endedAt) });
    const resumed = await stack.waitForRecord(handle, (r) => r.notificationCount === 2);
    expect(hold(resumed)).toEqual([
      `maintenance window early until ${iso(t0 + minutes(120))}: paging held`,
      'maintenance window early ended early',
      'maintenance window early ended: paging resumes at level 1',
    ]);
    expect(Date.parse(resumed.notifications[1]!.at)).toBeLessThan(t0 + minutes(45));
  });
});
