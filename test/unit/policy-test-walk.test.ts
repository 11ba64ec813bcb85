import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explainPolicy, formatExplanation } from '../../client/cli/policy-commands.js';
import { Config } from '../../domain/config.js';
import { runEscalate } from '../helpers/cli.js';

// `escalate policy test --at T --occurrences N`: besides the route, the urgency the incident runs
// at and the walk if nobody answers, with each business-hours hold and each skipped level.

const config = Config.parse({
  routes: [{ match: { service: 'batch' }, policy: 'office', urgency: { error: 'low' } }, { policy: 'office' }],
  policies: [
    {
      name: 'office',
      businessHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00', timezone: 'Europe/Berlin' },
      urgency: { critical: 'high', error: 'high', warning: 'low' },
      levels: [
        { targets: [{ type: 'log', id: 'team-lead' }] },
        { delay: '15m', targets: [{ type: 'log', id: 'primary' }] },
        { delay: '30m', targets: [{ type: 'log', id: 'night-owl' }], when: { between: '18:00-09:00', minOccurrences: 2 } },
        { delay: '30m', targets: [{ type: 'log', id: 'manager' }] },
      ],
    },
  ],
});
// Friday 17:50 in Berlin (UTC+1 in December).
const at = Date.parse('2026-12-04T16:50:00Z');

describe('policy test shows the hold and skip decisions', () => {
  it('holds a low-urgency walk to monday at level 2, then skips the night-only level during the day', () => {
    const explanation = explainPolicy(config, { labels: {}, severity: 'warning', service: 'api' }, { at });
    expect(explanation.urgency).toBe('low (the policy)');
    expect(formatExplanation(explanation).split('\n').slice(-6)).toEqual([
      'if nobody answers (raised 2026-12-04T16:50:00.000Z, 1 occurrence(s)):',
      '    2026-12-04T16:50:00.000Z  level 1 paged',
      '    2026-12-07T08:00:00.000Z  level 2 paged (held: low urgency (warning) outside business hours (mon,tue,wed,thu,fri 09:00-18:00 Europe/Berlin): level 2 held until 2026-12-07T08:00:00.000Z)',
      '    2026-12-07T08:30:00.000Z  level 3 skipped: when.between: not between 18:00-09:00 (it is 09:30 Europe/Berlin)',
      '    2026-12-07T09:00:00.000Z  level 4 paged',
      '    2026-12-07T09:30:00.000Z  TIMED_OUT: policy office exhausted: 4 level(s) walked 1 time(s) with no acknowledgement',
    ]);
  });

  it('pages a high-urgency error through the evening, the night level once enough alerts came', () => {
    const explanation = explainPolicy(config, { labels: {}, severity: 'error', service: 'api' }, { at, occurrences: 2 });
    expect(explanation.urgency).toBe('high (the policy)');
    expect(explanation.walk?.steps.map((s) => `${s.kind} ${s.level ?? ''}`.trim())).toEqual([
      'page 1',
      'page 2',
      'page 3',
      'page 4',
      'timeout',
    ]);
  });

  it("takes the route's urgency over the policy's", () => {
    const explanation = explainPolicy(config, { labels: {}, severity: 'error', service: 'batch' }, { at });
    expect(explanation.urgency).toBe('low (the route)');
    expect(explanation.walk?.steps[1]?.reason).toContain('low urgency (error) outside business hours');
  });
});

describe('escalate policy test --at --occurrences, the real binary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'escalate-walk-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'escalation.yaml');
  writeFileSync(
    file,
    [
      'policies:',
      '  - name: nightly',
      '    levels:',
      '      - targets: [{ type: log }]',
      '      - { delay: 10m, targets: [{ type: log }], when: { minOccurrences: 3 } }',
      '',
    ].join('\n'),
  );

  it('prints the walk with the skipped level, then pages it once enough alerts are counted', async () => {
    const args = ['--config', file, 'policy', 'test', '--labels', 'service=db', '--severity', 'error', '--at', '2026-12-04T12:00:00Z'];
    const skipped = await runEscalate(args);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain(
      '2026-12-04T12:10:00.000Z  level 2 skipped: when.minOccurrences: 1 occurrence(s) so far, fewer than 3',
    );
    const paged = await runEscalate([...args, '--occurrences', '3']);
    expect(paged.stdout).toContain('2026-12-04T12:10:00.000Z  level 2 paged');
  });

  it('refuses a time it cannot read, saying how to write it', async () => {
    const result = await runEscalate(['--config', file, 'policy', 'test', '--labels', 'service=db', '--at', 'friday']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--at friday: not a time; write ISO 8601 such as 2026-12-04T17:50:00Z');
  });
});
