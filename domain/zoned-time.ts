/**
 * Wall-clock time in an IANA time zone, from the runtime's own Intl data: no date library, so the
 * workflow bundle stays small (workflow code loads it for every incident). Pure: the caller passes
 * the instant.
 */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** True when the runtime knows `zone` as an IANA time zone (`Europe/Berlin`, `UTC`). */
export function isValidTimeZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `zone` at instant `at` (ms). */
export function wallClock(at: number, zone: string): WallClock {
  const { year, month, day, hour, minute } = fields(at, zone);
  return { year, month, day, hour, minute, weekday: isoWeekday(year, month, day) };
}

/** Minutes `zone` is ahead of UTC at instant `at`. */
export function offsetMinutes(at: number, zone: string): number {
  const p = fields(at, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - (at - (((at % 1000) + 1000) % 1000))) / 60_000);
}

/**
 * The instant a wall-clock time in `zone` names, disambiguated as JavaScript's Temporal does by
 * default: a time in a spring-forward gap moves forward by the gap (02:30 on a day that skips
 * 02:00–03:00 is 03:30); a time that occurs twice in a fall-back hour is its earlier instance.
 */
export function zonedInstant(local: Omit<WallClock, 'weekday'>, zone: string): number {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  // Offsets a day either side: no zone changes its offset twice within two days.
  const before = offsetMinutes(asUtc - 86_400_000, zone);
  const after = offsetMinutes(asUtc + 86_400_000, zone);
  const fits = [before, after]
    .map((offset) => asUtc - offset * 60_000)
    .filter((instant) => offsetMinutes(instant, zone) * 60_000 === asUtc - instant);
  if (fits.length > 0) return Math.min(...fits);
  return asUtc - Math.min(before, after) * 60_000;
}

/** The calendar date `days` after the given one (months and years roll over). */
export function addDays(date: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number } {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

function isoWeekday(year: number, month: number, day: number): number {
  const sundayFirst = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return sundayFirst === 0 ? 7 : sundayFirst;
}

function fields(at: number, zone: string): Omit<WallClock, 'weekday'> & { second: number } {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(zone).formatToParts(at)) {
    if (part.type in out) out[part.type as keyof typeof out] = Number(part.value);
  }
  return out;
}
