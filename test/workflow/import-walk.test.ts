import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import type { IncidentRecord } from '../../domain/incident.js';
import { IMPORTERS, type ConfigDraft, type Vendor } from '../../domain/importers/index.js';
import { minutes, useTimeSkipping, type IncidentHandle, type TimeSkippingStack } from '../helpers/time-skipping.js';

/**
 * Done-when of issue 15: each importer's fixtures become a config that pages the same people at
 * the same times as the source tool would. One imported policy per tool walks on the time-skipping
 * server; who should be paged when is worked out here from the vendor's own rules (delays as the
 * vendor counts them, on-call from the vendor's rotation fields), not from our config.
 */
const fixtures = fileURLToPath(new URL('../fixtures/import/', import.meta.url));

function exportOf(vendor: Vendor): Record<string, unknown> {
  const dir = join(fixtures, vendor);
  const files: Record<string, unknown> = {};
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path).split(sep).join('/')] = JSON.parse(readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

/** The imported config with `policy` first (the stack runs the first policy) and every contact on the log channel. */
function imported(vendor: Vendor, policy: string): Record<string, unknown> {
  const result = IMPORTERS[vendor].run(exportOf(vendor));
  if (!result.ok) throw new Error(`the ${vendor} fixtures did not import: ${JSON.stringify(result.errors)}`);
  const draft: ConfigDraft = result.config;
  const chosen = draft.policies.find((p) => p.name === policy);
  if (!chosen) throw new Error(`no imported policy ${policy}`);
  const users = (draft.directory?.users ?? []).map((u) => ({ id: u.id, contacts: [{ channel: 'log' as const, address: u.id }] }));
  const config = { ...draft, directory: { ...draft.directory, users }, policies: [chosen, ...draft.policies.filter((p) => p !== chosen)] };
  expect(Config.safeParse(config).success).toBe(true);
  return config;
}

/** Whole local days (or turns) since a handoff, on the calendar of the zone: a DST day is one day. */
function turnsSince(firstHandoff: DateTime, at: number, turnDays: number): number {
  const local = DateTime.fromMillis(at, { zone: firstHandoff.zone });
  let days = Math.floor(local.diff(firstHandoff, 'days').days);
  if (firstHandoff.plus({ days: days + 1 }).toMillis() <= at) days += 1;
  return Math.floor(days / turnDays);
}

const pick = <T>(list: readonly T[], index: number): T => list[((index % list.length) + list.length) % list.length] as T;
const within = (at: number, from: string, to: string) => Date.parse(from) <= at && at < Date.parse(to);

/** One expected page: the minute after the trigger, and who (a list: any one of them, for round robin). */
interface Page {
  minute: number;
  level: number;
  who: string | readonly string[];
}

const timeSkipping = useTimeSkipping();

/** Opens the incident, then checks each batch of pages arrives at its minute and not half a minute before. */
async function walk(stack: TimeSkippingStack, key: string, expected: (t0: number) => Page[]): Promise<IncidentRecord> {
  const handle: IncidentHandle = await stack.startIncident(key);
  const opened = await stack.waitForRecord(handle, (r) => r.notifications.length > 0);
  const t0 = Date.parse(opened.createdAt);
  const pages = expected(t0);
  const minutesDue = [...new Set(pages.map((p) => p.minute))];
  let seen = 0;
  let last = opened;
  for (const minute of minutesDue) {
    const batch = pages.filter((p) => p.minute === minute);
    if (minute > 0) {
      await stack.skipUntil(t0 + minutes(minute - 0.5));
      expect((await stack.record(handle)).notifications.length, `nothing is paged before minute ${minute}`).toBe(seen);
      await stack.skipUntil(t0 + minutes(minute + 0.5));
    }
    last = await stack.waitForRecord(handle, (r) => r.notifications.length >= seen + batch.length);
    const fresh = last.notifications.slice(seen);
    expect(fresh, `minute ${minute}`).toHaveLength(batch.length);
    const sortedWho = batch.map((p) => ({ level: p.level, who: p.who })).sort((a, b) => a.level - b.level);
    for (const page of sortedWho) {
      const match = fresh.find(
        (n) =>
          n.level === page.level &&
          n.recipient !== undefined &&
          (typeof page.who === 'string' ? n.recipient === page.who : page.who.includes(n.recipient)),
      );
      expect(
        match,
        `minute ${minute}: level ${page.level} pages ${String(page.who)}; got ${fresh.map((n) => `L${n.level + 1}:${n.recipient}`).join(', ')}`,
      ).toBeDefined();
      fresh.splice(fresh.indexOf(match!), 1);
    }
    seen += batch.length;
  }
  return last;
}

describe('an imported policy pages the same people at the same times as the source tool', () => {
  it('PagerDuty: on-call of the weekly layer, then the round-robin pair at 15, the lead at 25, looping after 30 more', async () => {
    const stack = await timeSkipping.start(imported('pagerduty', 'payments-critical'));
    // Layer "Weekly": rotation_virtual_start 2026-01-05T09:00 New York, 604800 s turns, alice, bao, chioma;
    // the override hands 24–26 December to dev. Rules: escalation_delay_in_minutes 15, 10, 30; num_loops 2.
    const start = DateTime.fromISO('2026-01-05T09:00:00', { zone: 'America/New_York' });
    const onCall = (at: number) =>
      within(at, '2026-12-24T18:00:00-05:00', '2026-12-26T09:00:00-05:00')
        ? 'dev'
        : pick(['alice', 'bao', 'chioma'], turnsSince(start, at, 7));
    await walk(stack, 'pd-walk', (t0) => [
      { minute: 0, level: 1, who: onCall(t0) },
      { minute: 15, level: 2, who: ['bao', 'chioma'] },
      { minute: 25, level: 3, who: 'dev' },
      { minute: 55, level: 1, who: onCall(t0 + minutes(55)) },
      { minute: 70, level: 2, who: ['bao', 'chioma'] },
    ]);
  });

  it('Opsgenie: both rotations at once, Inès and the on-call again at 5, the whole team at 20, repeated 10 minutes later', async () => {
    const stack = await timeSkipping.start(imported('opsgenie', 'storage_escalation'));
    // Rotation Primary: daily from 2026-03-23T07:00Z (08:00 Berlin), ines, jonas; Backup: weekly,
    // length 2, from 2026-01-05T07:00Z, kemal, lena; the override gives 31 Dec 17:00Z–1 Jan 09:00Z to kemal.
    // Rules count from the alert: 0 (schedule), 5 (ines; the schedule's next → current), 20 (team); repeat after 10, 3 times.
    const primaryStart = DateTime.fromISO('2026-03-23T08:00:00', { zone: 'Europe/Berlin' });
    const backupStart = DateTime.fromISO('2026-01-05T08:00:00', { zone: 'Europe/Berlin' });
    const override = (at: number) => within(at, '2026-12-31T17:00:00Z', '2027-01-01T09:00:00Z');
    const primary = (at: number) => (override(at) ? 'kemal' : pick(['ines', 'jonas'], turnsSince(primaryStart, at, 1)));
    const backup = (at: number) => (override(at) ? 'kemal' : pick(['kemal', 'lena'], turnsSince(backupStart, at, 14)));
    const team = ['ines', 'jonas', 'kemal'];
    await walk(stack, 'og-walk', (t0) => [
      { minute: 0, level: 1, who: primary(t0) },
      { minute: 0, level: 1, who: backup(t0) },
      { minute: 5, level: 2, who: 'ines' },
      { minute: 5, level: 2, who: primary(t0 + minutes(5)) },
      { minute: 5, level: 2, who: backup(t0 + minutes(5)) },
      ...team.map((who) => ({ minute: 20, level: 3, who })),
      { minute: 30, level: 1, who: primary(t0 + minutes(30)) },
      { minute: 30, level: 1, who: backup(t0 + minutes(30)) },
    ]);
  });

  it('Grafana OnCall: the schedule, the next person each time after a 10-minute wait, Maya after 15 more, repeating after 20', async () => {
    const stack = await timeSkipping.start(imported('grafana-oncall', 'checkout-critical'));
    // Shift "Daily rotation": rolling_users noor, oscar, maya from 2026-03-27T09:00 Madrid, daily,
    // start_rotation_from_user_index 2 (maya first); override: oscar 18 Dec 20:00Z for 12 h; noor on 24 Dec 18:00 Madrid for 14 h.
    const start = DateTime.fromISO('2026-03-27T09:00:00', { zone: 'Europe/Madrid' });
    const onCall = (at: number) => {
      if (within(at, '2026-12-18T20:00:00Z', '2026-12-19T08:00:00Z')) return 'oscar';
      if (within(at, '2026-12-24T17:00:00Z', '2026-12-25T07:00:00Z')) return 'noor';
      return pick(['maya', 'noor', 'oscar'], turnsSince(start, at, 1));
    };
    await walk(stack, 'go-walk', (t0) => [
      { minute: 0, level: 1, who: onCall(t0) },
      { minute: 10, level: 2, who: ['noor', 'oscar'] },
      { minute: 25, level: 3, who: 'maya' },
      { minute: 45, level: 1, who: onCall(t0 + minutes(45)) },
    ]);
  });
});
