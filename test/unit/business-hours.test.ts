import { describe, expect, it } from 'vitest';
import { holdUntil, isOpen, nextOpening } from '../../domain/business-hours.js';
import { isValidTimeZone, wallClock, zonedInstant } from '../../domain/zoned-time.js';
import { BusinessHours } from '../../domain/policy.js';

const hours = (extra: Partial<Record<keyof BusinessHours, unknown>> = {}) =>
  BusinessHours.parse({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00', timezone: 'Asia/Seoul', ...extra });
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('business hours', () => {
  it.each([
    ['2026-03-10T10:00:00+09:00', true],
    ['2026-03-10T08:59:00+09:00', false],
    ['2026-03-10T09:00:00+09:00', true],
    ['2026-03-10T18:00:00+09:00', false],
    ['2026-03-07T10:00:00+09:00', false],
  ])('Seoul weekdays 09:00-18:00 at %s: open is %s', (instant, open) => {
    expect(isOpen(hours(), at(instant))).toBe(open);
  });

  it('holds an incident raised on Saturday until Monday 09:00 in the policy time zone', () => {
    expect(iso(nextOpening(hours(), at('2026-03-07T10:00:00+09:00')))).toBe('2026-03-09T00:00:00.000Z');
  });

  it('answers the instant itself while open', () => {
    expect(nextOpening(hours(), at('2026-03-10T10:00:00+09:00'))).toBe(at('2026-03-10T10:00:00+09:00'));
  });

  it('opens later the same day before the start, and the next day after the end', () => {
    expect(iso(nextOpening(hours(), at('2026-03-10T07:00:00+09:00')))).toBe('2026-03-10T00:00:00.000Z');
    expect(iso(nextOpening(hours(), at('2026-03-10T19:00:00+09:00')))).toBe('2026-03-11T00:00:00.000Z');
  });

  it('reads the same instant in each policy’s own time zone', () => {
    const instant = at('2026-03-10T01:00:00Z'); // 10:00 in Seoul, 21:00 the evening before in New York
    expect(isOpen(hours(), instant)).toBe(true);
    expect(isOpen(hours({ timezone: 'America/New_York' }), instant)).toBe(false);
  });

  it('keeps 09:00 on the wall clock across the spring-forward weekend (New York, 8 March 2026)', () => {
    const ny = hours({ timezone: 'America/New_York' });
    // Friday 18:00 EST; Monday 09:00 is EDT (UTC-4), not EST.
    expect(iso(nextOpening(ny, at('2026-03-06T18:00:00-05:00')))).toBe('2026-03-09T13:00:00.000Z');
  });

  it('keeps 09:00 on the wall clock across the fall-back weekend (Berlin, 25 October 2026)', () => {
    const berlin = hours({ timezone: 'Europe/Berlin' });
    expect(iso(nextOpening(berlin, at('2026-10-24T12:00:00+02:00')))).toBe('2026-10-26T08:00:00.000Z');
  });

  it('opens just after the gap when the start falls in the skipped hour', () => {
    const sunday = hours({ days: ['sun'], start: '02:30', end: '05:00', timezone: 'America/New_York' });
    expect(iso(nextOpening(sunday, at('2026-03-07T12:00:00-05:00')))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('wraps the week: a Sunday-only window seen on Monday opens six days later', () => {
    const sunday = hours({ days: ['sun'] });
    expect(iso(nextOpening(sunday, at('2026-03-09T10:00:00+09:00')))).toBe('2026-03-15T00:00:00.000Z');
  });

  it('treats start after end as an overnight window belonging to its start day', () => {
    const nights = hours({ days: ['fri'], start: '22:00', end: '06:00' });
    expect(isOpen(nights, at('2026-03-13T23:00:00+09:00'))).toBe(true);
    expect(isOpen(nights, at('2026-03-14T05:59:00+09:00'))).toBe(true);
    expect(isOpen(nights, at('2026-03-14T06:00:00+09:00'))).toBe(false);
    expect(isOpen(nights, at('2026-03-12T23:00:00+09:00'))).toBe(false);
    expect(iso(nextOpening(nights, at('2026-03-14T07:00:00+09:00')))).toBe('2026-03-20T13:00:00.000Z');
  });

  it('treats start equal to end as open all day on the listed days', () => {
    const allDay = hours({ days: ['sat', 'sun'], start: '00:00', end: '00:00' });
    expect(isOpen(allDay, at('2026-03-07T03:00:00+09:00'))).toBe(true);
    expect(iso(nextOpening(allDay, at('2026-03-09T03:00:00+09:00')))).toBe('2026-03-13T15:00:00.000Z');
  });

  it('lets a bypassing severity page at once and holds the others', () => {
    const h = hours({ bypassSeverities: ['critical'] });
    const saturday = at('2026-03-07T10:00:00+09:00');
    expect(holdUntil(h, 'critical', saturday)).toBe(saturday);
    expect(iso(holdUntil(h, 'error', saturday))).toBe('2026-03-09T00:00:00.000Z');
    expect(holdUntil(undefined, 'info', saturday)).toBe(saturday);
  });

  it('refuses a time zone that does not exist when the config loads', () => {
    expect(BusinessHours.safeParse({ days: ['mon'], start: '09:00', end: '18:00', timezone: 'Mars/Olympus' }).success).toBe(false);
  });
});

describe('wall-clock time without a date library', () => {
  it.each([
    ['Europe/Berlin', true],
    ['America/Argentina/Buenos_Aires', true],
    ['UTC', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
    ['Europe/berlin ', false],
  ])('knows whether %s is a time zone: %s', (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });

  it.each([
    // zone, wall clock, instant
    ['Asia/Seoul', '2026-03-10 09:00', '2026-03-10T00:00:00.000Z'],
    ['America/New_York', '2026-03-08 01:59', '2026-03-08T06:59:00.000Z'],
    ['America/New_York', '2026-03-08 02:30', '2026-03-08T07:30:00.000Z'], // in the skipped hour: moved forward by the gap
    ['America/New_York', '2026-03-08 03:00', '2026-03-08T07:00:00.000Z'],
    ['Europe/Berlin', '2026-10-25 02:30', '2026-10-25T00:30:00.000Z'], // twice that night: the earlier one
    ['Europe/Berlin', '2026-10-25 03:00', '2026-10-25T02:00:00.000Z'],
    ['Australia/Lord_Howe', '2026-10-04 02:15', '2026-10-03T15:45:00.000Z'], // a half-hour shift
  ])('in %s, %s is %s', (zone, local, instant) => {
    const [date = '', clock = ''] = local.split(' ');
    const [year = 0, month = 0, day = 0] = date.split('-').map(Number);
    const [hour = 0, minute = 0] = clock.split(':').map(Number);
    expect(new Date(zonedInstant({ year, month, day, hour, minute }, zone)).toISOString()).toBe(instant);
  });

  it('reads the wall clock and ISO weekday of an instant', () => {
    expect(wallClock(Date.parse('2026-03-08T07:30:00Z'), 'America/New_York')).toEqual({
      year: 2026,
      month: 3,
      day: 8,
      hour: 3,
      minute: 30,
      weekday: 7,
    });
    expect(wallClock(Date.parse('2026-12-31T23:30:00Z'), 'Asia/Tokyo')).toMatchObject({ year: 2027, month: 1, day: 1, weekday: 5 });
  });
});
