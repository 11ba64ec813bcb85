import { describe, expect, it } from 'vitest';
import { isoWeek, loadBand, oncallLoad, oncallLoadCsv } from '../../domain/oncall-load.js';
import { NOVEMBER, SINCE, UNTIL } from '../fixtures/analytics/records.js';

const zones: Record<string, string> = { dana: 'Europe/Berlin' };

describe('load bands', () => {
  it.each([
    { at: '2026-11-10T10:00:00Z', zone: 'Europe/Berlin', band: 'businessHours' }, // Tue 11:00
    { at: '2026-11-10T08:00:00Z', zone: 'Europe/Berlin', band: 'businessHours' }, // Tue 09:00, the first minute
    { at: '2026-11-10T16:59:59Z', zone: 'Europe/Berlin', band: 'businessHours' }, // Tue 17:59:59
    { at: '2026-11-10T17:00:00Z', zone: 'Europe/Berlin', band: 'offHours' }, // Tue 18:00
    { at: '2026-11-10T21:00:00Z', zone: 'Europe/Berlin', band: 'night' }, // Tue 22:00
    { at: '2026-11-10T05:59:00Z', zone: 'Europe/Berlin', band: 'night' }, // Tue 06:59
    { at: '2026-11-10T06:00:00Z', zone: 'Europe/Berlin', band: 'offHours' }, // Tue 07:00
    { at: '2026-11-14T12:00:00Z', zone: 'UTC', band: 'offHours' }, // Saturday noon
    { at: '2026-11-15T03:00:00Z', zone: 'UTC', band: 'night' }, // Sunday 03:00
    { at: '2026-11-10T15:00:00Z', zone: 'Asia/Seoul', band: 'night' }, // Wed 00:00 in Seoul
  ])('$at in $zone is $band', ({ at, zone, band }) => {
    expect(loadBand(Date.parse(at), zone)).toBe(band);
  });

  it('names ISO weeks in the local zone', () => {
    expect(isoWeek(Date.parse('2026-11-29T23:59:00Z'), 'UTC')).toBe('2026-W48'); // Sunday
    expect(isoWeek(Date.parse('2026-11-29T23:59:00Z'), 'Europe/Berlin')).toBe('2026-W49'); // already Monday there
  });
});

describe('on-call load over a hand-computed month', () => {
  const load = oncallLoad(NOVEMBER, SINCE, UNTIL, (person) => zones[person]);

  it('counts delivered pages per person, once per step, in their time zone', () => {
    expect(load.people.map((p) => [p.person, p.timezone, p.pages, p.businessHours, p.offHours, p.night])).toEqual([
      // a: L1 (Slack and email at once: one page) Tue 11:00 and its repeat Tue 11:05; b: Thu 04:00; c: Sat 18:30 (Berlin).
      ['dana', 'Europe/Berlin', 4, 2, 1, 1],
      // d: Sun 23:59 and, a walk later, Mon 21:30 (UTC); f's page was in October.
      ['bob', 'UTC', 2, 0, 1, 1],
      // d: Mon 08:30 UTC, to an address outside the directory.
      ['email:ops@example.com', 'UTC', 1, 0, 1, 0],
    ]);
  });

  it('splits each person by ISO week', () => {
    expect(load.people.find((p) => p.person === 'dana')?.weeks).toEqual([
      { week: '2026-W46', pages: 3, businessHours: 2, offHours: 0, night: 1 },
      { week: '2026-W47', pages: 1, businessHours: 0, offHours: 1, night: 0 },
    ]);
    expect(load.people.find((p) => p.person === 'bob')?.weeks.map((w) => [w.week, w.pages])).toEqual([
      ['2026-W48', 1],
      ['2026-W49', 1],
    ]);
  });

  it('writes CSV a line per person and week', () => {
    expect(oncallLoadCsv(load).split('\n')).toEqual([
      'person,timezone,week,pages,business_hours,off_hours,night',
      'dana,Europe/Berlin,2026-W46,3,2,0,1',
      'dana,Europe/Berlin,2026-W47,1,0,1,0',
      'bob,UTC,2026-W48,1,0,0,1',
      'bob,UTC,2026-W49,1,0,1,0',
      'email:ops@example.com,UTC,2026-W47,1,0,1,0',
      '',
    ]);
  });
});
