import { DateTime } from 'luxon';
import type { IncidentRecord } from './incident.js';
import { csvCell } from './analytics.js';

/**
 * On-call load (issue 14, item 4): how often each person was paged, per ISO week, and when, in
 * their own time zone:
 * - night: 22:00–07:00, any day (the page woke someone, or would have);
 * - business hours: Monday–Friday 09:00–18:00;
 * - off hours: the rest (evenings 18:00–22:00, early mornings 07:00–09:00, weekend days).
 *
 * A page is a `page` or `repeat` notification that was delivered, counted once per person and
 * step: a level that reached Dana by Slack and by SMS at once woke her once. The person is the
 * directory id the target resolved to, else the target itself (`email:ops@example.com`).
 */
export const LOAD_BANDS = ['businessHours', 'offHours', 'night'] as const;
export type LoadBand = (typeof LOAD_BANDS)[number];

export type PagedRecord = Pick<IncidentRecord, 'workflowId' | 'notifications'>;

export interface LoadCounts {
  pages: number;
  businessHours: number;
  offHours: number;
  night: number;
}

export interface WeekLoad extends LoadCounts {
  /** ISO week in the person's zone: `2026-W49`. */
  week: string;
}

export interface PersonLoad extends LoadCounts {
  person: string;
  timezone: string;
  /** Oldest week first; weeks without pages are left out. */
  weeks: WeekLoad[];
}

export interface OncallLoad {
  since: string;
  until: string;
  /** Most paged first. */
  people: PersonLoad[];
}

export function loadBand(at: number, timezone: string): LoadBand {
  const local = DateTime.fromMillis(at, { zone: timezone });
  const hour = local.hour;
  if (hour >= 22 || hour < 7) return 'night';
  if (local.weekday <= 5 && hour >= 9 && hour < 18) return 'businessHours';
  return 'offHours';
}

export function isoWeek(at: number, timezone: string): string {
  const local = DateTime.fromMillis(at, { zone: timezone });
  return `${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`;
}

/**
 * Pages delivered within [since, until], per person and week. `timezoneOf` answers a person's
 * zone (the directory's), else `defaultZone` is used.
 */
export function oncallLoad(
  records: readonly PagedRecord[],
  since: number,
  until: number,
  timezoneOf: (person: string) => string | undefined,
  defaultZone = 'UTC',
): OncallLoad {
  // person → step → earliest delivery
  const steps = new Map<string, Map<string, number>>();
  for (const record of records) {
    for (const n of record.notifications) {
      if (n.kind === 'update' || n.status !== 'delivered') continue;
      const at = Date.parse(n.settledAt ?? n.at);
      if (!(at >= since && at <= until)) continue;
      const person = n.recipient ?? n.target;
      const step = `${record.workflowId}/C${n.cycle}/L${n.level}/R${n.repeat}`;
      const own = steps.get(person) ?? new Map<string, number>();
      own.set(step, Math.min(at, own.get(step) ?? Infinity));
      steps.set(person, own);
    }
  }
  const people = [...steps.entries()].map(([person, pages]) => {
    const timezone = timezoneOf(person) ?? defaultZone;
    const total = emptyCounts();
    const weeks = new Map<string, WeekLoad>();
    for (const at of pages.values()) {
      const band = loadBand(at, timezone);
      const week = isoWeek(at, timezone);
      const counts = weeks.get(week) ?? { week, ...emptyCounts() };
      for (const c of [total, counts]) {
        c.pages += 1;
        c[band] += 1;
      }
      weeks.set(week, counts);
    }
    return { person, timezone, ...total, weeks: [...weeks.values()].sort((a, b) => a.week.localeCompare(b.week)) };
  });
  people.sort((a, b) => b.pages - a.pages || a.person.localeCompare(b.person));
  return { since: new Date(since).toISOString(), until: new Date(until).toISOString(), people };
}

/** One line per person and week. */
export function oncallLoadCsv(load: OncallLoad): string {
  const header = ['person', 'timezone', 'week', 'pages', 'business_hours', 'off_hours', 'night'];
  const rows = load.people.flatMap((p) =>
    p.weeks.map((w) => [p.person, p.timezone, w.week, w.pages, w.businessHours, w.offHours, w.night].map(csvCell)),
  );
  return [header, ...rows].map((row) => row.join(',')).join('\n') + '\n';
}

function emptyCounts(): LoadCounts {
  return { pages: 0, businessHours: 0, offHours: 0, night: 0 };
}
