import { Settings } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { Schedule } from '../../domain/config.js';
import { onCallAt } from '../../domain/oncall.js';

/** Who is on call, as pure table tests: the schedule and the instant in, a person out. */

const at = (iso: string) => Date.parse(iso);

function schedule(raw: Record<string, unknown>): Schedule {
  return Schedule.parse({ id: 'primary', ...raw });
}

describe('a daily rotation in America/New_York across daylight-saving changes', () => {
  // 09:00 local every day: 14:00Z in winter (EST), 13:00Z from 2026-03-08 (EDT).
  const daily = schedule({
    timezone: 'America/New_York',
    rotation: { members: ['alice', 'bob', 'carol'], shift: '24h', handoff: '09:00', start: '2026-03-05' },
  });

  it.each([
    ['2026-03-05T14:00:00Z', 'alice'],
    ['2026-03-06T13:59:59Z', 'alice'],
    ['2026-03-06T14:00:00Z', 'bob'],
    ['2026-03-07T14:00:00Z', 'carol'],
    // Clocks spring forward at 02:00 on 2026-03-08: carol's shift is 23 hours long.
    ['2026-03-08T12:59:59Z', 'carol'],
    ['2026-03-08T13:00:00Z', 'alice'],
    ['2026-03-09T13:00:00Z', 'bob'],
  ])('at %s %s is on call (handoff stays at 09:00 New York time)', (iso, user) => {
    expect(onCallAt(daily, at(iso))).toEqual({ user, source: 'rotation' });
  });

  // 12h shifts at 08:00 and 20:00 local; clocks fall back at 02:00 on 2026-11-01.
  const twelve = schedule({
    timezone: 'America/New_York',
    rotation: { members: ['alice', 'bob'], shift: '12h', handoff: '08:00', start: '2026-10-30' },
  });

  it.each([
    ['2026-10-31T12:00:00Z', 'alice'], // 08:00 EDT
    ['2026-11-01T00:00:00Z', 'bob'], // 20:00 EDT: the night shift that gains an hour
    ['2026-11-01T06:30:00Z', 'bob'], // 01:30 EST, the repeated hour
    ['2026-11-01T12:59:59Z', 'bob'], // 07:59:59 EST
    ['2026-11-01T13:00:00Z', 'alice'], // 08:00 EST: 13 hours after bob took over
    ['2026-11-02T01:00:00Z', 'bob'], // 20:00 EST
  ])('at %s %s is on call in a 12h rotation across the fall-back night', (iso, user) => {
    expect(onCallAt(twelve, at(iso)).user).toBe(user);
  });
});

describe('overrides', () => {
  const withOverride = schedule({
    timezone: 'America/New_York',
    rotation: { members: ['alice', 'bob'], shift: '24h', handoff: '09:00', start: '2026-03-05' },
    overrides: [{ user: 'dave', from: '2026-03-07T20:00:00-05:00', to: '2026-03-08T10:00:00-04:00' }],
  });

  it.each([
    ['2026-03-08T00:59:59Z', 'alice', 'rotation'], // 19:59:59 EST, before the override
    ['2026-03-08T01:00:00Z', 'dave', 'override'], // 20:00 EST, from is inclusive
    ['2026-03-08T13:30:00Z', 'dave', 'override'], // 09:30 EDT: the override outlasts the 09:00 handoff
    ['2026-03-08T14:00:00Z', 'bob', 'rotation'], // 10:00 EDT, to is exclusive: the rotation is back
  ])('at %s %s is on call (%s)', (iso, user, source) => {
    expect(onCallAt(withOverride, at(iso))).toEqual({ user, source });
  });
});

describe("handoffs at the schedule's own time zone", () => {
  afterEach(() => {
    Settings.defaultZone = 'system';
  });

  // 09:00 in Tokyo is 00:00Z; the same rotation in UTC hands over nine hours later.
  const rotation = { members: ['alice', 'bob'], shift: '24h', handoff: '09:00', start: '2026-01-05' };
  const tokyo = schedule({ timezone: 'Asia/Tokyo', rotation });
  const utc = schedule({ timezone: 'UTC', rotation });

  it('hands over at 09:00 Tokyo time, not at 09:00 UTC', () => {
    expect(onCallAt(tokyo, at('2026-01-05T23:59:59Z')).user).toBe('alice');
    expect(onCallAt(tokyo, at('2026-01-06T00:00:00Z')).user).toBe('bob');
    expect(onCallAt(utc, at('2026-01-06T00:00:00Z')).user).toBe('alice');
    expect(onCallAt(utc, at('2026-01-06T09:00:00Z')).user).toBe('bob');
  });

  it("gives the same answer whatever the worker machine's time zone", () => {
    const instants = ['2026-01-05T23:59:59Z', '2026-01-06T00:00:00Z', '2026-01-06T12:00:00Z'];
    const before = instants.map((iso) => onCallAt(tokyo, at(iso)).user);
    Settings.defaultZone = 'Pacific/Honolulu';
    expect(instants.map((iso) => onCallAt(tokyo, at(iso)).user)).toEqual(before);
  });
});
