import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Conditions on a level (issue 12, item 6): a level whose `when` fails as it comes due is skipped
// at once, the timeline says which condition failed, and the walk goes on as if it had been paged.
let peer: WebhookPeer;
let stack: Stack;

/** A range of the UTC day that is not now (it starts two hours from now), so `between` fails. */
function laterRange(): string {
  const hour = (new Date().getUTCHours() + 2) % 24;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(hour)}:00-${pad((hour + 1) % 24)}:00`;
}

beforeEach(async () => {
  peer = await startWebhookPeer();
  stack = await startStack({
    routes: [
      { match: { service: 'occurrences' }, policy: 'needs-repeats' },
      { match: { service: 'night' }, policy: 'night-only' },
      { match: { service: 'criticals' }, policy: 'criticals-only' },
      { policy: 'needs-repeats' },
    ],
    policies: [
      {
        name: 'needs-repeats',
        levels: [
          webhookLevel(peer.url, '1'),
          webhookLevel(peer.url, '2', { delay: '1500ms', when: { minOccurrences: 3 } }),
          webhookLevel(peer.url, '3', { delay: '300ms' }),
        ],
        finalWait: '30s',
      },
      {
        name: 'night-only',
        levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '200ms', when: { between: laterRange() } })],
        finalWait: '200ms',
      },
      {
        name: 'criticals-only',
        levels: [
          webhookLevel(peer.url, '1', { when: { minSeverity: 'critical' } }),
          webhookLevel(peer.url, '2', { delay: '200ms', when: { minSeverity: 'critical' } }),
        ],
        finalWait: '200ms',
      },
    ],
  });
});
afterEach(async () => {
  await stack.stop();
  await peer.close();
});

const pagedLevels = (record: { notifications: { kind?: string; level: number }[] }) =>
  record.notifications.filter((n) => n.kind === 'page').map((n) => n.level);

describe('conditions on a level', () => {
  it('skips level 2 while too few alerts came in, saying which condition failed, and pages level 3 after it', async () => {
    const key = 'when-skip-occurrences';
    await stack.incidents.startIncident({ summary: 'cache misses', severity: 'error', service: 'occurrences', key });
    const record = await stack.waitForRecord(key, (r) => r.level === 3);
    expect(pagedLevels(record)).toEqual([1, 3]);
    const skip = record.timeline.find((e) => e.reason?.startsWith('level 2 skipped'));
    expect(skip).toMatchObject({
      by: 'policy',
      level: 2,
      reason: 'level 2 skipped: its condition failed (when.minOccurrences: 1 occurrence(s) so far, fewer than 3)',
    });
    // When level 3 comes due (a delay after level 2's due time) is the planner's table tests' (level-holds.test.ts).
    await stack.incidents.resolve(key, 'dana', 'warmed the cache');
  });

  it('pages level 2 once enough repeats of the alert arrived before it came due', async () => {
    const key = 'when-enough-occurrences';
    const alert = () => stack.incidents.startIncident({ summary: 'cache misses', severity: 'error', service: 'occurrences', key });
    await alert();
    await alert();
    await alert();
    const record = await stack.waitForRecord(key, (r) => pagedLevels(r).includes(2));
    expect(record.occurrences).toBe(3);
    // Level 3 may follow 300 ms later; what matters is that level 2 was paged, not skipped.
    expect(pagedLevels(record).slice(0, 2)).toEqual([1, 2]);
    expect(record.timeline.some((e) => e.reason?.includes('skipped'))).toBe(false);
    await stack.incidents.acknowledge(key, 'dana');
  });

  it('skips a level outside its time range, naming the range and the local time', async () => {
    const key = 'when-between-skip';
    await stack.incidents.startIncident({ summary: 'batch late', severity: 'warning', service: 'night', key });
    const record = await stack.waitForState(key, 'TIMED_OUT');
    expect(pagedLevels(record)).toEqual([1]);
    expect(record.timeline.find((e) => e.reason?.startsWith('level 2 skipped'))?.reason).toMatch(
      /^level 2 skipped: its condition failed \(when\.between: not between \d\d:00-\d\d:00 \(it is \d\d:\d\d UTC\)\)$/,
    );
  });

  it('ends TIMED_OUT from PENDING when every level is skipped, nobody paged, each skip on the timeline', async () => {
    const key = 'when-all-skipped';
    await stack.incidents.startIncident({ summary: 'disk 80% full', severity: 'warning', service: 'criticals', key });
    const record = await stack.waitForState(key, 'TIMED_OUT');
    expect(record.notificationCount).toBe(0);
    expect(peer.keysFor(`incident-${key}`)).toEqual([]);
    expect(record.timeline.filter((e) => e.reason?.includes('skipped')).map((e) => e.level)).toEqual([1, 2]);
    expect(record.timeline.find((e) => e.to === 'TIMED_OUT')).toMatchObject({ from: 'PENDING' });
  });
});
