import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../domain/config-text.js';
import {
  engineHeartbeatSpec,
  Heartbeat,
  heartbeatDeadline,
  heartbeatDueAt,
  heartbeatIncident,
  heartbeatState,
  type HeartbeatState,
} from '../../domain/heartbeat.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const nightly = { every: DAY, grace: HOUR };
const since = Date.parse('2026-12-01T00:00:00Z');

describe('heartbeatState and heartbeatDeadline', () => {
  const cases: { name: string; lastPing?: number; now: number; state: HeartbeatState; deadline: number }[] = [
    { name: 'never pinged, within the first every + grace', now: since + DAY, state: 'never-pinged', deadline: since + DAY + HOUR },
    { name: 'never pinged, at the first deadline', now: since + DAY + HOUR, state: 'missing', deadline: since + DAY + HOUR },
    { name: 'pinged just now', lastPing: since + HOUR, now: since + HOUR, state: 'healthy', deadline: since + HOUR + DAY + HOUR },
    { name: 'pinged a minute short of a day ago', lastPing: since, now: since + DAY - MIN, state: 'healthy', deadline: since + DAY + HOUR },
    { name: 'due: a day after the ping', lastPing: since, now: since + DAY, state: 'late', deadline: since + DAY + HOUR },
    { name: 'within the grace', lastPing: since, now: since + DAY + HOUR - 1, state: 'late', deadline: since + DAY + HOUR },
    { name: 'past every + grace', lastPing: since, now: since + DAY + HOUR, state: 'missing', deadline: since + DAY + HOUR },
    { name: 'days past', lastPing: since, now: since + 5 * DAY, state: 'missing', deadline: since + DAY + HOUR },
  ];
  it.each(cases)('$name → $state', ({ lastPing, now, state, deadline }) => {
    expect(heartbeatState(nightly, lastPing, since, now)).toBe(state);
    expect(heartbeatDeadline(nightly, lastPing, since)).toBe(deadline);
  });

  it('is late at once and missing at the deadline when grace is 0', () => {
    const strict = { every: HOUR, grace: 0 };
    expect(heartbeatDueAt(strict, since, since)).toBe(since + HOUR);
    expect(heartbeatState(strict, since, since, since + HOUR - 1)).toBe('healthy');
    expect(heartbeatState(strict, since, since, since + HOUR)).toBe('missing');
  });
});

describe('heartbeatIncident', () => {
  const spec = { name: 'nightly-backup', every: DAY, grace: HOUR, severity: 'critical' as const, service: 'backups' };

  it('names the heartbeat and the last ping in the summary, keyed heartbeat-<name>, with the service routes match on', () => {
    expect(heartbeatIncident(spec, '2026-12-01T02:00:00.000Z', '2026-12-02T03:00:00.000Z')).toEqual({
      key: 'heartbeat-nightly-backup',
      summary: 'Heartbeat nightly-backup missed: last ping 2026-12-01T02:00:00.000Z, expected every 1d with 1h grace',
      severity: 'critical',
      source: 'heartbeat',
      service: 'backups',
      labels: { heartbeat: 'nightly-backup' },
      details: {
        heartbeat: 'nightly-backup',
        lastPing: '2026-12-01T02:00:00.000Z',
        deadline: '2026-12-02T03:00:00.000Z',
        every: '1d',
        grace: '1h',
      },
    });
  });

  it('says "never pinged" without a ping, and takes a summary of its own', () => {
    expect(heartbeatIncident({ ...spec, grace: 0 }, undefined, 'x').summary).toBe(
      'Heartbeat nightly-backup missed: never pinged, expected every 1d',
    );
    expect(heartbeatIncident({ ...spec, summary: 'Backups stopped' }, undefined, 'x').summary).toBe('Backups stopped');
  });
});

describe('the heartbeat schema', () => {
  it('reads durations, defaults grace to 0 and severity to critical', () => {
    expect(Heartbeat.parse({ name: 'nightly-backup', every: '24h' })).toEqual({
      name: 'nightly-backup',
      every: DAY,
      grace: 0,
      severity: 'critical',
    });
  });

  it('keeps the engine heartbeat healthy through one missed beat, missing after two', () => {
    expect(engineHeartbeatSpec({ every: 5 * MIN, url: 'https://hc-ping.com/abc' })).toEqual({
      spec: { name: 'escalation-engine', every: 10 * MIN, grace: 5 * MIN, severity: 'critical' },
      self: { every: 5 * MIN, url: 'https://hc-ping.com/abc' },
    });
    expect(engineHeartbeatSpec(undefined).self).toEqual({ every: MIN });
  });
});

/** A config whose `heartbeats:` lines are given; the error must name the field, its line and the fix. */
function configText(heartbeats: string[], extra: string[] = []): string {
  return [
    ...extra,
    'policies:',
    '  - name: default',
    '    levels:',
    '      - targets: [{ type: log }]',
    'heartbeats:',
    ...heartbeats,
    '',
  ].join('\n');
}

describe('heartbeats in policy validate (load-time checks)', () => {
  const refusals: { name: string; text: string; path: string; lineHolding: string; message: RegExp }[] = [
    {
      name: 'two heartbeats with one name',
      text: configText(['  - { name: nightly-backup, every: 24h }', '  - { name: nightly-backup, every: 1h, service: db2 }']),
      path: 'heartbeats[1].name',
      lineHolding: 'service: db2',
      message: /"nightly-backup" is defined twice \(also heartbeats\[0]\); .*give each its own name/,
    },
    {
      name: 'an interval under a minute',
      text: configText(['  - { name: chatty, every: 10s }']),
      path: 'heartbeats[0].every',
      lineHolding: 'chatty',
      message: /10s is too short: .* at least 1m .*set every to how often the job runs/,
    },
    {
      name: "the engine's own name",
      text: configText(['  - { name: escalation-engine, every: 5m }']),
      path: 'heartbeats[0].name',
      lineHolding: 'name: escalation-engine',
      message: /engine's own heartbeat \(set its URL under selfHeartbeat\)/,
    },
    {
      name: 'a service no route takes',
      text: configText(
        ['  - { name: nightly-backup, every: 24h, service: backups }'],
        ['routes:', '  - { match: { service: db }, policy: default }'],
      ),
      path: 'heartbeats[0].service',
      lineHolding: 'service: backups',
      message:
        /a missed beat of "nightly-backup" \(service backups\) matches no route and there is no default route, so it would page nobody; add a route for it \(match: \{ service: backups \}\) or a default route last/,
    },
    {
      name: 'a severity the gates drop',
      text: configText(['  - { name: metrics-export, every: 1h, severity: info }'], ['gates: { minSeverity: warning }']),
      path: 'heartbeats[0].severity',
      lineHolding: 'metrics-export',
      message: /runs at info, below gates.minSeverity \(warning\), so it would page nobody; raise its severity/,
    },
  ];

  it.each(refusals)('refuses $name, naming the field, its line and the fix', ({ text, path, lineHolding, message }) => {
    const result = parseConfigText(text, {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = text.split('\n');
    expect(lines.filter((line) => line.includes(lineHolding))).toHaveLength(1);
    const line = lines.findIndex((l) => l.includes(lineHolding)) + 1;
    expect(result.errors).toEqual([expect.objectContaining({ path, line, message: expect.stringMatching(message) })]);
  });

  it('accepts a heartbeat whose service a route takes, and a selfHeartbeat URL', () => {
    const result = parseConfigText(
      configText(
        ['  - { name: nightly-backup, every: 24h, grace: 1h, severity: critical, service: backups }'],
        [
          'selfHeartbeat: { url: "https://hc-ping.com/abc", every: 5m }',
          'routes:',
          '  - { match: { service: backups }, policy: default }',
          '  - { policy: default }',
        ],
      ),
      {},
    );
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
