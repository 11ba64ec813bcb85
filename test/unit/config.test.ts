import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../domain/config.js';
import { parseConfigText } from '../../domain/config-text.js';
import { formatFieldErrors, type FieldError } from '../../domain/errors.js';

/** A fixture's text, read afresh for each test. */
function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/config/${name}`, import.meta.url), 'utf8');
}

/** Every variable full.yaml references, as a new object each time. */
function fullEnv(): Record<string, string | undefined> {
  return {
    ESCALATION_ENV: 'production',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: 'slack-signing-secret',
    PD_ROUTING_KEY: 'pd-routing-key-0123456789',
    OPSGENIE_API_KEY: 'opsgenie-api-key',
    TWILIO_ACCOUNT_SID: 'AC0123456789',
    TWILIO_AUTH_TOKEN: 'twilio-auth-token',
    WEBHOOK_SECRET: 'webhook-secret',
    CI_TOKEN: 'ci-token-0123456789abcdef',
  };
}

/** The config, or the test fails with every error formatted as an operator would see them. */
function valid(text: string, env: Record<string, string | undefined> = {}): Config {
  const result = parseConfigText(text, env);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${formatFieldErrors(result.errors, 'config.yaml')}`);
  return result.config;
}

/** The errors, or the test fails because the config was accepted. */
function invalid(text: string, env: Record<string, string | undefined> = {}): FieldError[] {
  const result = parseConfigText(text, env);
  if (result.ok) throw new Error('expected the config to be refused, but it parsed');
  return result.errors;
}

/** The 1-based line and column where `needle` appears, on the one line that holds it. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const lines = text.split('\n');
  const matches = lines.flatMap((content, index) => (content.includes(needle) ? [index] : []));
  if (matches.length !== 1) throw new Error(`expected exactly one line holding ${JSON.stringify(needle)}, found ${matches.length}`);
  const index = matches[0] as number;
  return { line: index + 1, column: (lines[index] as string).indexOf(needle) + 1 };
}

/** A small valid config with one policy `a` that pages the log, plus whatever YAML follows. */
function withPolicyA(rest: string): string {
  return `policies:\n  - name: a\n    levels:\n      - targets: [{ type: log }]\n${rest}`;
}

describe('a full config', () => {
  it('parses every field of DESIGN.md section 4', () => {
    const config = valid(fixture('full.yaml'), fullEnv());
    expect(config).toMatchObject({
      gates: { enabled: true, environment: 'production', enabledEnvironments: ['production', 'staging'], minSeverity: 'warning' },
      routes: [{ match: { service: 'payments', severity: 'critical' }, policy: 'production-critical' }, { policy: 'default' }],
      directory: {
        users: [
          {
            id: 'team-lead',
            name: 'Dana Lee',
            timezone: 'Europe/Berlin',
            contacts: [
              { channel: 'slack', address: 'U012AB3CD' },
              { channel: 'email', address: 'dana@example.com' },
              { channel: 'sms', address: '+15551234567' },
            ],
            rules: [{ channels: ['slack', 'email'] }, { channels: ['sms'] }],
          },
          { id: 'mgr-1' },
          { id: 'mgr-2' },
          { id: 'alice' },
          { id: 'bob' },
          { id: 'carol' },
          { id: 'dave' },
        ],
        teams: [
          { id: 'engineering-managers', members: ['mgr-1', 'mgr-2'], notify: 'all' },
          { id: 'sre', members: ['alice', 'bob'], notify: 'round-robin' },
        ],
        schedules: [
          {
            id: 'primary-oncall',
            timezone: 'America/Chicago',
            rotation: { members: ['alice', 'bob', 'carol'], handoff: '08:00', start: '2026-01-05' },
            overrides: [{ user: 'dave', from: '2026-12-24T18:00:00Z', to: '2026-12-26T08:00:00Z' }],
          },
        ],
      },
      providers: {
        log: { level: 'warn' },
        slack: { baseUrl: 'http://127.0.0.1:9001/api' },
        email: { url: 'smtp://mail.example.com:587', from: 'oncall@example.com' },
        pagerduty: { baseUrl: 'http://127.0.0.1:9002' },
        opsgenie: { baseUrl: 'http://127.0.0.1:9003' },
        twilio: { from: '+15550000000', baseUrl: 'http://127.0.0.1:9004' },
        webhook: { headers: { 'X-Team': 'sre' } },
      },
      delivery: { backoff: 2, maximumAttempts: 4 },
      api: { tokens: [{ name: 'ci', scopes: ['incidents:write'] }] },
      policies: [
        {
          name: 'production-critical',
          description: 'Pages the team lead, then the on-call, then the managers.',
          levels: [
            {
              targets: [
                { type: 'user', id: 'team-lead' },
                { type: 'channel', id: '#alerts', provider: 'slack' },
              ],
              repeat: { count: 2 },
            },
            {
              targets: [
                { type: 'schedule', id: 'primary-oncall' },
                { type: 'email', address: 'oncall@example.com' },
                { type: 'phone', address: '+15551112222' },
                { type: 'webhook', url: 'https://hooks.example.com/escalation' },
              ],
            },
            {
              targets: [
                { type: 'team', id: 'engineering-managers' },
                { type: 'team', id: 'sre' },
                { type: 'pagerduty', routingKey: 'pd-routing-key-0123456789' },
                { type: 'opsgenie', responders: [{ type: 'team', name: 'platform' }] },
              ],
            },
          ],
          repeatPolicy: 1,
          maxEscalations: 5,
          businessHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00', timezone: 'Asia/Seoul' },
        },
        { name: 'default', levels: [{ targets: [{ type: 'log' }, { type: 'pagerduty' }, { type: 'opsgenie' }] }] },
      ],
    });
  });

  it('turns every duration into milliseconds', () => {
    const config = valid(fixture('full.yaml'), fullEnv());
    const policy = config.policies[0];
    expect({
      levelDelays: policy?.levels.map((level) => level.delay),
      repeatInterval: policy?.levels[0]?.repeat?.interval,
      finalWait: policy?.finalWait,
      ackTimeout: policy?.ackTimeout,
      autoResolve: policy?.autoResolve,
      cooldown: policy?.cooldown,
      ruleAfter: config.directory.users[0]?.rules?.map((rule) => rule.after),
      shift: config.directory.schedules[0]?.rotation.shift,
      webhookTimeout: config.providers.webhook?.timeout,
      delivery: config.delivery,
    }).toEqual({
      levelDelays: [0, 900_000, 1_800_000],
      repeatInterval: 300_000,
      finalWait: 600_000,
      ackTimeout: 1_800_000,
      autoResolve: 14_400_000,
      cooldown: 3_600_000,
      ruleAfter: [0, 120_000],
      shift: 43_200_000,
      webhookTimeout: 5_000,
      delivery: { initialInterval: 5_000, backoff: 2, maximumInterval: 60_000, maximumAttempts: 4, attemptTimeout: 30_000 },
    });
  });

  it('reads severity aliases as canonical levels', () => {
    const policy = valid(fixture('full.yaml'), fullEnv()).policies[0];
    expect([policy?.severities, policy?.businessHours?.bypassSeverities]).toEqual([['critical', 'error'], ['critical']]);
  });

  it('fills in the defaults of fields the file leaves out', () => {
    const fallback = valid(fixture('full.yaml'), fullEnv()).policies[1];
    expect([fallback?.levels[0]?.delay, fallback?.repeatPolicy, fallback?.maxEscalations]).toEqual([0, 0, undefined]);
  });
});

describe('${ENV} substitution', () => {
  it('puts every secret’s value in its field', () => {
    const config = valid(fixture('full.yaml'), fullEnv());
    expect({
      environment: config.gates.environment,
      slack: config.providers.slack,
      pagerduty: config.providers.pagerduty?.routingKey,
      opsgenie: config.providers.opsgenie?.apiKey,
      twilio: [config.providers.twilio?.accountSid, config.providers.twilio?.authToken],
      webhook: config.providers.webhook?.secret,
      token: config.api.tokens[0]?.token,
    }).toEqual({
      environment: 'production',
      slack: { token: 'xoxb-test-token', signingSecret: 'slack-signing-secret', baseUrl: 'http://127.0.0.1:9001/api', timeout: 10_000 },
      pagerduty: 'pd-routing-key-0123456789',
      opsgenie: 'opsgenie-api-key',
      twilio: ['AC0123456789', 'twilio-auth-token'],
      webhook: 'webhook-secret',
      token: 'ci-token-0123456789abcdef',
    });
  });

  it('substitutes a variable inside a longer string', () => {
    const config = valid(withPolicyA('providers:\n  email: { url: "smtp://${MAIL_HOST}:587", from: oncall@example.com }\n'), {
      MAIL_HOST: 'mail.internal',
    });
    expect(config.providers.email?.url).toBe('smtp://mail.internal:587');
  });

  it('uses the default of ${X:-default} when X is not set', () => {
    const config = valid(withPolicyA('gates: { environment: "${DEPLOY_ENV:-staging}" }\n'), {});
    expect(config.gates.environment).toBe('staging');
  });

  it('uses the value of X over the default of ${X:-default} when X is set', () => {
    const config = valid(withPolicyA('gates: { environment: "${DEPLOY_ENV:-staging}" }\n'), { DEPLOY_ENV: 'production' });
    expect(config.gates.environment).toBe('production');
  });

  it('uses the default of ${X:-default} when X is set but empty, as a shell does', () => {
    const config = valid(withPolicyA('gates: { environment: "${DEPLOY_ENV:-staging}" }\n'), { DEPLOY_ENV: '' });
    expect(config.gates.environment).toBe('staging');
  });

  it('does not expand a variable found in another variable’s value', () => {
    const config = valid(withPolicyA('gates: { environment: "${OUTER}" }\n'), { OUTER: '${INNER}', INNER: 'leaked' });
    expect(config.gates.environment).toBe('${INNER}');
  });

  it('fails on a missing variable, naming the variable, the field path and its line', () => {
    const text = fixture('full.yaml');
    const env = { ...fullEnv(), SLACK_BOT_TOKEN: undefined };
    const errors = invalid(text, env);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      path: 'providers.slack.token',
      line: positionOf(text, 'token: "${SLACK_BOT_TOKEN}"').line,
    });
    expect(errors[0]?.message).toContain('environment variable SLACK_BOT_TOKEN is not set');
  });

  it('fails on every missing variable at once', () => {
    const env = { ...fullEnv(), WEBHOOK_SECRET: undefined, CI_TOKEN: undefined };
    expect(invalid(fixture('full.yaml'), env).map((error) => error.path)).toEqual(['providers.webhook.secret', 'api.tokens[0].token']);
  });

  it('fails on a variable set to the empty string when there is no default', () => {
    const errors = invalid(withPolicyA('gates: { environment: "${DEPLOY_ENV}" }\n'), { DEPLOY_ENV: '' });
    expect(errors.map((error) => [error.path, error.message.includes('DEPLOY_ENV')])).toEqual([['gates.environment', true]]);
  });
});

describe('refused configs', () => {
  it('fails on a delay written in words with exactly its path, a hint and its line', () => {
    const text = fixture('bad-delay.yaml');
    expect(invalid(text)).toEqual([
      {
        path: 'policies[0].levels[1].delay',
        message: '"15 minutes" is not a duration; use 15m',
        segments: ['policies', 0, 'levels', 1, 'delay'],
        ...positionOf(text, '"15 minutes"'),
      },
    ]);
  });

  it('points the bad delay at line 17 of bad-delay.yaml', () => {
    expect(invalid(fixture('bad-delay.yaml'))[0]?.line).toBe(17);
  });

  it('fails on an unknown field, naming it', () => {
    const errors = invalid('policies:\n  - name: a\n    levels:\n      - targets: [{ type: log }]\n        wait: 5m\n');
    expect(errors).toEqual([expect.objectContaining({ path: 'policies[0].levels[0]', message: expect.stringContaining('"wait"') })]);
  });

  it('fails on an unknown top-level field, naming it', () => {
    const errors = invalid(withPolicyA('escalation: { enabled: true }\n'));
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('"escalation"')]);
  });

  it('fails on a route naming an unknown policy', () => {
    const errors = invalid(withPolicyA('routes:\n  - { match: { service: db }, policy: databases }\n  - { policy: a }\n'));
    expect(errors).toEqual([
      expect.objectContaining({
        path: 'routes[0].policy',
        message: 'route names policy "databases", which is not defined; define it under policies or fix the name',
        line: 6,
      }),
    ]);
  });

  it('fails on a route without match that is not the last', () => {
    const errors = invalid(withPolicyA('routes:\n  - { policy: a }\n  - { match: { service: db }, policy: a }\n'));
    expect(errors.map((error) => error.path)).toEqual(['routes[0]']);
  });

  it.each([
    ['user', 'ghost', 'directory.users'],
    ['team', 'phantoms', 'directory.teams'],
    ['schedule', 'nobody-oncall', 'directory.schedules'],
  ])('fails on a level target naming an unknown %s', (type, id, where) => {
    const text = `policies:\n  - name: a\n    levels:\n      - targets: [{ type: log }]\n      - targets: [{ type: log }, { type: ${type}, id: ${id} }]\n`;
    expect(invalid(text)).toEqual([
      expect.objectContaining({
        path: 'policies[0].levels[1].targets[1].id',
        message: `policy a level 2 names ${type} "${id}", which is not in ${where}; define it there or fix the id`,
        line: 5,
      }),
    ]);
  });

  it('fails on a team member missing from directory.users', () => {
    const errors = invalid(withPolicyA('directory:\n  teams: [{ id: sre, members: [ghost] }]\n'));
    expect(errors.map((error) => [error.path, error.message])).toEqual([
      ['directory.teams[0].members[0]', 'user "ghost" is not in directory.users; add them there or fix the id'],
    ]);
  });

  it('fails on a schedule override naming a user missing from directory.users', () => {
    const text = withPolicyA(
      [
        'directory:',
        '  users: [{ id: alice, contacts: [{ channel: slack, address: U0ALICE }] }]',
        '  schedules:',
        '    - id: primary',
        '      timezone: UTC',
        '      rotation: { members: [alice], shift: 12h, handoff: "08:00", start: "2026-01-05" }',
        '      overrides: [{ user: ghost, from: "2026-12-24T18:00:00Z", to: "2026-12-26T08:00:00Z" }]',
        '',
      ].join('\n'),
    );
    expect(invalid(text).map((error) => error.path)).toEqual(['directory.schedules[0].overrides[0].user']);
  });

  it('fails on two policies with the same name, pointing at the second', () => {
    const text = withPolicyA('  - name: a\n    levels:\n      - targets: [{ type: log }]\n');
    expect(invalid(text)).toEqual([
      expect.objectContaining({ path: 'policies[1].name', message: 'policy "a" is defined twice; rename one', line: 5 }),
    ]);
  });

  it('fails on a config with no policy', () => {
    expect(invalid('policies: []\n').map((error) => [error.path, error.message])).toEqual([
      ['policies', 'the config needs at least one policy'],
    ]);
  });

  it('reports every bad field of the schema at once', () => {
    const text = 'policies:\n  - name: a\n    levels:\n      - delay: soon\n        targets: [{ type: log }]\n    repeatPolicy: -1\n';
    expect(invalid(text).map((error) => error.path)).toEqual(['policies[0].levels[0].delay', 'policies[0].repeatPolicy']);
  });
});

describe('JSON config text', () => {
  function minimalJson(): string {
    return JSON.stringify(
      {
        gates: { environment: '${DEPLOY_ENV:-production}', minSeverity: 'P3' },
        routes: [{ match: { service: 'payments' }, policy: 'payments' }, { policy: 'payments' }],
        policies: [
          {
            name: 'payments',
            levels: [
              { delay: '0s', targets: [{ type: 'webhook', url: 'https://hooks.example.com/pay' }], repeat: { count: 1, interval: 'PT5M' } },
              { delay: 900_000, targets: [{ type: 'log' }] },
            ],
          },
        ],
      },
      null,
      2,
    );
  }

  it('parses a JSON config like a YAML one', () => {
    const config = valid(minimalJson());
    expect({
      environment: config.gates.environment,
      minSeverity: config.gates.minSeverity,
      delays: config.policies[0]?.levels.map((level) => level.delay),
      interval: config.policies[0]?.levels[0]?.repeat?.interval,
    }).toEqual({ environment: 'production', minSeverity: 'warning', delays: [0, 900_000], interval: 300_000 });
  });

  it('locates a bad field of a JSON config by line', () => {
    const text = minimalJson().replace('"0s"', '"15 minutes"');
    expect(invalid(text)).toEqual([
      expect.objectContaining({ path: 'policies[0].levels[0].delay', line: positionOf(text, '"15 minutes"').line }),
    ]);
  });

  it('gives the line and column of a JSON syntax error', () => {
    const text = '{\n  "policies": [\n    {"name": "a",, "levels": []}\n  ]\n}\n';
    expect(invalid(text)).toEqual([expect.objectContaining({ path: '', line: 3, column: 18 })]);
  });
});

describe('YAML syntax errors', () => {
  it('give the line of an unclosed flow map', () => {
    const errors = invalid('gates: { enabled: true\npolicies:\n  - name: a\n');
    expect(errors).toEqual([
      expect.objectContaining({ path: '', line: 2, message: expect.stringContaining('must be sufficiently indented') }),
    ]);
  });

  it('give the line and column of a key written twice', () => {
    const errors = invalid('policies:\n  - name: a\n    name: b\n    levels:\n      - targets: [{ type: log }]\n');
    expect(errors).toEqual([{ path: '', message: 'Map keys must be unique', line: 3, column: 5 }]);
  });

  it('give the line of a tab used for indentation', () => {
    const errors = invalid(withPolicyA('gates:\n\tenabled: true\n'));
    expect(errors).toEqual([expect.objectContaining({ path: '', line: 6, message: expect.stringContaining('Tabs') })]);
  });
});

describe('formatFieldErrors', () => {
  it('reads file.yaml:LINE:COL path: message for a config file’s error', () => {
    const text = fixture('bad-delay.yaml');
    const { line, column } = positionOf(text, '"15 minutes"');
    expect(formatFieldErrors(invalid(text), 'bad-delay.yaml')).toBe(
      `bad-delay.yaml:${line}:${column} policies[0].levels[1].delay: "15 minutes" is not a duration; use 15m`,
    );
  });

  it('puts one error on each line', () => {
    const errors: FieldError[] = [
      { path: 'routes[0].policy', message: 'not defined', line: 4, column: 13 },
      { path: 'policies[0].name', message: 'defined twice', line: 9, column: 11 },
    ];
    expect(formatFieldErrors(errors, 'escalation.yaml')).toBe(
      'escalation.yaml:4:13 routes[0].policy: not defined\nescalation.yaml:9:11 policies[0].name: defined twice',
    );
  });

  it('leaves out the path of an error that has none, such as a YAML syntax error', () => {
    expect(formatFieldErrors([{ path: '', message: 'Map keys must be unique', line: 3, column: 5 }], 'escalation.yaml')).toBe(
      'escalation.yaml:3:5 Map keys must be unique',
    );
  });

  it('leaves out the position of an error with no line', () => {
    expect(formatFieldErrors([{ path: 'policies', message: 'required' }], 'escalation.yaml')).toBe('escalation.yaml policies: required');
  });

  it('reads path: message without a source file name', () => {
    expect(formatFieldErrors([{ path: 'gates.minSeverity', message: 'unknown', line: 2, column: 3 }])).toBe('gates.minSeverity: unknown');
  });
});
