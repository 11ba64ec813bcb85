import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { resolveLevel, resolveTargets } from '../../activities/resolve-targets.js';
import { onCallAt } from '../../domain/oncall.js';
import { Directory } from '../../domain/config.js';
import type { ResolveTargetsRequest } from '../../domain/delivery.js';
import type { Target } from '../../domain/policy.js';

function directory() {
  return Directory.parse({
    users: [
      {
        id: 'alice',
        name: 'Alice Kim',
        contacts: [
          { channel: 'slack', address: 'U-ALICE' },
          { channel: 'email', address: 'alice@example.com' },
        ],
      },
      {
        id: 'bob',
        contacts: [
          { channel: 'slack', address: 'U-BOB' },
          { channel: 'email', address: 'bob@example.com' },
          { channel: 'sms', address: '+15550000002' },
        ],
        rules: [
          { after: '0s', channels: ['slack', 'email'] },
          { after: '2m', channels: ['sms'] },
        ],
      },
      { id: 'carol', contacts: [{ channel: 'email', address: 'carol@example.com' }] },
      { id: 'dave', contacts: [{ channel: 'email', address: 'dave@example.com' }] },
      { id: 'erin', contacts: [{ channel: 'email', address: 'erin@example.com' }], rules: [{ channels: ['sms'] }] },
    ],
    teams: [
      { id: 'sre', members: ['alice', 'bob'] },
      { id: 'db', members: ['alice', 'carol'] },
      { id: 'rota', members: ['alice', 'bob', 'carol', 'dave'], notify: 'round-robin' },
    ],
    schedules: [
      {
        id: 'primary',
        timezone: 'America/Chicago',
        rotation: { members: ['alice', 'bob', 'carol'], shift: '12h', handoff: '08:00', start: '2026-01-05' },
        overrides: [{ user: 'dave', from: '2026-01-06T12:00:00Z', to: '2026-01-06T18:00:00Z' }],
      },
      {
        id: 'weekly',
        timezone: 'Europe/Berlin',
        rotation: { members: ['alice', 'bob'], shift: '7d', handoff: '09:00', start: '2026-01-05' },
      },
    ],
  });
}

function request(targets: Target[], overrides: Partial<ResolveTargetsRequest> = {}): ResolveTargetsRequest {
  return { workflowId: 'incident-db-down', level: 0, targets, at: Date.parse('2026-01-05T15:00:00Z'), ...overrides };
}

function addresses(targets: Target[], overrides: Partial<ResolveTargetsRequest> = {}): string[] {
  return resolveTargets(directory(), request(targets, overrides)).map((d) => `${d.channel}:${d.address}`);
}

function refusal(targets: Target[]): ApplicationFailure {
  try {
    resolveTargets(directory(), request(targets));
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }
  throw new Error('expected resolveTargets to throw');
}

describe('resolveTargets for users', () => {
  it('notifies every contact of a user without rules at once', () => {
    expect(resolveTargets(directory(), request([{ type: 'user', id: 'alice' }]))).toEqual([
      { target: 'user:alice', channel: 'slack', address: 'U-ALICE', recipient: 'alice' },
      { target: 'user:alice', channel: 'email', address: 'alice@example.com', recipient: 'alice' },
    ]);
  });

  it("follows a user's rules, delaying later channels by the rule's after", () => {
    expect(resolveTargets(directory(), request([{ type: 'user', id: 'bob' }]))).toEqual([
      { target: 'user:bob', channel: 'slack', address: 'U-BOB', recipient: 'bob' },
      { target: 'user:bob', channel: 'email', address: 'bob@example.com', recipient: 'bob' },
      { target: 'user:bob', channel: 'sms', address: '+15550000002', recipient: 'bob', afterMs: 120_000 },
    ]);
  });

  it('refuses a user whose rules match none of their contacts', () => {
    const failure = refusal([{ type: 'user', id: 'erin' }]);
    expect(failure.type).toBe('ProviderNotConfigured');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('user "erin"');
  });
});

describe('resolveTargets for teams', () => {
  it('notifies every member of a notify-all team under the team label', () => {
    const deliveries = resolveTargets(directory(), request([{ type: 'team', id: 'sre' }]));
    expect(deliveries.map((d) => [d.target, d.recipient, d.channel])).toEqual([
      ['team:sre', 'alice', 'slack'],
      ['team:sre', 'alice', 'email'],
      ['team:sre', 'bob', 'slack'],
      ['team:sre', 'bob', 'email'],
      ['team:sre', 'bob', 'sms'],
    ]);
  });

  it('picks the same round-robin member every time for one incident and level', () => {
    const first = resolveTargets(directory(), request([{ type: 'team', id: 'rota' }]));
    expect(new Set(first.map((d) => d.recipient)).size).toBe(1);
    for (let i = 0; i < 5; i++) expect(resolveTargets(directory(), request([{ type: 'team', id: 'rota' }]))).toEqual(first);
    expect(addresses([{ type: 'team', id: 'rota' }], { level: 1 })).toEqual(addresses([{ type: 'team', id: 'rota' }], { level: 1 }));
  });

  it('spreads round-robin picks across incidents and levels', () => {
    const picked = new Set<string | undefined>();
    for (let i = 0; i < 40; i++) {
      const [delivery] = resolveTargets(
        directory(),
        request([{ type: 'team', id: 'rota' }], { workflowId: `incident-${i}`, level: i % 3 }),
      );
      picked.add(delivery?.recipient);
    }
    expect(picked.size).toBeGreaterThan(2);
  });
});

describe('resolveTargets deduplication', () => {
  it('pages a person in two teams once, under the first target', () => {
    const deliveries = resolveTargets(
      directory(),
      request([
        { type: 'team', id: 'db' },
        { type: 'team', id: 'sre' },
        { type: 'user', id: 'alice' },
      ]),
    );
    const alice = deliveries.filter((d) => d.recipient === 'alice');
    expect(alice.map((d) => [d.target, d.channel])).toEqual([
      ['team:db', 'slack'],
      ['team:db', 'email'],
    ]);
    expect(deliveries.map((d) => d.address)).toEqual([
      'U-ALICE',
      'alice@example.com',
      'carol@example.com',
      'U-BOB',
      'bob@example.com',
      '+15550000002',
    ]);
  });

  it('keeps the earliest afterMs when duplicates disagree', () => {
    const deliveries = resolveTargets(
      directory(),
      request([
        { type: 'user', id: 'bob' },
        { type: 'phone', address: '+15550000002' },
      ]),
    );
    const sms = deliveries.filter((d) => d.channel === 'sms');
    expect(sms).toEqual([{ target: 'user:bob', channel: 'sms', address: '+15550000002', recipient: 'bob' }]);
  });
});

describe('resolveTargets for direct targets', () => {
  it('maps each address target to its channel', () => {
    const deliveries = resolveTargets(
      directory(),
      request([
        { type: 'channel', id: '#alerts', provider: 'slack' },
        { type: 'email', address: 'ops@example.com' },
        { type: 'phone', address: '+15551234567' },
        { type: 'webhook', url: 'https://hooks.example.com/page' },
        { type: 'pagerduty' },
        { type: 'pagerduty', routingKey: 'R0UT1NG' },
        { type: 'opsgenie' },
        { type: 'opsgenie', responders: [{ type: 'team', name: 'ops' }] },
        { type: 'log' },
      ]),
    );
    expect(deliveries.map((d) => [d.target, d.channel, d.address])).toEqual([
      ['channel:slack:#alerts', 'slack', '#alerts'],
      ['email:ops@example.com', 'email', 'ops@example.com'],
      ['phone:+15551234567', 'sms', '+15551234567'],
      ['webhook:https://hooks.example.com/page', 'webhook', 'https://hooks.example.com/page'],
      ['pagerduty:default', 'pagerduty', 'default'],
      ['pagerduty:custom-key', 'pagerduty', 'R0UT1NG'],
      ['opsgenie:default', 'opsgenie', 'default'],
      ['opsgenie:team=ops', 'opsgenie', '[{"type":"team","name":"ops"}]'],
      ['log:default', 'log', 'default'],
    ]);
  });
});

describe('resolveTargets for unknown ids', () => {
  it.each([
    ['user', 'nobody', 'directory.users'],
    ['team', 'ghosts', 'directory.teams'],
    ['schedule', 'nights', 'directory.schedules'],
  ] as const)('refuses an unknown %s without retrying, naming it and escalation.yaml', (type, id, where) => {
    const failure = refusal([{ type, id }]);
    expect(failure.type).toBe('ProviderNotConfigured');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`${type} "${id}"`);
    expect(failure.message).toContain(where);
    expect(failure.message).toContain('escalation.yaml');
    expect(failure.message).toContain('incident-db-down');
  });
});

describe('resolveLevel: each target on its own', () => {
  it('pages the targets it can resolve and names the one it cannot, with the reason', () => {
    const level = resolveLevel(
      directory(),
      request([
        { type: 'user', id: 'nobody' },
        { type: 'user', id: 'alice' },
      ]),
    );
    expect(level.deliveries.map((d) => d.target)).toContain('user:alice');
    expect(level.deliveries.every((d) => d.target === 'user:alice')).toBe(true);
    expect(level.unresolved).toEqual([{ target: 'user:nobody', reason: expect.stringContaining('"nobody"') }]);
    expect(level.unresolved[0]?.reason).toContain('directory.users');
  });

  it('answers no deliveries and every reason when nothing resolves', () => {
    const level = resolveLevel(
      directory(),
      request([
        { type: 'team', id: 'ghosts' },
        { type: 'schedule', id: 'nights' },
      ]),
    );
    expect(level.deliveries).toEqual([]);
    expect(level.unresolved.map((u) => u.target)).toEqual(['team:ghosts', 'schedule:nights']);
  });
});

describe('resolveTargets for schedules', () => {
  const at = (iso: string) => Date.parse(iso);

  it('pages whoever is on call at the notification time', () => {
    // 08:00 in Chicago on 2026-01-05 is 14:00Z: alice's shift; bob takes over at 20:00 (02:00Z).
    const who = (iso: string) => resolveTargets(directory(), request([{ type: 'schedule', id: 'primary' }], { at: at(iso) }))[0];
    expect(who('2026-01-05T15:00:00Z')).toMatchObject({ target: 'schedule:primary', recipient: 'alice', channel: 'slack' });
    expect(who('2026-01-06T01:59:59Z')?.recipient).toBe('alice');
    expect(who('2026-01-06T02:00:00Z')?.recipient).toBe('bob');
  });

  it('lets an override win over the rotation', () => {
    const deliveries = resolveTargets(directory(), request([{ type: 'schedule', id: 'primary' }], { at: at('2026-01-06T13:00:00Z') }));
    expect(deliveries).toEqual([{ target: 'schedule:primary', channel: 'email', address: 'dave@example.com', recipient: 'dave' }]);
    // After the override ends, the rotation's member for that shift is back.
    expect(onCallAt(directory().schedules[0]!, at('2026-01-06T18:00:00Z'))).toEqual({ user: 'carol', source: 'rotation' });
  });

  it.each([
    ['2026-01-05T14:00:00Z', 'alice'],
    ['2026-01-06T02:00:00Z', 'bob'],
    ['2026-01-06T18:00:00Z', 'carol'],
    ['2026-01-07T02:00:00Z', 'alice'],
    ['2026-01-05T13:59:59Z', 'carol'],
    // Daylight saving starts on 2026-03-08: the 08:00 handoff moves from 14:00Z to 13:00Z.
    ['2026-03-08T12:59:59Z', 'alice'],
    ['2026-03-08T13:00:00Z', 'bob'],
  ])('hands the 12h rotation over at 08:00 and 20:00 Chicago time: at %s %s is on call', (iso, user) => {
    expect(onCallAt(directory().schedules[0]!, at(iso)).user).toBe(user);
  });

  it.each([
    ['2026-01-05T08:00:00Z', 'alice'],
    ['2026-01-05T07:59:59Z', 'bob'],
    ['2026-01-12T07:59:59Z', 'alice'],
    ['2026-01-12T08:00:00Z', 'bob'],
    // Berlin moves to summer time on 2026-03-29: 09:00 local is 07:00Z from then on.
    ['2026-03-30T07:00:00Z', 'alice'],
    ['2026-03-30T06:59:59Z', 'bob'],
  ])('hands a weekly rotation over at 09:00 Berlin time: at %s %s is on call', (iso, user) => {
    expect(onCallAt(directory().schedules[1]!, at(iso)).user).toBe(user);
  });
});

describe('resolveTargets severity floors', () => {
  it("carries a contact's and a phone target's minSeverity to the delivery", () => {
    const dir = Directory.parse({
      users: [
        {
          id: 'sam',
          contacts: [
            { channel: 'sms', address: '+15550000009', minSeverity: 'warning' },
            { channel: 'email', address: 'sam@example.com' },
          ],
        },
      ],
    });
    const deliveries = resolveTargets(
      dir,
      request([
        { type: 'user', id: 'sam' },
        { type: 'phone', address: '+15550000010', minSeverity: 'critical' },
      ]),
    );
    expect(deliveries.map((d) => [d.channel, d.address, d.minSeverity])).toEqual([
      ['sms', '+15550000009', 'warning'],
      ['email', 'sam@example.com', undefined],
      ['sms', '+15550000010', 'critical'],
    ]);
  });
});
