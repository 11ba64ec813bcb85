import { DateTime } from 'luxon';
import type { Schedule } from './config.js';

/**
 * Who is on call for a schedule at an instant. Pure (goalert's `oncall/`): the caller passes the
 * time, so tables of instants test it.
 *
 * The rotation's first shift starts on `rotation.start` at `rotation.handoff`, local time in the
 * schedule's time zone, with `members[0]`; each shift lasts `rotation.shift` and hands over to the
 * next member, wrapping around. Handoffs stay on the local clock across daylight-saving changes
 * when the shift is whole days (`24h`, `7d`) or divides a day (`12h`, `8h`): a 12h rotation hands
 * over at 08:00 and 20:00 all year, and the shift spanning the change is an hour longer or shorter.
 * Other lengths (`10h`) count fixed hours from the first handoff. Instants before the start extend
 * the rotation backwards.
 *
 * Overrides win: the first override whose `[from, to)` holds the instant names the person.
 */

export interface OnCall {
  user: string;
  source: 'override' | 'rotation';
}

const DAY_MS = 86_400_000;

export function onCallAt(schedule: Schedule, at: number): OnCall {
  const override = schedule.overrides?.find((o) => Date.parse(o.from) <= at && at < Date.parse(o.to));
  if (override) return { user: override.user, source: 'override' };

  const { members } = schedule.rotation;
  const index = shiftIndex(schedule, at);
  const user = members[((index % members.length) + members.length) % members.length];
  if (user === undefined) throw new Error(`schedule "${schedule.id}" has no rotation members`);
  return { user, source: 'rotation' };
}

/** The number of the shift holding `at`: 0 is the first shift, negative before the start. */
export function shiftIndex(schedule: Schedule, at: number): number {
  const { shift, start, handoff } = schedule.rotation;
  const first = DateTime.fromISO(`${start}T${handoff}`, { zone: schedule.timezone });
  if (!first.isValid) {
    throw new Error(
      `schedule "${schedule.id}": cannot place ${start} ${handoff} in time zone "${schedule.timezone}" ` +
        `(${first.invalidExplanation ?? first.invalidReason}); use an IANA zone such as America/Chicago`,
    );
  }
  if (shift % DAY_MS === 0) {
    return Math.floor(handoffDay(first, at) / (shift / DAY_MS));
  }
  if (DAY_MS % shift === 0) {
    const day = handoffDay(first, at);
    const dayStart = first.plus({ days: day }).toMillis();
    const perDay = DAY_MS / shift;
    // A day with a daylight-saving change is 23 or 25 hours: its last shift absorbs the difference.
    const slot = Math.min(perDay - 1, Math.floor((at - dayStart) / shift));
    return day * perDay + slot;
  }
  return Math.floor((at - first.toMillis()) / shift);
}

/** Days since the first handoff, counted on the local calendar, from handoff to handoff. */
function handoffDay(first: DateTime, at: number): number {
  const local = DateTime.fromMillis(at, { zone: first.zone });
  let day = Math.round(local.startOf('day').diff(first.startOf('day'), 'days').days);
  if (at < first.plus({ days: day }).toMillis()) day -= 1;
  return day;
}

/** The first instant of shift `index` (shiftIndex's inverse): handoffs on the local clock as above. */
export function shiftStart(schedule: Schedule, index: number): number {
  const { shift, start, handoff } = schedule.rotation;
  const first = DateTime.fromISO(`${start}T${handoff}`, { zone: schedule.timezone });
  if (shift % DAY_MS === 0) return first.plus({ days: index * (shift / DAY_MS) }).toMillis();
  if (DAY_MS % shift === 0) {
    const perDay = DAY_MS / shift;
    const day = Math.floor(index / perDay);
    return first.plus({ days: day }).toMillis() + (index - day * perDay) * shift;
  }
  return first.toMillis() + index * shift;
}

/**
 * Who is on call after the person on call at `at` (a schedule target's `next: true`): the person
 * at the start of the next shift, overrides applied as they will be then. When that is the same
 * person (an override spanning the handoff) the shifts after it are asked, up to one full turn of
 * the rotation; a rotation of one answers that one person. `from` is when their shift starts.
 */
export function nextOnCallAt(schedule: Schedule, at: number): OnCall & { from: number } {
  const now = onCallAt(schedule, at).user;
  const index = shiftIndex(schedule, at);
  let answer: (OnCall & { from: number }) | undefined;
  for (let ahead = 1; ahead <= schedule.rotation.members.length + 1; ahead += 1) {
    const from = shiftStart(schedule, index + ahead);
    const then = onCallAt(schedule, from);
    answer ??= { ...then, from };
    if (then.user !== now) return { ...then, from };
  }
  if (!answer) throw new Error(`schedule "${schedule.id}" has no rotation members`);
  return answer;
}
