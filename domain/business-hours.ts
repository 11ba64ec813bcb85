import type { BusinessHours } from './policy.js';
import type { Severity } from './severity-order.js';
import { addDays, wallClock, zonedInstant } from './zoned-time.js';

export { isValidTimeZone } from './zoned-time.js';

/**
 * Business-hours maths: is a policy's window open at an instant, and when does it next open.
 * Pure (the caller passes the time); local time in the window's IANA time zone, so "09:00" stays
 * 09:00 on the wall clock across daylight-saving changes.
 *
 * - `start < end`: open on each listed day from start (inclusive) to end (exclusive).
 * - `start > end`: an overnight window, opening on a listed day at start and closing at end the
 *   next morning (`fri 22:00 → sat 06:00` belongs to friday).
 * - `start == end`: open all day on the listed days.
 * A start that does not exist on a spring-forward day (02:30 in a skipped hour) opens at the first
 * instant after the gap (shifted forward by the gap's length).
 */
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export function isOpen(hours: BusinessHours, at: number): boolean {
  const local = wallClock(at, hours.timezone);
  const minute = local.hour * 60 + local.minute;
  const start = toMinutes(hours.start);
  const end = toMinutes(hours.end);
  const today = isListed(hours, local.weekday);
  if (start === end) return today;
  if (start < end) return today && minute >= start && minute < end;
  const yesterday = isListed(hours, ((local.weekday + 5) % 7) + 1);
  return (today && minute >= start) || (yesterday && minute < end);
}

/** `at` itself when the window is open, else the next instant it opens (within the coming week). */
export function nextOpening(hours: BusinessHours, at: number): number {
  if (isOpen(hours, at)) return at;
  const local = wallClock(at, hours.timezone);
  const [hour = 0, minute = 0] = hours.start.split(':').map(Number);
  for (let offset = 0; offset <= 7; offset += 1) {
    if (!isListed(hours, ((local.weekday - 1 + offset) % 7) + 1)) continue;
    const opening = zonedInstant({ ...addDays(local, offset), hour, minute }, hours.timezone);
    if (opening > at) return opening;
  }
  // Unreachable with at least one listed day (the schema requires one); never hold for ever.
  return at;
}

/** When an incident raised at `at` may page: now for a bypassing severity or an open window. */
export function holdUntil(hours: BusinessHours | undefined, severity: Severity, at: number): number {
  if (!hours || hours.bypassSeverities?.includes(severity)) return at;
  return nextOpening(hours, at);
}

function isListed(hours: BusinessHours, isoWeekday: number): boolean {
  const name = WEEKDAYS[isoWeekday - 1];
  return name !== undefined && hours.days.includes(name);
}

function toMinutes(clock: string): number {
  const [hour = 0, minute = 0] = clock.split(':').map(Number);
  return hour * 60 + minute;
}
