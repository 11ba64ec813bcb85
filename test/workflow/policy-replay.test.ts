import { join } from 'node:path';
import { inject, describe, expect, it } from 'vitest';
import { formatReplay, replayAlerts } from '../../client/cli/replay.js';
import { parseReplayAlerts, ReplayInputError } from '../../client/replay-input.js';
import { loadConfigFile } from '../../runtime/config-file.js';

// `escalate policy replay` (issue 15): a recorded alert stream through the routes and policies on
// the time-skipping server, with chosen acknowledge times; the pages it would have sent, with
// their times. Shadow mode throughout: no provider is configured, and none is called.
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'replay');
const config = () => loadConfigFile(join(fixtures, 'escalation.yaml'));
const minutes = (n: number) => n * 60_000;

describe('escalate policy replay', () => {
  it('prints the pages the recorded alerts would have sent, stopping at each acknowledgement or resolve', async () => {
    const result = await replayAlerts({
      config: config(),
      alertsFile: join(fixtures, 'alerts.jsonl'),
      ackAfterMs: minutes(3),
      horizonMs: minutes(120),
      workflowBundlePath: inject('workflowBundlePath'),
    });

    expect(result.firstAlertAt).toBe('2026-03-01T02:00:00.000Z');
    expect(result.alerts).toBe(4);
    // db-down: alice at once, bob at 10 minutes, acknowledged at 12 (its own ackAfter). web-slow:
    // carol, resolved by Alertmanager at 4 minutes, before level 2. db-lag: alice, acknowledged
    // 3 minutes later (--ack-after), before bob.
    expect(result.pages.map((p) => [Math.round(p.offsetMs / 1000), p.incidentId, p.level, p.target, p.channel, p.address])).toEqual([
      [0, 'incident-db-down', 1, 'user:alice', 'email', 'alice@example.com'],
      [60, 'incident-web-slow', 1, 'user:carol', 'email', 'carol@example.com'],
      [600, 'incident-db-down', 2, 'user:bob', 'sms', '+15550100002'],
      [1800, 'incident-db-lag', 1, 'user:alice', 'email', 'alice@example.com'],
    ]);
    expect(result.pages.map((p) => p.at.slice(0, 19))).toEqual([
      '2026-03-01T02:00:00',
      '2026-03-01T02:01:00',
      '2026-03-01T02:10:00',
      '2026-03-01T02:30:00',
    ]);
    expect(result.incidents.map((i) => [i.incidentId, i.policy, i.state, i.acknowledgedAt?.slice(0, 16)])).toEqual([
      ['incident-db-down', 'database', 'ACKNOWLEDGED', '2026-03-01T02:12'],
      ['incident-web-slow', 'default', 'RESOLVED', undefined],
      ['incident-db-lag', 'database', 'ACKNOWLEDGED', '2026-03-01T02:33'],
    ]);
    expect(result.notEscalated).toEqual([{ line: 3, reason: 'severity info is below gates.minSeverity (warning)' }]);

    const text = formatReplay(result);
    expect(text).toContain('4 page(s) would have gone out');
    expect(text).toMatch(/\+10m\s+2026-03-01T02:10:00\.\d{3}Z {2}incident-db-down {2}L2\s+user:bob via sms \(\+15550100002\)/);
  });

  it('refuses a stream with bad lines, naming each line and field, before starting anything', () => {
    const stream = [
      '{"at": "yesterday", "alert": {"summary": "x", "severity": "critical"}}',
      '{"at": "2026-03-01T02:00:00Z"}',
      'not json',
      '{"at": "2026-03-01T02:00:00Z", "alert": {"severity": "critical"}}',
    ].join('\n');
    let refused: unknown;
    try {
      parseReplayAlerts(stream, 'bad.jsonl');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ReplayInputError);
    const problems = (refused as ReplayInputError).problems;
    expect(problems[0]).toMatch(/^line 1: at: must be an ISO 8601 time/);
    expect(problems[1]).toMatch(/^line 2: \(line\): needs exactly one of alert/);
    expect(problems[2]).toMatch(/^line 3: not JSON/);
    expect(problems[3]).toMatch(/^line 4: alert\.summary: /);
  });
});
