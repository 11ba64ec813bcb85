import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { explainPolicy, formatExplanation, registerPolicyCommands } from '../../client/cli/policy-commands.js';
import { Config } from '../../domain/config.js';
import { parseConfigText } from '../../domain/config-text.js';
import { evaluateMatchers, matchesLabels, parseMatcher } from '../../domain/matchers.js';
import { evaluateGates, explainRoutes, selectPolicy } from '../../domain/routing.js';
import { IncidentInput } from '../../domain/incident.js';
import { findInhibitor, InhibitRule } from '../../domain/inhibition.js';

const level = { targets: [{ type: 'log' }] };

function config(extra: Record<string, unknown> = {}): Config {
  return Config.parse({
    policies: [
      { name: 'payments-critical', severities: ['critical'], levels: [level] },
      { name: 'storage', levels: [level] },
      { name: 'default', levels: [level] },
    ],
    routes: [
      { matchers: ['service=payments', 'severity!=info'], policy: 'payments-critical' },
      { matchers: ['team=~db|storage', 'env!~dev.*'], policy: 'storage', severity: 'error', groupBy: ['cluster'], groupWait: '30s' },
      { policy: 'default' },
    ],
    ...extra,
  });
}

const alert = (body: Record<string, unknown>) => IncidentInput.parse({ summary: 'something broke', ...body });

function matcher(text: string) {
  const parsed = parseMatcher(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.matcher;
}

describe('label matchers', () => {
  it.each([
    ['service=payments', { service: 'payments' }, true],
    ['service=payments', { service: 'payments-eu' }, false],
    ['severity!=info', { severity: 'critical' }, true],
    ['severity!=info', {}, true],
    ['team=~db|storage', { team: 'storage' }, true],
    ['team=~db|storage', { team: 'dbx' }, false],
    ['env!~dev.*', { env: 'development' }, false],
    ['env!~dev.*', { env: 'prod' }, true],
    ['env!~dev.*', {}, true],
    ['region=""', {}, true],
    ['name = "a b"', { name: 'a b' }, true],
  ] as const)('%s against %j is %s', (text, labels, expected) => {
    expect(matchesLabels(matcher(text), labels)).toBe(expected);
  });

  it('anchors regexes at both ends, as Alertmanager does', () => {
    expect(matchesLabels(matcher('team=~db'), { team: 'mydb' })).toBe(false);
    expect(matchesLabels(matcher('team=~.*db'), { team: 'mydb' })).toBe(true);
  });

  it('refuses text that is not a matcher, and a bad regex, saying why', () => {
    expect(parseMatcher('service payments')).toMatchObject({ ok: false, reason: expect.stringContaining('name=value') });
    expect(parseMatcher('team=~db(')).toMatchObject({ ok: false, reason: expect.stringContaining('not a valid regular expression') });
  });

  it('reports each matcher with the value it saw', () => {
    expect(evaluateMatchers(['team=~db|storage', 'env!=prod'], { team: 'web' })).toEqual([
      { matcher: 'team=~db|storage', matched: false, actual: 'web' },
      { matcher: 'env!=prod', matched: true, actual: undefined },
    ]);
  });

  it('names the field of a bad matcher when the config loads', () => {
    const result = parseConfigText(
      'policies: [{ name: a, levels: [{ targets: [{ type: log }] }] }]\nroutes:\n  - { matchers: ["service=payments", "team=~(db"], policy: a }\n  - { policy: a }\n',
      {},
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ path: 'routes[0].matchers[1]', line: 3 });
  });
});

describe('routes', () => {
  it('takes the first route whose matchers all hold', () => {
    const choice = selectPolicy(config(), alert({ severity: 'critical', service: 'payments' }));
    expect(choice).toMatchObject({ ok: true, policy: { name: 'payments-critical' }, severity: 'critical', route: { index: 0 } });
  });

  it('keeps equality match working beside matchers', () => {
    const c = config({ routes: [{ match: { team: 'blue' }, policy: 'storage' }, { policy: 'default' }] });
    expect(selectPolicy(c, alert({ severity: 'warning', labels: { team: 'blue' } }))).toMatchObject({
      ok: true,
      policy: { name: 'storage' },
    });
    expect(selectPolicy(c, alert({ severity: 'warning', labels: { team: 'red' } }))).toMatchObject({
      ok: true,
      policy: { name: 'default' },
      how: 'default route',
    });
  });

  it('passes over a matching route whose policy does not cover the severity, to the next route', () => {
    const explanation = explainRoutes(config(), alert({ severity: 'warning', service: 'payments' }));
    expect(explanation.routes[0]).toMatchObject({
      matched: true,
      taken: false,
      skipped: 'policy payments-critical applies to critical, not warning',
    });
    expect(explanation.choice).toMatchObject({ ok: true, policy: { name: 'default' } });
  });

  it('refuses when every matching route filters the severity out and there is no default', () => {
    const c = config({ routes: [{ matchers: ['service=payments'], policy: 'payments-critical' }] });
    const choice = selectPolicy(c, alert({ severity: 'warning', service: 'payments' }));
    expect(choice).toMatchObject({ ok: false, field: 'severity', reason: expect.stringContaining('no route takes a warning alert') });
  });

  it("applies a route's severity override and carries its grouping", () => {
    const choice = selectPolicy(config(), alert({ severity: 'warning', labels: { team: 'db', env: 'prod' } }));
    expect(choice).toMatchObject({
      ok: true,
      policy: { name: 'storage' },
      severity: 'error',
      route: { index: 1, groupBy: ['cluster'], groupWait: 30_000 },
    });
  });

  it('matches severity aliases by their canonical name', () => {
    expect(selectPolicy(config(), alert({ severity: 'P1', service: 'payments' }))).toMatchObject({
      ok: true,
      policy: { name: 'payments-critical' },
    });
  });

  it('refuses a policy named in the request that does not cover the severity', () => {
    expect(selectPolicy(config(), alert({ severity: 'info', policy: 'payments-critical' }))).toMatchObject({
      ok: false,
      field: 'severity',
    });
  });

  it('refuses a default route that is not last', () => {
    expect(() => config({ routes: [{ policy: 'default' }, { matchers: ['a=b'], policy: 'storage' }] })).toThrow(
      /default and must come last/,
    );
  });
});

describe('gates', () => {
  const gates = (extra: Record<string, unknown>) => Config.parse({ policies: [{ name: 'a', levels: [level] }], gates: extra }).gates;

  it('lets a production alert at or above minSeverity through', () => {
    expect(evaluateGates(gates({ environment: 'production' }), 'warning')).toEqual({ escalate: true });
  });
  it('stops everything when disabled', () => {
    expect(evaluateGates(gates({ enabled: false }), 'critical')).toMatchObject({
      escalate: false,
      reason: expect.stringContaining('disabled'),
    });
  });
  it('stops an environment that is not enabled', () => {
    expect(evaluateGates(gates({ environment: 'staging' }), 'critical')).toMatchObject({
      escalate: false,
      reason: expect.stringContaining('"staging"'),
    });
  });
  it('stops a severity below minSeverity', () => {
    expect(evaluateGates(gates({ minSeverity: 'error' }), 'warning')).toMatchObject({
      escalate: false,
      reason: 'severity warning is below gates.minSeverity (error)',
    });
  });
});

describe('escalate policy test', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('explains which matchers held and which route won', () => {
    const text = formatExplanation(explainPolicy(config(), { labels: { team: 'web' }, severity: 'warning', service: 'payments' }));
    expect(text).toContain(
      'routes[0] → payments-critical: matched, passed over: policy payments-critical applies to critical, not warning',
    );
    expect(text).toContain('team=~db|storage ✗ (is "web")');
    expect(text).toContain('routes[2] → default: TAKEN');
    expect(text).toContain('policy default at severity warning (default route)');
  });

  it("shows each gate's decision, naming the one that holds the alert back", () => {
    const gated = config({ gates: { environment: 'qa', enabledEnvironments: ['staging'], minSeverity: 'info' } });
    const text = formatExplanation(explainPolicy(gated, { labels: {}, severity: 'warning', service: 'payments' }));
    expect(text.split('\n').slice(1, 5)).toEqual([
      'gates: would NOT escalate: environment "qa" is not in gates.enabledEnvironments (staging)',
      '    enabled ✓ gates.enabled is true',
      '    environment ✗ "qa" is not in gates.enabledEnvironments (staging)',
      '    severity ✓ warning is at least gates.minSeverity (info)',
    ]);
  });

  it('reads the config file and prints the choice as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-test-'));
    const file = join(dir, 'escalation.yaml');
    writeFileSync(
      file,
      'policies:\n  - { name: db, levels: [{ targets: [{ type: log }] }] }\n  - { name: default, levels: [{ targets: [{ type: log }] }] }\n' +
        'routes:\n  - { matchers: ["team=~db|storage"], policy: db }\n  - { policy: default }\n',
    );
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const cli = new Command('escalate').option('--config <file>').exitOverride();
    registerPolicyCommands(cli.command('policy'));
    await cli.parseAsync([
      'node',
      'escalate',
      '--config',
      file,
      'policy',
      'test',
      '--labels',
      'team=storage',
      'service=x',
      '--severity',
      'high',
      '--json',
    ]);
    const printed = JSON.parse(out.join('')) as { severity: string; choice: { ok: boolean; policy: { name: string } } };
    expect(printed.severity).toBe('error');
    expect(printed.choice).toMatchObject({ ok: true, policy: { name: 'db' } });
  });
});

describe('inhibition rules', () => {
  const rules = [
    InhibitRule.parse({
      source: { matchers: ['alertname=DatabaseDown'], minSeverity: 'critical' },
      target: { matchers: ['severity=~warning|error'] },
      equal: ['service'],
    }),
  ];
  const parent = {
    workflowId: 'incident-db-down',
    severity: 'critical' as const,
    labels: { alertname: 'DatabaseDown', severity: 'critical', service: 'db' },
  };

  it('inhibits a matching target with the same equal labels', () => {
    expect(findInhibitor(rules, { severity: 'warning', service: 'db' }, [parent])).toMatchObject({
      rule: 0,
      source: { workflowId: 'incident-db-down' },
      reason: 'inhibited by incident-db-down (inhibitions[0], same service=db)',
    });
  });
  it('lets through a target on another service, a target outside the target matchers, and a source below minSeverity', () => {
    expect(findInhibitor(rules, { severity: 'warning', service: 'web' }, [parent])).toBeUndefined();
    expect(findInhibitor(rules, { severity: 'critical', service: 'db' }, [parent])).toBeUndefined();
    expect(findInhibitor(rules, { severity: 'warning', service: 'db' }, [{ ...parent, severity: 'error' }])).toBeUndefined();
  });
  it('counts a label absent on both sides as equal, as Alertmanager does', () => {
    const noService = { ...parent, labels: { alertname: 'DatabaseDown', severity: 'critical' } };
    expect(findInhibitor(rules, { severity: 'error' }, [noService])).toBeDefined();
  });
});
