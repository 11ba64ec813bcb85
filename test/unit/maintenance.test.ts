import { describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import { formatPath } from '../../domain/errors.js';
import { advance } from '../../domain/escalation.js';
import {
  applyNotice,
  configuredSpec,
  ConfiguredWindow,
  generatedName,
  heldUntil,
  MaintenanceRequest,
  matchConditions,
  matchesWindow,
  suppressionReason,
  windowFor,
  windowFromRequest,
  type MaintenanceWindowSpec,
} from '../../domain/maintenance.js';
import { nextEscalationAt, plan, type Position } from '../../domain/planner.js';
import { Policy } from '../../domain/policy.js';

const NOW = Date.parse('2026-12-05T23:00:00Z');

function window(name: string, match: MaintenanceWindowSpec['match'], from: string, to: string): MaintenanceWindowSpec {
  return { name, match, from, to, by: 'dana', origin: 'api' };
}

/** Issues of a config with these maintenance windows, as `path: message`. */
function configIssues(maintenance: unknown[]): string[] {
  const parsed = Config.safeParse({ policies: [{ name: 'p', levels: [{ targets: [{ type: 'log' }] }] }], maintenance });
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

describe('maintenance windows in the config', () => {
  it('accepts the issue`s example and keeps its times', () => {
    const config = Config.parse({
      policies: [{ name: 'p', levels: [{ targets: [{ type: 'log' }] }] }],
      maintenance: [{ name: 'db-upgrade', match: { service: 'db' }, from: '2026-12-05T22:00:00Z', to: '2026-12-06T02:00:00Z' }],
    });
    expect(configuredSpec(config.maintenance[0]!)).toEqual({
      name: 'db-upgrade',
      match: { service: 'db' },
      from: '2026-12-05T22:00:00.000Z',
      to: '2026-12-06T02:00:00.000Z',
      by: 'config',
      origin: 'config',
    });
  });

  it.each([
    [
      'to before from',
      [{ name: 'w', match: { service: 'db' }, from: '2026-12-06T02:00:00Z', to: '2026-12-05T22:00:00Z' }],
      /^maintenance\[0]\.to: must be after from \(2026-12-06T02:00:00Z\).*swap them/,
    ],
    [
      'an unknown match key',
      [{ name: 'w', match: { servce: 'db' }, from: '2026-12-05T22:00:00Z', to: '2026-12-06T02:00:00Z' }],
      /^maintenance\[0]\.match: unknown match key "servce"; a match takes service, source, severity, labels and matchers/,
    ],
    [
      'a duplicate name',
      [
        { name: 'w', match: { service: 'db' }, from: '2026-12-05T22:00:00Z', to: '2026-12-06T02:00:00Z' },
        { name: 'w', match: { service: 'api' }, from: '2026-12-05T22:00:00Z', to: '2026-12-06T02:00:00Z' },
      ],
      /^maintenance\[1]\.name: window "w" is defined twice \(also maintenance\[0]\)/,
    ],
    [
      'an empty match',
      [{ name: 'w', match: {}, from: '2026-12-05T22:00:00Z', to: '2026-12-06T02:00:00Z' }],
      /^maintenance\[0]\.match: a window must match something/,
    ],
    [
      'a time without offset',
      [{ name: 'w', match: { service: 'db' }, from: '2026-12-05 22:00', to: '2026-12-06T02:00:00Z' }],
      /^maintenance\[0]\.from: must be a time with its offset/,
    ],
    [
      'a name with a space',
      [{ name: 'db upgrade', match: { service: 'db' }, from: '2026-12-05T22:00:00Z', to: '2026-12-06T02:00:00Z' }],
      /^maintenance\[0]\.name: may hold letters/,
    ],
    [
      'a bad matcher',
      [{ name: 'w', match: { matchers: ['team=~(a'] }, from: '2026-12-05T22:00:00Z', to: '2026-12-06T02:00:00Z' }],
      /^maintenance\[0]\.match\.matchers\[0]: .*not a valid regular expression/,
    ],
  ])('refuses %s, naming the field', (_what, maintenance, expected) => {
    const issues = configIssues(maintenance);
    expect(
      issues.some((issue) => expected.test(issue)),
      issues.join('\n'),
    ).toBe(true);
  });
});

describe('does an alert fall under a window', () => {
  const labels = { service: 'db', severity: 'critical', source: 'prometheus', team: 'storage' };
  it.each([
    [{ service: 'db' }, true],
    [{ service: 'api' }, false],
    [{ service: 'db', severity: 'critical' }, true],
    [{ service: 'db', severity: 'warning' }, false],
    [{ source: 'prometheus' }, true],
    [{ labels: { team: 'storage' } }, true],
    [{ labels: { team: 'network' } }, false],
    [{ labels: { region: 'eu' } }, false],
    [{ matchers: ['team=~stor.*'] }, true],
    [{ matchers: ['team!=storage'] }, false],
    [{ service: 'db', matchers: ['severity!=critical'] }, false],
    [{}, false],
  ])('match %j → %s', (match, expected) => {
    expect(matchesWindow(match, labels)).toBe(expected);
  });

  it('reads the match as route conditions', () => {
    expect(matchConditions({ service: 'db', labels: { team: 'a b' }, matchers: ['env!~dev.*'] })).toEqual([
      'service="db"',
      'team="a b"',
      'env!~dev.*',
    ]);
  });

  it('answers with the open window that ends last, and none before from or at to', () => {
    const early = window('early', { service: 'db' }, '2026-12-05T22:00:00Z', '2026-12-06T00:00:00Z');
    const late = window('late', { service: 'db' }, '2026-12-05T22:30:00Z', '2026-12-06T02:00:00Z');
    const other = window('other', { service: 'api' }, '2026-12-05T22:00:00Z', '2026-12-07T00:00:00Z');
    const db = { service: 'db', severity: 'critical' };
    expect(windowFor([early, late, other], db, NOW)?.name).toBe('late');
    expect(windowFor([early, late, other], db, Date.parse('2026-12-05T21:59:59Z'))).toBeUndefined();
    expect(windowFor([early], db, Date.parse('2026-12-06T00:00:00Z'))).toBeUndefined();
    expect(windowFor([early], db, Date.parse('2026-12-05T22:00:00Z'))?.name).toBe('early');
  });

  it('names the window, its end and who opened it in the answer', () => {
    const open = { ...window('db-upgrade', { service: 'db' }, '2026-12-05T22:00:00.000Z', '2026-12-06T02:00:00.000Z'), reason: 'v17' };
    expect(suppressionReason(open)).toBe(
      'in maintenance window "db-upgrade" until 2026-12-06T02:00:00.000Z (opened by dana: v17); no incident was opened',
    );
  });
});

describe('a window opened at run time', () => {
  const request = (body: Record<string, unknown>) => MaintenanceRequest.safeParse({ match: { service: 'db' }, by: 'dana', ...body });

  it('lasts `for` from now, or until `until`', () => {
    const twoHours = request({ for: '2h' });
    expect(twoHours.success && windowFromRequest(twoHours.data, NOW, 'w')).toMatchObject({
      ok: true,
      window: { from: '2026-12-05T23:00:00.000Z', to: '2026-12-06T01:00:00.000Z', origin: 'api', by: 'dana' },
    });
    const until = request({ until: '2026-12-06T02:00:00Z' });
    expect(until.success && windowFromRequest(until.data, NOW, 'w')).toMatchObject({
      ok: true,
      window: { to: '2026-12-06T02:00:00.000Z' },
    });
  });

  it.each([
    [{}, 'for', /one of the two/],
    [{ for: '2h', until: '2026-12-06T02:00:00Z' }, 'for', /one of the two/],
    [{ for: '0s' }, 'for', /longer than 0/],
    [{ for: '2h', match: { service: 'db', colour: 'red' } }, 'match', /unknown match key "colour"/],
    [{ for: '2h', by: ' ' }, 'by', /must name who/],
  ])('refuses %j at %s', (body, field, message) => {
    const parsed = request(body);
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues.find((i) => formatPath(i.path) === field);
    expect(issue?.message).toMatch(message);
  });

  it.each([
    [{ until: '2026-12-05T22:00:00Z' }, 'until', /in the past/],
    [{ for: '31d' }, 'for', /at most 30d/],
  ])('refuses %j once parsed, at %s', (body, field, message) => {
    const parsed = request(body);
    if (!parsed.success) throw parsed.error;
    const built = windowFromRequest(parsed.data, NOW, 'w');
    expect(built.ok).toBe(false);
    if (!built.ok) {
      expect(built.refusal.field).toBe(field);
      expect(built.refusal.reason).toMatch(message);
    }
  });

  it('makes a name from what it matches and when', () => {
    expect(generatedName({ service: 'db' }, NOW)).toBe('db-20261205T230000');
    expect(generatedName({ matchers: ['a=b'] }, NOW)).toBe('window-20261205T230000');
    expect(generatedName({ labels: { team: '#ops team' } }, NOW)).toBe('ops-team-20261205T230000');
  });

  it('parses a window already parsed to the same window (the API validates, the client again)', () => {
    const once = ConfiguredWindow.parse({
      name: 'w',
      match: { severity: 'high' },
      from: '2026-12-05T22:00:00Z',
      to: '2026-12-06T02:00:00Z',
    });
    expect(ConfiguredWindow.parse(once)).toEqual(once);
    expect(once.match.severity).toBe('error');
  });
});

describe('the hold', () => {
  const END = 10_000;
  it.each([
    ['a step due inside the window', { name: 'w', until: END }, 500, END],
    ['a step due at the end', { name: 'w', until: END }, END, undefined],
    ['a step due after the end', { name: 'w', until: END }, END + 1, undefined],
    ['no window', undefined, 500, undefined],
  ])('%s', (_what, hold, dueAt, expected) => {
    expect(heldUntil(hold, dueAt)).toBe(expected);
  });

  it.each([
    ['a window holds an incident under none', undefined, { name: 'a', until: '1970-01-01T00:00:10.000Z' }, { name: 'a', until: 10_000 }],
    ['the later end wins', { name: 'a', until: 10_000 }, { name: 'b', until: '1970-01-01T00:00:20.000Z' }, { name: 'b', until: 20_000 }],
    [
      'an earlier end of another window changes nothing',
      { name: 'a', until: 10_000 },
      { name: 'b', until: '1970-01-01T00:00:05.000Z' },
      { name: 'a', until: 10_000 },
    ],
    [
      'the same window moves its end',
      { name: 'a', until: 10_000 },
      { name: 'a', until: '1970-01-01T00:00:05.000Z' },
      { name: 'a', until: 5_000 },
    ],
    [
      'an early end ends its own hold then',
      { name: 'a', until: 10_000 },
      { name: 'a', ended: '1970-01-01T00:00:03.000Z' },
      { name: 'a', until: 3_000 },
    ],
    [
      'an early end of another window changes nothing',
      { name: 'a', until: 10_000 },
      { name: 'b', ended: '1970-01-01T00:00:03.000Z' },
      { name: 'a', until: 10_000 },
    ],
    ['an end with no hold stays none', undefined, { name: 'a', ended: '1970-01-01T00:00:03.000Z' }, undefined],
  ] as const)('%s', (_what, current, notice, expected) => {
    expect(applyNotice(current, notice)).toEqual(expected);
  });
});

describe('the planner under a maintenance window', () => {
  const policy = Policy.parse({
    name: 'ref',
    levels: [{ targets: [{ type: 'log' }] }, { delay: 300, targets: [{ type: 'log' }] }],
    autoResolve: 5_000,
  });
  const at = (position: Partial<Position>): Position => ({ state: 'PENDING', severity: 'critical', triggeredAt: 0, ...position });
  const paged = advance(undefined, { kind: 'level', cycle: 0, level: 0, dueAt: 0, isEscalation: false });

  it.each([
    ['level 1 held to the end', at({ maintenance: { name: 'w', until: 1_000 } }), 'maintenanceEnds@1000'],
    ['level 2 held to the end', at({ state: 'ACTIVE', cursor: paged, maintenance: { name: 'w', until: 1_000 } }), 'maintenanceEnds@1000'],
    ['level 2 due after the end: not held', at({ state: 'ACTIVE', cursor: paged, maintenance: { name: 'w', until: 200 } }), 'step@300'],
    [
      'an escalation request is not held',
      at({ state: 'ACTIVE', cursor: paged, escalationRequested: true, maintenance: { name: 'w', until: 1_000 } }),
      'escalateNow@42',
    ],
    [
      'auto-resolve before the end still comes',
      at({ state: 'ACTIVE', cursor: paged, maintenance: { name: 'w', until: 9_000 } }),
      'autoResolve@5000',
    ],
    [
      'an acknowledged incident has nothing to hold',
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 10, cursor: paged, maintenance: { name: 'w', until: 1_000 } }),
      'autoResolve@5000',
    ],
  ])('%s', (_what, position, expected) => {
    const next = plan(policy, position, 42);
    expect(`${next?.action.kind}@${next?.at}`).toBe(expected);
  });

  it('says the next escalation comes at the window`s end, and at its own time when due after it', () => {
    expect(nextEscalationAt(policy, at({ state: 'ACTIVE', cursor: paged, maintenance: { name: 'w', until: 1_000 } }))).toBe(1_000);
    expect(nextEscalationAt(policy, at({ state: 'ACTIVE', cursor: paged, maintenance: { name: 'w', until: 200 } }))).toBe(300);
  });

  it('labels the wait with the window', () => {
    expect(plan(policy, at({ maintenance: { name: 'db-upgrade', until: 1_000 } }), 0)?.label).toBe('maintenance window db-upgrade ends');
  });
});
