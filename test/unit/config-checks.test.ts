import { describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import { checkConfig, missingProvider } from '../../domain/config-checks.js';
import { parseConfigText } from '../../domain/config-text.js';
import { explainGates } from '../../domain/gate-explanation.js';
import { isValidTimeZone } from '../../domain/zoned-time.js';

/**
 * What the schema accepts but a page would trip over at 3 a.m. is refused when the file loads:
 * each case is a config text, the field path the error names, the line holding that field, and
 * what the message must say (the problem and its fix).
 */

const log = '      - targets: [{ type: log }]';

/** A config of the given directory/providers/extra YAML and one policy whose level 1 holds `level`. */
function config(parts: { top?: string[]; level?: string; policyExtra?: string[] }): string {
  return [...(parts.top ?? []), 'policies:', '  - name: p', ...(parts.policyExtra ?? []), '    levels:', parts.level ?? log, ''].join('\n');
}

interface Refusal {
  name: string;
  text: string;
  path: string;
  /** A string found on the one line the error must point at. */
  lineHolding: string;
  message: RegExp;
  env?: Record<string, string>;
}

const refusals: Refusal[] = [
  {
    name: "a user's time zone that does not exist",
    text: config({ top: ['directory:', '  users: [{ id: al, timezone: Europe/Berln, contacts: [{ channel: log, address: al }] }]'] }),
    path: 'directory.users[0].timezone',
    lineHolding: 'Europe/Berln',
    message: /"Europe\/Berln" is not an IANA time zone; did you mean Europe\/Berlin\?/,
  },
  {
    name: "a schedule's time zone that does not exist",
    text: config({
      top: [
        'directory:',
        '  users: [{ id: al, contacts: [{ channel: log, address: al }] }]',
        '  schedules:',
        '    - id: primary',
        '      timezone: America/Chicag',
        '      rotation: { members: [al], shift: 7d, handoff: "09:00", start: "2026-01-05" }',
      ],
    }),
    path: 'directory.schedules[0].timezone',
    lineHolding: 'America/Chicag',
    message:
      /"America\/Chicag" is not an IANA time zone, so nobody can tell who is on call for schedule "primary"; did you mean America\/Chicago\? use a name/,
  },
  {
    name: 'business hours in a time zone that does not exist',
    text: config({ policyExtra: ['    businessHours: { days: [mon], start: "09:00", end: "17:00", timezone: Mars/Olympus }'] }),
    path: 'policies[0].businessHours.timezone',
    lineHolding: 'Mars/Olympus',
    message: /must be an IANA time zone/,
  },
  {
    name: 'a rule naming a channel the user has no contact on',
    text: config({
      top: [
        'directory:',
        '  users:',
        '    - id: al',
        '      contacts: [{ channel: log, address: al }]',
        '      rules: [{ channels: [log] }, { after: 2m, channels: [webhook] }]',
      ],
    }),
    path: 'directory.users[0].rules[1].channels[0]',
    lineHolding: 'after: 2m',
    message:
      /user "al" has no webhook contact, so this rule can never page them on webhook \(their contacts: log\); add \{ channel: webhook/,
  },
  {
    name: 'a contact on voice with no providers.twilio (calls go through Twilio)',
    text: config({ top: ['directory:', '  users: [{ id: al, contacts: [{ channel: voice, address: "+15551234567" }] }]'] }),
    path: 'directory.users[0].contacts[0].channel',
    lineHolding: 'voice',
    message: /user "al"'s contact \+15551234567 uses the voice channel, but providers\.twilio is not set/,
  },
  {
    name: 'a Slack contact without providers.slack',
    text: config({ top: ['directory:', '  users: [{ id: al, contacts: [{ channel: slack, address: U0AL }] }]'] }),
    path: 'directory.users[0].contacts[0].channel',
    lineHolding: 'U0AL',
    message: /uses the slack channel, but providers\.slack is not set; add `slack: \{ token: "\$\{SLACK_BOT_TOKEN\}" \}` under providers:/,
  },
  {
    name: 'a Slack channel target without providers.slack',
    text: config({ level: '      - targets: [{ type: channel, id: "#ops", provider: slack }]' }),
    path: 'policies[0].levels[0].targets[0].provider',
    lineHolding: '#ops',
    message: /policy p level 1's channel target uses the slack channel, but providers\.slack is not set/,
  },
  {
    name: 'an email target without an SMTP provider',
    text: config({ level: '      - targets: [{ type: email, address: ops@example.com }]' }),
    path: 'policies[0].levels[0].targets[0].type',
    lineHolding: 'ops@example.com',
    message: /uses the email channel, but providers\.email is not set; add `email: \{ url: "smtp:/,
  },
  {
    name: 'a phone target without Twilio',
    text: config({ level: '      - targets: [{ type: phone, address: "+15551234567" }]' }),
    path: 'policies[0].levels[0].targets[0].type',
    lineHolding: '+15551234567',
    message: /uses the sms channel, but providers\.twilio is not set/,
  },
  {
    name: 'an Opsgenie target without providers.opsgenie',
    text: config({ level: '      - targets: [{ type: opsgenie }]' }),
    path: 'policies[0].levels[0].targets[0].type',
    lineHolding: 'opsgenie',
    message: /uses the opsgenie channel, but providers\.opsgenie is not set/,
  },
  {
    name: 'a PagerDuty target with no routing key anywhere',
    text: config({
      top: ['providers:', '  pagerduty: { baseUrl: "http://127.0.0.1:9" }'],
      level: '      - targets: [{ type: pagerduty }]',
    }),
    path: 'policies[0].levels[0].targets[0]',
    lineHolding: 'type: pagerduty',
    message: /has no routingKey and providers\.pagerduty\.routingKey is not set; set one of them/,
  },
  {
    name: 'a fallback on Slack without providers.slack',
    text: config({ policyExtra: ['    fallback: [{ type: channel, id: "#oncall-fallback", provider: slack }]'] }),
    path: 'policies[0].fallback[0].provider',
    lineHolding: '#oncall-fallback',
    message: /policy p's fallback channel target uses the slack channel, but providers\.slack is not set/,
  },
  {
    name: 'a fallback naming an unknown user',
    text: config({ policyExtra: ['    fallback: [{ type: user, id: night-manager }]'] }),
    path: 'policies[0].fallback[0].id',
    lineHolding: 'night-manager',
    message: /policy p's fallback names user "night-manager", which is not in directory\.users; define it there or fix the id/,
  },
  {
    name: 'an SLA breach page naming an unknown team',
    text: config({ top: ['slas: { critical: { respondWithin: 15m } }', 'onBreach: [{ type: team, id: incident-managers }]'] }),
    path: 'onBreach[0].id',
    lineHolding: 'incident-managers',
    message: /onBreach names team "incident-managers", which is not in directory\.teams; define it there or fix the id/,
  },
  {
    name: 'an SLA breach page on Slack without providers.slack',
    text: config({ top: ['onBreach: [{ type: channel, id: "#managers", provider: slack }]'] }),
    path: 'onBreach[0].provider',
    lineHolding: '#managers',
    message: /onBreach's channel target uses the slack channel, but providers\.slack is not set/,
  },
  {
    name: 'onUnreached: fallback with no fallback targets',
    text: config({ policyExtra: ['    onUnreached: fallback'] }),
    path: 'policies[0].onUnreached',
    lineHolding: 'onUnreached',
    message: /has no fallback targets; add fallback: \[\.\.\.] or use onUnreached: next/,
  },
  {
    name: 'a target naming an unknown schedule',
    text: config({ level: '      - targets: [{ type: schedule, id: nightly }]' }),
    path: 'policies[0].levels[0].targets[0].id',
    lineHolding: 'nightly',
    message: /names schedule "nightly", which is not in directory\.schedules/,
  },
  {
    name: 'a team naming an unknown user',
    text: config({
      top: [
        'directory:',
        '  users: [{ id: al, contacts: [{ channel: log, address: al }] }]',
        '  teams: [{ id: sre, members: [al, ghost] }]',
      ],
    }),
    path: 'directory.teams[0].members[1]',
    lineHolding: 'ghost',
    message: /user "ghost" is not in directory\.users/,
  },
  {
    name: 'an empty rotation',
    text: config({
      top: [
        'directory:',
        '  schedules:',
        '    - id: primary',
        '      timezone: UTC',
        '      rotation: { members: [], shift: 7d, handoff: "09:00", start: "2026-01-05" }',
      ],
    }),
    path: 'directory.schedules[0].rotation.members',
    lineHolding: 'members: []',
    message: /a rotation needs at least one member/,
  },
  {
    name: 'overrides that overlap',
    text: config({
      top: [
        'directory:',
        '  users: [{ id: al, contacts: [{ channel: log, address: al }] }, { id: bo, contacts: [{ channel: log, address: bo }] }]',
        '  schedules:',
        '    - id: primary',
        '      timezone: UTC',
        '      rotation: { members: [al], shift: 7d, handoff: "09:00", start: "2026-01-05" }',
        '      overrides:',
        '        - { user: al, from: "2026-12-24T00:00:00Z", to: "2026-12-26T00:00:00Z" }',
        '        - { user: bo, from: "2026-12-25T00:00:00Z", to: "2026-12-27T00:00:00Z" }',
      ],
    }),
    path: 'directory.schedules[0].overrides[1]',
    lineHolding: 'user: bo',
    message:
      /overlaps overrides\[0] \(al, 2026-12-24T00:00:00Z to 2026-12-26T00:00:00Z\) of schedule "primary".*end one before the other starts/,
  },
  {
    name: 'an override that ends before it starts',
    text: config({
      top: [
        'directory:',
        '  users: [{ id: al, contacts: [{ channel: log, address: al }] }]',
        '  schedules:',
        '    - id: primary',
        '      timezone: UTC',
        '      rotation: { members: [al], shift: 7d, handoff: "09:00", start: "2026-01-05" }',
        '      overrides: [{ user: al, from: "2026-12-26T00:00:00Z", to: "2026-12-24T00:00:00Z" }]',
      ],
    }),
    path: 'directory.schedules[0].overrides[0].to',
    lineHolding: 'overrides:',
    message: /must be after from \(2026-12-26T00:00:00Z\)/,
  },
  {
    name: 'two users with one id',
    text: config({
      top: [
        'directory:',
        '  users:',
        '    - { id: al, contacts: [{ channel: log, address: a }] }',
        '    - { id: al, contacts: [{ channel: log, address: b }] }',
      ],
    }),
    path: 'directory.users[1].id',
    lineHolding: 'address: b',
    message: /"al" is defined twice/,
  },
  {
    name: 'two API tokens with one name',
    text: config({
      top: [
        'api:',
        '  tokens:',
        '    - { name: ci, token: aaaaaaaaaaaaaaaaaaaa, scopes: [admin] }',
        '    - { name: ci, token: bbbbbbbbbbbbbbbbbbbb, scopes: [admin] }',
      ],
    }),
    path: 'api.tokens[1].name',
    lineHolding: 'bbbb',
    message: /token "ci" is defined twice \(also api\.tokens\[0]\)/,
  },
  {
    name: 'an environment gate with no environment',
    text: config({ top: ['gates: { enabledEnvironments: [production, staging] }'] }),
    path: 'gates.enabledEnvironments',
    lineHolding: 'gates:',
    message:
      /gates\.enabledEnvironments \(production, staging\) is set but no environment is given.*set ESCALATION_ENV \(e\.g\. ESCALATION_ENV=production\) or gates\.environment/,
  },
  {
    name: 'an environment gate whose environment is empty',
    text: config({ top: ['gates: { environment: "${ESCALATION_ENV:-}", enabledEnvironments: [production] }'] }),
    path: 'gates.enabledEnvironments',
    lineHolding: 'gates:',
    message: /is set but no environment is given/,
  },
];

describe('refused at load', () => {
  it.each(refusals)('refuses $name, naming the field, its line and the fix', ({ text, path, lineHolding, message, env }) => {
    const result = parseConfigText(text, env ?? {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = text.split('\n');
    const expectedLine = lines.findIndex((line) => line.includes(lineHolding)) + 1;
    expect(lines.filter((line) => line.includes(lineHolding))).toHaveLength(1);
    expect(result.errors).toEqual([expect.objectContaining({ path, line: expectedLine, message: expect.stringMatching(message) })]);
  });
});

describe('accepted at load', () => {
  const accepted: { name: string; text: string; env?: Record<string, string> }[] = [
    {
      name: 'an environment gate given its environment',
      text: config({ top: ['gates: { environment: staging, enabledEnvironments: [staging] }'] }),
    },
    {
      name: 'an environment gate whose environment comes from ESCALATION_ENV',
      text: config({ top: ['gates: { enabledEnvironments: [staging] }'] }),
      env: { ESCALATION_ENV: 'staging' },
    },
    {
      name: 'an environment gate that is switched off',
      text: config({ top: ['gates: { enabled: false, enabledEnvironments: [production] }'] }),
    },
    { name: 'no environment gate at all (a bare local set-up)', text: config({}) },
    {
      name: 'overrides that touch end to start',
      text: config({
        top: [
          'directory:',
          '  users: [{ id: al, timezone: utc, contacts: [{ channel: log, address: al }] }]',
          '  schedules:',
          '    - id: primary',
          '      timezone: Etc/GMT+5',
          '      rotation: { members: [al], shift: 7d, handoff: "09:00", start: "2026-01-05" }',
          '      overrides:',
          '        - { user: al, from: "2026-12-24T00:00:00Z", to: "2026-12-25T00:00:00Z" }',
          '        - { user: al, from: "2026-12-25T00:00:00Z", to: "2026-12-26T00:00:00Z" }',
        ],
      }),
    },
    {
      name: 'a webhook and log target with no providers section',
      text: config({ level: '      - targets: [{ type: webhook, url: "https://hooks.example.com/x" }, { type: log }]' }),
    },
    {
      name: 'a PagerDuty target carrying its own routing key',
      text: config({ top: ['providers:', '  pagerduty: {}'], level: '      - targets: [{ type: pagerduty, routingKey: R0UT3 }]' }),
    },
  ];
  it.each(accepted)('accepts $name', ({ text, env }) => {
    const result = parseConfigText(text, env ?? {});
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('fills the gate environment from ESCALATION_ENV only when enabledEnvironments is set', () => {
    const gated = parseConfigText(config({ top: ['gates: { enabledEnvironments: [staging] }'] }), { ESCALATION_ENV: 'staging' });
    const ungated = parseConfigText(config({}), { ESCALATION_ENV: 'staging' });
    expect(gated.ok && gated.config.gates.environment).toBe('staging');
    expect(ungated.ok && ungated.config.gates.environment).toBeUndefined();
  });
});

describe('checkConfig on a parsed config', () => {
  it('reports every problem at once, in the order gates, time zones, rules, providers, overrides, duplicates', () => {
    const parsed = Config.parse({
      gates: { enabledEnvironments: ['production'] },
      directory: {
        users: [{ id: 'al', timezone: 'Nowhere/Town', contacts: [{ channel: 'slack', address: 'U1' }], rules: [{ channels: ['email'] }] }],
      },
      api: {
        tokens: [
          { name: 'a', token: 'same-secret-0123456', scopes: ['admin'] },
          { name: 'b', token: 'same-secret-0123456', scopes: ['admin'] },
        ],
      },
      policies: [{ name: 'p', levels: [{ targets: [{ type: 'user', id: 'al' }] }] }],
    });
    expect(checkConfig(parsed).map((problem) => problem.path.join('.'))).toEqual([
      'gates.enabledEnvironments',
      'directory.users.0.timezone',
      'directory.users.0.rules.0.channels.0',
      'directory.users.0.contacts.0.channel',
      'api.tokens.1.token',
    ]);
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['Europe/Berlin', true],
    ['America/Argentina/Buenos_Aires', true],
    ['UTC', true],
    ['Etc/GMT-14', true],
    ['Europe/Berln', false],
    ['CEST', false],
    ['', false],
    ['   ', false],
  ])('%j → %s', (zone, expected) => {
    expect(isValidTimeZone(zone)).toBe(expected);
  });
});

describe('missingProvider', () => {
  const providers = Config.parse({ policies: [{ name: 'p', levels: [{ targets: [{ type: 'log' }] }] }] }).providers;
  it.each([
    ['log', undefined],
    ['webhook', undefined],
    ['slack', /providers\.slack is not set/],
    ['email', /providers\.email is not set/],
    ['sms', /providers\.twilio is not set/],
    ['voice', /providers\.twilio is not set/],
    ['pagerduty', /providers\.pagerduty is not set/],
    ['opsgenie', /providers\.opsgenie is not set/],
  ] as const)('%s with no providers: %s', (channel, expected) => {
    const answer = missingProvider(channel, providers, 'x');
    if (expected === undefined) expect(answer).toBeUndefined();
    else expect(answer).toMatch(expected);
  });
});

describe('gate decisions, as policy test shows them', () => {
  const gates = (extra: Record<string, unknown>) =>
    Config.parse({ policies: [{ name: 'a', levels: [{ targets: [{ type: 'log' }] }] }], gates: extra }).gates;
  it.each([
    [{}, 'warning', [true, true, true], /no environment gate/],
    [
      { environment: 'production' },
      'warning',
      [true, true, true],
      /"production" is in gates\.enabledEnvironments \(production, the default\)/,
    ],
    [
      { environment: 'qa', enabledEnvironments: ['staging'] },
      'critical',
      [true, false, true],
      /"qa" is not in gates\.enabledEnvironments \(staging\)/,
    ],
    [{ enabled: false, environment: 'staging', enabledEnvironments: ['staging'] }, 'critical', [false, true, true], /"staging" is in/],
    [{ minSeverity: 'error' }, 'warning', [true, true, false], /no environment gate/],
  ] as const)('%j at %s', (extra, severity, passed, environment) => {
    const checks = explainGates(gates(extra), severity);
    expect(checks.map((check) => check.passed)).toEqual(passed);
    expect(checks[1]?.detail).toMatch(environment);
  });
});
