import { Slas } from '../../domain/sla.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SLA_TARGETS, healthBand, healthScore, serviceHealth, type HealthInputs } from '../../domain/service-health.js';
import { slaTargets } from '../../client/health.js';
import { record } from '../fixtures/analytics/records.js';

// The worked examples of README "Service health": score = 100 − open − respond − resolve − breaches.
describe('health score', () => {
  it.each<{ name: string; inputs: HealthInputs; score: number; band: string; penalties: Record<string, number> }>([
    {
      name: 'nothing happened',
      inputs: { openBySeverity: {}, breaches: 0 },
      score: 100,
      band: 'excellent',
      penalties: { open: 0, respond: 0, resolve: 0, breaches: 0 },
    },
    {
      name: 'one critical open, acknowledged in 1.5× the SLA',
      inputs: { openBySeverity: { critical: 1 }, respondRatio: 1.5, breaches: 0 },
      score: 70,
      band: 'fair',
      penalties: { open: 20, respond: 10, resolve: 0, breaches: 0 },
    },
    {
      name: 'a bad week: open weight 52 capped at 40, respond 3×, resolve 1.25×, 3 breaches',
      inputs: { openBySeverity: { critical: 2, error: 1 }, respondRatio: 3, resolveRatio: 1.25, breaches: 3 },
      score: 20,
      band: 'critical',
      penalties: { open: 40, respond: 20, resolve: 5, breaches: 15 },
    },
    {
      name: 'a warning open, answered within the SLA, resolved 10% late',
      inputs: { openBySeverity: { warning: 1 }, respondRatio: 0.8, resolveRatio: 1.1, breaches: 0 },
      score: 92,
      band: 'excellent',
      penalties: { open: 6, respond: 0, resolve: 2, breaches: 0 },
    },
    {
      name: 'low severities and one breach: exactly 90',
      inputs: { openBySeverity: { info: 1, debug: 3 }, breaches: 1 },
      score: 90,
      band: 'excellent',
      penalties: { open: 5, respond: 0, resolve: 0, breaches: 5 },
    },
    {
      name: 'an error open, two breaches, answered 5% late',
      inputs: { openBySeverity: { error: 1 }, respondRatio: 1.05, breaches: 2 },
      score: 77,
      band: 'good',
      penalties: { open: 12, respond: 1, resolve: 0, breaches: 10 },
    },
    {
      name: 'ten breaches cost at most 20',
      inputs: { openBySeverity: {}, breaches: 10 },
      score: 80,
      band: 'good',
      penalties: { open: 0, respond: 0, resolve: 0, breaches: 20 },
    },
    {
      name: 'a critical and an error open, resolved 1.4× the SLA: exactly 60',
      inputs: { openBySeverity: { critical: 1, error: 1 }, resolveRatio: 1.4, breaches: 0 },
      score: 60,
      band: 'fair',
      penalties: { open: 32, respond: 0, resolve: 8, breaches: 0 },
    },
    {
      name: 'three criticals open, three breaches, answered 1.2× the SLA',
      inputs: { openBySeverity: { critical: 3 }, respondRatio: 1.2, breaches: 3 },
      score: 41,
      band: 'poor',
      penalties: { open: 40, respond: 4, resolve: 0, breaches: 15 },
    },
    {
      name: 'the same with four breaches',
      inputs: { openBySeverity: { critical: 3 }, respondRatio: 1.05, breaches: 4 },
      score: 39,
      band: 'critical',
      penalties: { open: 40, respond: 1, resolve: 0, breaches: 20 },
    },
  ])('$name: $score ($band)', ({ inputs, score, band, penalties }) => {
    expect(healthScore(inputs)).toEqual({ score, band, penalties });
  });

  it.each([
    [100, 'excellent'],
    [90, 'excellent'],
    [89, 'good'],
    [75, 'good'],
    [74, 'fair'],
    [60, 'fair'],
    [59, 'poor'],
    [40, 'poor'],
    [39, 'critical'],
    [0, 'critical'],
  ])('%i is %s', (score, band) => {
    expect(healthBand(score)).toBe(band);
  });
});

describe('service health over a day of incidents', () => {
  const NOW = Date.parse('2026-12-01T12:00:00Z');
  const SINCE = NOW - 24 * 3_600_000;
  const records = [
    // Acknowledged after 10 m (ratio 600/900), resolved after 1 h (3600/14400): within both SLAs.
    {
      ...record({
        key: 'r1',
        policy: 'p',
        createdAt: '2026-11-30T20:00:00Z',
        state: 'RESOLVED',
        escalationCount: 0,
        ackAfter: 600,
        resolveAfter: 3600,
      }),
      severity: 'critical' as const,
    },
    // Acknowledged after 30 m (ratio 2): a respond breach; still open.
    {
      ...record({ key: 'r2', policy: 'p', createdAt: '2026-12-01T09:00:00Z', state: 'ACKNOWLEDGED', escalationCount: 0, ackAfter: 1800 }),
      severity: 'critical' as const,
    },
    // Unanswered for exactly its 1 h respond SLA at noon: not (yet) a breach.
    {
      ...record({ key: 'r3', policy: 'p', createdAt: '2026-12-01T11:00:00Z', state: 'ACTIVE', escalationCount: 0 }),
      severity: 'warning' as const,
    },
    // Opened before the window and still open: weighs on the score, not on the timings.
    {
      ...record({ key: 'r4', policy: 'p', createdAt: '2026-11-29T00:00:00Z', state: 'TIMED_OUT', escalationCount: 0 }),
      severity: 'error' as const,
    },
  ];
  const health = serviceHealth(records, DEFAULT_SLA_TARGETS, SINCE, NOW);

  it('scores now: open 20 + 6 + 12, respond 20 × (1.333 − 1), one breach', () => {
    expect(health.inputs).toEqual({
      openBySeverity: { critical: 1, warning: 1, error: 1 },
      respondRatio: 1.333,
      resolveRatio: 0.25,
      breaches: 1,
    });
    expect(health.penalties).toEqual({ open: 38, respond: 6.7, resolve: 0, breaches: 5 });
    expect(health).toMatchObject({ score: 50, band: 'poor' });
  });

  it('gives an hourly trend for a day, each point scored at the end of its hour', () => {
    expect(health.trend).toHaveLength(24);
    const at = (iso: string) => health.trend.find((p) => p.at === new Date(iso).toISOString());
    expect(health.trend[0]).toMatchObject({ at: '2026-11-30T13:00:00.000Z', score: 88, band: 'good' }); // r4 alone
    expect(at('2026-11-30T21:00:00Z')).toMatchObject({ score: 88 }); // r1 came and went within its SLAs
    expect(at('2026-12-01T10:00:00Z')).toMatchObject({ score: 43, band: 'poor' }); // r2: open 32, respond 20, one breach
    expect(health.trend[23]).toMatchObject({ at: '2026-12-01T12:00:00.000Z', score: 62, band: 'fair' }); // r3 arrived: open 38
  });

  it('uses the breaches an incident records instead of deriving them', () => {
    const recorded = [{ ...records[1]!, slaBreaches: [] }];
    expect(serviceHealth(recorded, DEFAULT_SLA_TARGETS, SINCE, NOW).inputs.breaches).toBe(0);
  });

  it('gives a daily trend for longer windows', () => {
    expect(serviceHealth(records, DEFAULT_SLA_TARGETS, NOW - 7 * 86_400_000, NOW).trend.map((p) => p.at.slice(0, 10))).toEqual([
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
    ]);
  });
});

describe('SLA targets from the config', () => {
  it('takes what the config sets and keeps the defaults for the rest', () => {
    const { targets, fromConfig } = slaTargets({
      slas: Slas.parse({ critical: { respondWithin: '5m', resolveWithin: '1h' }, warning: { respondWithin: '2h' } }),
    });
    expect(fromConfig).toBe(true);
    expect(targets.critical).toEqual({ respondWithinMs: 300_000, resolveWithinMs: 3_600_000 });
    expect(targets.warning).toEqual({ respondWithinMs: 7_200_000, resolveWithinMs: DEFAULT_SLA_TARGETS.warning.resolveWithinMs });
    expect(targets.error).toEqual(DEFAULT_SLA_TARGETS.error);
  });

  it('uses the defaults without an slas section', () => {
    expect(slaTargets({})).toEqual({ targets: DEFAULT_SLA_TARGETS, fromConfig: false });
  });
});
