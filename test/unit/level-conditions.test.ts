import { describe, expect, it } from 'vitest';
import { conditionZone, failedCondition, isWithin, parseBetween } from '../../domain/level-conditions.js';
import { LevelWhen } from '../../domain/level-schemas.js';
import type { Severity } from '../../domain/severity-order.js';

// A level's `when`: every condition read at the level's due time. 2026-12-05 is a Saturday.

const when = (raw: Record<string, unknown>) => LevelWhen.parse(raw);
const check = (raw: Record<string, unknown>, iso: string, severity: Severity = 'error', occurrences = 1, defaultZone = 'UTC') =>
  failedCondition(when(raw), { at: Date.parse(iso), severity, occurrences, defaultZone });

describe('between: a time range that may wrap midnight', () => {
  it.each([
    ['00:00-08:00', { start: 0, end: 480 }],
    ['22:00-06:00', { start: 1320, end: 360 }],
    [' 09:30 - 17:45 ', { start: 570, end: 1065 }],
  ])('reads %s as minutes after midnight', (text, range) => {
    expect(parseBetween(text)).toEqual(range);
  });

  it.each([
    ['8:00-09:00', 'is not a time range'],
    ['24:00-01:00', 'is not a time range'],
    ['09:00', 'is not a time range'],
    ['09:00-10:00-11:00', 'is not a time range'],
    ['09:00-09:00', 'starts and ends at the same time; leave between out'],
  ])('refuses %s, saying why', (text, message) => {
    expect(parseBetween(text)).toContain(message);
  });

  it.each([
    ['inside a daytime range', '09:00-17:00', 9 * 60, true],
    ['its start is inside', '09:00-17:00', 9 * 60, true],
    ['its end is outside', '09:00-17:00', 17 * 60, false],
    ['before a daytime range', '09:00-17:00', 8 * 60 + 59, false],
    ['late evening in an overnight range', '22:00-06:00', 23 * 60 + 30, true],
    ['early morning in an overnight range', '22:00-06:00', 5 * 60 + 59, true],
    ['the overnight range ends at its end', '22:00-06:00', 6 * 60, false],
    ['daytime is outside an overnight range', '22:00-06:00', 21 * 60 + 59, false],
  ])('%s', (_title, text, minute, inside) => {
    const range = parseBetween(text);
    if (typeof range === 'string') throw new Error(range);
    expect(isWithin(range, minute)).toBe(inside);
  });
});

describe('failedCondition: the first condition that does not hold, as the timeline says it', () => {
  it.each([
    ['days hold on a listed day', { days: ['sat', 'sun'] }, '2026-12-05T12:00:00Z', undefined],
    ['days fail on another day', { days: ['sat', 'sun'] }, '2026-12-02T12:00:00Z', 'days: not on sat, sun (it is wed 12:00 UTC)'],
    // Saturday 23:30 UTC is Sunday 00:30 in Berlin: the day is read in the condition's zone.
    [
      'days are read in the timezone',
      { days: ['sat'], timezone: 'Europe/Berlin' },
      '2026-12-05T23:30:00Z',
      'days: not on sat (it is sun 00:30 Europe/Berlin)',
    ],
    ['between holds inside the range', { between: '00:00-08:00', timezone: 'Europe/Berlin' }, '2026-12-05T06:30:00Z', undefined],
    [
      'between fails outside the range, in local time',
      { between: '00:00-08:00', timezone: 'Europe/Berlin' },
      '2026-12-05T07:30:00Z',
      'between: not between 00:00-08:00 (it is 08:30 Europe/Berlin)',
    ],
    ['an overnight range holds after midnight', { between: '22:00-06:00' }, '2026-12-05T03:00:00Z', undefined],
    ['an overnight range holds before midnight', { between: '22:00-06:00' }, '2026-12-05T22:15:00Z', undefined],
    [
      'days and between are each read at the due time',
      { days: ['sat'], between: '22:00-06:00' },
      '2026-12-06T02:00:00Z',
      'days: not on sat (it is sun 02:00 UTC)',
    ],
    // New York is UTC-4 in July and UTC-5 in December: 12:00 UTC is 08:00 and 07:00 on the wall clock.
    [
      'summer time moves the wall clock (inside)',
      { between: '07:30-09:00', timezone: 'America/New_York' },
      '2026-07-01T12:00:00Z',
      undefined,
    ],
    [
      'winter time moves the wall clock (outside)',
      { between: '07:30-09:00', timezone: 'America/New_York' },
      '2026-12-01T12:00:00Z',
      'between: not between 07:30-09:00 (it is 07:00 America/New_York)',
    ],
    ['minSeverity holds at or above it', { minSeverity: 'error' }, '2026-12-05T12:00:00Z', undefined],
    [
      'every condition holds together',
      { days: ['sat'], between: '10:00-14:00', minSeverity: 'warning', minOccurrences: 1 },
      '2026-12-05T12:00:00Z',
      undefined,
    ],
  ])('%s', (_title, raw, iso, expected) => {
    expect(check(raw, iso)).toBe(expected);
  });

  it('fails minSeverity below it, naming both severities (aliases read as the severity)', () => {
    expect(check({ minSeverity: 'p2' }, '2026-12-05T12:00:00Z', 'warning')).toBe('minSeverity: severity warning is below error');
    expect(check({ minSeverity: 'error' }, '2026-12-05T12:00:00Z', 'critical')).toBeUndefined();
  });

  it('fails minOccurrences until enough alerts were counted', () => {
    expect(check({ minOccurrences: 3 }, '2026-12-05T12:00:00Z', 'error', 2)).toBe('minOccurrences: 2 occurrence(s) so far, fewer than 3');
    expect(check({ minOccurrences: 3 }, '2026-12-05T12:00:00Z', 'error', 3)).toBeUndefined();
  });

  it('reads days and between in the default zone when the condition names none', () => {
    // 12:00 UTC is 21:00 in Seoul.
    expect(check({ between: '09:00-18:00' }, '2026-12-05T12:00:00Z', 'error', 1, 'Asia/Seoul')).toBe(
      'between: not between 09:00-18:00 (it is 21:00 Asia/Seoul)',
    );
  });

  it.each([
    ['its own zone first', { timezone: 'Asia/Tokyo' }, 'Europe/Berlin', 'Asia/Tokyo'],
    ['else the business hours zone', {}, 'Europe/Berlin', 'Europe/Berlin'],
    ['else UTC', {}, undefined, 'UTC'],
  ])('conditionZone: %s', (_title, raw, hoursZone, zone) => {
    expect(conditionZone(raw, hoursZone)).toBe(zone);
  });
});

describe('the when schema', () => {
  it.each([
    [{ between: '8-9' }, 'between', 'is not a time range'],
    [{ timezone: 'Europe/Berln' }, 'timezone', 'is not an IANA time zone; did you mean Europe/Berlin?'],
    [{ minSeverity: 'sev1' }, 'minSeverity', 'is not a severity'],
    [{ days: ['saturday'] }, 'days', 'must be a weekday'],
    [{ days: [] }, 'days', 'list at least one weekday'],
    [{ minOccurrences: 0 }, 'minOccurrences', 'counts start at 1'],
    [{ minutes: 5 }, '', 'Unrecognized key'],
  ])('refuses %j, naming %s', (raw, field, message) => {
    const result = LevelWhen.safeParse(raw);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path[0] ?? '').toBe(field);
    expect(issue?.message).toContain(message);
  });
});
