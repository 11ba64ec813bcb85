import { describe, expect, it } from 'vitest';
import { Schedule } from '../../domain/config.js';
import { nextOnCallAt, onCallAt, shiftIndex, shiftStart } from '../../domain/oncall.js';

/** `next: true` on a schedule target: who is on call after the current one, as pure table tests. */

describe('a schedule target with next: true', () => {
  const weekly = Schedule.parse({
    id: 'primary',
    timezone: 'Europe/Berlin',
    rotation: { members: ['al', 'bo', 'cy'], shift: '7d', handoff: '09:00', start: '2026-01-05' },
    overrides: [{ user: 'dee', from: '2026-01-19T08:00:00Z', to: '2026-01-26T08:00:00Z' }],
  });
  const at = (iso: string) => Date.parse(iso);

  it.each([
    ['2026-01-06T12:00:00Z', 'al', 'bo', '2026-01-12T08:00:00.000Z'],
    ['2026-01-12T07:59:59Z', 'al', 'bo', '2026-01-12T08:00:00.000Z'],
    ['2026-01-12T08:00:00Z', 'bo', 'dee', '2026-01-19T08:00:00.000Z'],
    // dee overrides cy's week: the person after dee is al, next week.
    ['2026-01-20T08:00:00Z', 'dee', 'al', '2026-01-26T08:00:00.000Z'],
  ])('at %s the on-call is %s and next is %s from %s', (iso, now, next, from) => {
    expect(onCallAt(weekly, at(iso)).user).toBe(now);
    const answer = nextOnCallAt(weekly, at(iso));
    expect(answer.user).toBe(next);
    expect(new Date(answer.from).toISOString()).toBe(from);
  });

  it.each([
    ['24h', '2026-03-05', 'America/New_York'],
    ['12h', '2026-10-30', 'America/New_York'],
    ['8h', '2026-03-27', 'Europe/Berlin'],
    ['10h', '2026-01-05', 'UTC'],
  ])('shiftStart is shiftIndex’s inverse for %s shifts from %s in %s (daylight-saving changes included)', (shift, start, timezone) => {
    const schedule = Schedule.parse({ id: 's', timezone, rotation: { members: ['al', 'bo'], shift, handoff: '08:00', start } });
    for (let index = -3; index < 60; index += 1) {
      const from = shiftStart(schedule, index);
      expect(shiftIndex(schedule, from)).toBe(index);
      expect(shiftIndex(schedule, from - 1)).toBe(index - 1);
    }
  });

  it('answers the one person of a one-person rotation', () => {
    const solo = Schedule.parse({
      id: 's',
      timezone: 'UTC',
      rotation: { members: ['al'], shift: '1d', handoff: '00:00', start: '2026-01-01' },
    });
    expect(nextOnCallAt(solo, at('2026-02-01T12:00:00Z')).user).toBe('al');
  });
});
