import type { LevelWhen } from './level-schemas.js';
import { isAtLeast, type Severity } from './severity-order.js';
import { wallClock } from './zoned-time.js';

/**
 * A level's `when`: the conditions that must all hold when the level comes due, or the level is
 * skipped. Pure and free of zod (workflow code imports it); the caller passes the instant, the
 * incident's severity and its occurrence count at that moment.
 *
 * - `days` and `between` are read on the wall clock at the level's due time in `timezone` (default:
 *   the policy's businessHours zone, else UTC), each on its own: `days: [sat]` with
 *   `between: "22:00-06:00"` holds on saturday 23:00 and saturday 02:00, not on sunday 02:00.
 * - `between: "HH:MM-HH:MM"` includes its start and excludes its end; a start after the end wraps
 *   midnight (`22:00-06:00` is 22:00 to 06:00 the next morning).
 * - `minSeverity`: the incident's severity now (a raised severity counts); `minOccurrences`: the
 *   alerts counted so far, the opening one included.
 */
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

export interface Between {
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

/** `"22:00-06:00"` → minutes; a string saying what is wrong when it is not a range. */
export function parseBetween(text: string): Between | string {
  const parts = text.split('-').map((part) => part.trim());
  const [from, to] = parts;
  const start = from === undefined ? undefined : CLOCK.exec(from);
  const end = to === undefined ? undefined : CLOCK.exec(to);
  if (parts.length !== 2 || !start || !end) {
    return `"${text}" is not a time range; write "HH:MM-HH:MM" in 24-hour time, such as "00:00-08:00" (it may wrap midnight: "22:00-06:00")`;
  }
  const range = { start: Number(start[1]) * 60 + Number(start[2]), end: Number(end[1]) * 60 + Number(end[2]) };
  if (range.start === range.end) return `"${text}" starts and ends at the same time; leave between out to mean the whole day`;
  return range;
}

export function isWithin(range: Between, minuteOfDay: number): boolean {
  return range.start < range.end
    ? minuteOfDay >= range.start && minuteOfDay < range.end
    : minuteOfDay >= range.start || minuteOfDay < range.end;
}

export interface ConditionContext {
  /** When the level comes due (epoch ms). */
  at: number;
  severity: Severity;
  occurrences: number;
  /** The zone `days` and `between` are read in when the condition names none. */
  defaultZone: string;
}

/** The zone a level's `when` reads the clock in: its own, else the policy's business hours', else UTC. */
export function conditionZone(when: Pick<LevelWhen, 'timezone'>, businessHoursZone: string | undefined): string {
  return when.timezone ?? businessHoursZone ?? 'UTC';
}

/**
 * The first condition that fails, as the timeline says it (`not on sat, sun (Europe/Berlin: wed
 * 14:05)`), or undefined when every condition holds.
 */
export function failedCondition(when: LevelWhen, ctx: ConditionContext): string | undefined {
  const zone = when.timezone ?? ctx.defaultZone;
  const needsClock = when.days !== undefined || when.between !== undefined;
  const local = needsClock ? wallClock(ctx.at, zone) : undefined;
  const clock = local ? `${pad(local.hour)}:${pad(local.minute)}` : '';
  const weekday = local ? WEEKDAYS[local.weekday - 1] : undefined;
  if (when.days && weekday && !when.days.includes(weekday)) {
    return `days: not on ${when.days.join(', ')} (it is ${weekday} ${clock} ${zone})`;
  }
  if (when.between !== undefined && local) {
    const range = parseBetween(when.between);
    if (typeof range !== 'string' && !isWithin(range, local.hour * 60 + local.minute)) {
      return `between: not between ${when.between} (it is ${clock} ${zone})`;
    }
  }
  if (when.minSeverity !== undefined && !isAtLeast(ctx.severity, when.minSeverity)) {
    return `minSeverity: severity ${ctx.severity} is below ${when.minSeverity}`;
  }
  if (when.minOccurrences !== undefined && ctx.occurrences < when.minOccurrences) {
    return `minOccurrences: ${ctx.occurrences} occurrence(s) so far, fewer than ${when.minOccurrences}`;
  }
  return undefined;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
