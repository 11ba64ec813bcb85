import { describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import { parseConfigText } from '../../domain/config-text.js';
import { coverageGaps } from '../../domain/coverage.js';

/**
 * `policy validate --strict`: a level that can reach nobody at some time of the week. The week
 * starts on Monday 2026-01-05 08:00 UTC; alice pages on Slack at any severity, bob only by SMS,
 * which Twilio's default floor keeps for error and critical incidents.
 */
const MONDAY = Date.parse('2026-01-05T08:00:00Z');

const directory = {
  users: [
    { id: 'alice', contacts: [{ channel: 'slack', address: 'U0ALICE' }] },
    { id: 'bob', contacts: [{ channel: 'sms', address: '+15551234567' }] },
    {
      id: 'carol',
      contacts: [
        { channel: 'slack', address: 'U0CAROL', minSeverity: 'critical' },
        { channel: 'email', address: 'c@example.com' },
      ],
    },
  ],
  teams: [
    { id: 'pair', members: ['alice', 'bob'], notify: 'all' },
    { id: 'turns', members: ['alice', 'bob'], notify: 'round-robin' },
  ],
  schedules: [
    { id: 'day-night', timezone: 'UTC', rotation: { members: ['alice', 'bob'], shift: '12h', handoff: '08:00', start: '2026-01-05' } },
    {
      id: 'alice-mostly',
      timezone: 'UTC',
      rotation: { members: ['alice'], shift: '7d', handoff: '08:00', start: '2026-01-05' },
      overrides: [{ user: 'bob', from: '2026-01-07T10:00:00Z', to: '2026-01-07T13:30:00Z' }],
    },
  ],
};

const providers = {
  slack: { token: 'xoxb-1' },
  email: { url: 'smtp://127.0.0.1:2525', from: 'oncall@example.com' },
  twilio: { accountSid: 'AC1', authToken: 't', from: '+15550000000' },
};

function gaps(targets: unknown[], policyExtra: Record<string, unknown> = {}, gates: Record<string, unknown> = {}): string[] {
  const config = Config.parse({ gates, directory, providers, policies: [{ name: 'p', ...policyExtra, levels: [{ targets }] }] });
  return coverageGaps(config, MONDAY).map((gap) => gap.message);
}

describe('levels that can reach nobody (policy validate --strict)', () => {
  it.each([
    {
      name: 'a schedule whose night shift belongs to an SMS-only person, for warnings',
      targets: [{ type: 'schedule', id: 'day-night' }],
      expected:
        /^policy p level 1 reaches nobody for a warning incident from 2026-01-05T20:00Z to 2026-01-06T08:00Z \(schedule "day-night" has bob on call \(rotation\): bob's sms \+15551234567 pages error and above\)/,
    },
    {
      name: 'an override handing an always-covered schedule to that person for an afternoon',
      targets: [{ type: 'schedule', id: 'alice-mostly' }],
      expected: /from 2026-01-07T10:00Z to 2026-01-07T13:30Z \(schedule "alice-mostly" has bob on call \(override\)/,
    },
    {
      name: 'a round-robin team with one member out of reach',
      targets: [{ type: 'team', id: 'turns' }],
      expected: /from 2026-01-05T08:00Z to 2026-01-12T08:00Z \(team "turns" \(round-robin\): bob's sms/,
    },
    {
      name: 'a phone target below its floor',
      targets: [{ type: 'phone', address: '+15557654321' }],
      expected: /for a warning incident from 2026-01-05T08:00Z to 2026-01-12T08:00Z \(sms \+15557654321 pages error and above\)/,
    },
  ])('warns about $name', ({ targets, expected }) => {
    const found = gaps(targets);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
    expect(found[0]).toMatch(/add a target that is always reachable, or a contact that pages warning incidents$/);
  });

  it.each([
    {
      name: 'the same schedule when the policy runs only critical incidents',
      targets: [{ type: 'schedule', id: 'day-night' }],
      extra: { severities: ['critical'] },
    },
    { name: 'the same schedule with a log target beside it', targets: [{ type: 'schedule', id: 'day-night' }, { type: 'log' }] },
    { name: 'a team paging everyone, one of whom is always reachable', targets: [{ type: 'team', id: 'pair' }] },
    { name: 'a user whose floor skips one contact but not the other', targets: [{ type: 'user', id: 'carol' }] },
    {
      name: 'a phone target whose own floor lets warnings through',
      targets: [{ type: 'phone', address: '+15557654321', minSeverity: 'warning' }],
    },
  ])('stays quiet for $name', ({ targets, extra }) => {
    expect(gaps(targets, extra)).toEqual([]);
  });

  it('judges at the least severe incident the gates let through', () => {
    expect(gaps([{ type: 'schedule', id: 'day-night' }], {}, { minSeverity: 'error' })).toEqual([]);
  });

  it('is reported by parseConfigText only when asked, with the line of the level', () => {
    const text = [
      'directory:',
      '  users: [{ id: bob, contacts: [{ channel: sms, address: "+15551234567" }] }]',
      'providers:',
      '  twilio: { accountSid: AC1, authToken: t, from: "+15550000000" }',
      'policies:',
      '  - name: p',
      '    levels:',
      '      - targets: [{ type: user, id: bob }]',
      '',
    ].join('\n');
    const plain = parseConfigText(text, {});
    const strict = parseConfigText(text, {}, 'yaml', { strictAt: MONDAY });
    expect(plain.ok && plain.warnings).toEqual([]);
    expect(strict.ok && strict.warnings).toEqual([
      expect.objectContaining({ path: 'policies[0].levels[0].targets', line: 8, message: expect.stringContaining("bob's sms") }),
    ]);
  });
});
