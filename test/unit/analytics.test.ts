import { describe, expect, it } from 'vitest';
import { analyticsCsv, incidentAnalytics, type GroupFigures } from '../../domain/analytics.js';
import { percentile, secondsToResolve } from '../../domain/incident-timing.js';
import { NOVEMBER, SINCE, UNTIL } from '../fixtures/analytics/records.js';

// Every figure below is worked out by hand from test/fixtures/analytics/records.ts (incident f
// opened in October and is outside the window). Percentiles are nearest-rank: p50 of n values is
// the ceil(n/2)-th smallest, p90 the ceil(0.9 n)-th.
const group = (figures: { groups: GroupFigures[] }, name: string) => figures.groups.find((g) => g.group === name);

describe('nearest-rank percentiles', () => {
  it.each([
    { values: [], p: 50, expected: undefined },
    { values: [7], p: 90, expected: 7 },
    { values: [40, 10, 30, 20], p: 50, expected: 20 },
    { values: [40, 10, 30, 20], p: 90, expected: 40 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 90, expected: 9 },
  ])('p$p of $values is $expected', ({ values, p, expected }) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('incident analytics over a hand-computed month', () => {
  it('groups by service: counts, MTTA and MTTR p50/p90, escalations per incident, breaches', () => {
    const figures = incidentAnalytics(NOVEMBER, 'service', SINCE, UNTIL);
    expect(figures.groups.map((g) => [g.group, g.incidents])).toEqual([
      ['checkout', 4],
      ['(no service)', 1],
      ['payments', 1],
      ['search', 1],
    ]);
    // checkout: a, b, c, g. Acknowledged after 120, 600, 60, 30 s; resolved after 1800, 3600, 7200 s (c is open).
    expect(group(figures, 'checkout')).toEqual({
      group: 'checkout',
      incidents: 4,
      acknowledged: 4,
      resolved: 3,
      mtta: { count: 4, p50Seconds: 60, p90Seconds: 600 },
      mttr: { count: 3, p50Seconds: 3600, p90Seconds: 7200 },
      escalationsPerIncident: 1, // (1 + 2 + 0 + 1) / 4
      unreachedLevels: 0,
      slaBreaches: 1, // b's respond breach
    });
    expect(group(figures, 'search')).toMatchObject({
      acknowledged: 0,
      resolved: 0,
      mtta: { count: 0 },
      mttr: { count: 0 },
      escalationsPerIncident: 3,
      unreachedLevels: 1,
    });
    // e was cancelled (a false alarm): acknowledged, never resolved.
    expect(group(figures, '(no service)')).toMatchObject({ acknowledged: 1, resolved: 0, mtta: { p50Seconds: 300 } });
  });

  it('measures MTTA from the first acknowledgement and MTTR from a re-opening', () => {
    const payments = group(incidentAnalytics(NOVEMBER, 'service', SINCE, UNTIL), 'payments');
    expect(payments).toMatchObject({ mtta: { count: 1, p50Seconds: 300 }, mttr: { count: 1, p50Seconds: 600 } });
  });

  it('measures MTTR from the record, not the last run, for an incident that continued as new', () => {
    const g = NOVEMBER.find((r) => r.key === 'g')!;
    expect(g.runs).toBe(3);
    expect(secondsToResolve(g)).toBe(7200);
  });

  it('totals every incident opened in the window', () => {
    const { total } = incidentAnalytics(NOVEMBER, 'policy', SINCE, UNTIL);
    // Acknowledged after 30, 60, 120, 300 (e), 300 (h), 600; resolved after 600 (h), 1800, 3600, 7200.
    expect(total).toEqual({
      group: '(all)',
      incidents: 7,
      acknowledged: 6,
      resolved: 4,
      mtta: { count: 6, p50Seconds: 120, p90Seconds: 600 },
      mttr: { count: 4, p50Seconds: 1800, p90Seconds: 7200 },
      escalationsPerIncident: 1, // (1 + 2 + 0 + 3 + 0 + 1 + 0) / 7
      unreachedLevels: 1,
      slaBreaches: 1,
    });
  });

  it('groups by policy', () => {
    const figures = incidentAnalytics(NOVEMBER, 'policy', SINCE, UNTIL);
    expect(figures.groups.map((g) => [g.group, g.incidents, g.escalationsPerIncident])).toEqual([
      ['prod', 5, 0.8], // a, b, c, g, h: (1 + 2 + 0 + 1 + 0) / 5
      ['default', 2, 1.5], // d, e: (3 + 0) / 2
    ]);
  });

  it('groups by the first responder, the unacknowledged apart', () => {
    const figures = incidentAnalytics(NOVEMBER, 'responder', SINCE, UNTIL);
    expect(figures.groups.map((g) => [g.group, g.incidents])).toEqual([
      ['dana', 3],
      ['bob', 2],
      ['(unacknowledged)', 1],
      ['carol', 1],
    ]);
    // dana: a, c, g acknowledged after 120, 60, 30; a and g resolved after 1800 and 7200.
    expect(group(figures, 'dana')).toMatchObject({
      mtta: { count: 3, p50Seconds: 60, p90Seconds: 120 },
      mttr: { count: 2, p50Seconds: 1800, p90Seconds: 7200 },
    });
    // bob: b (600, resolved 3600) and e (300, cancelled).
    expect(group(figures, 'bob')).toMatchObject({ mtta: { p50Seconds: 300, p90Seconds: 600 }, mttr: { count: 1, p50Seconds: 3600 } });
  });

  it('writes CSV with a header, a line per group and the total, empty cells where nothing was measured', () => {
    const csv = analyticsCsv(incidentAnalytics(NOVEMBER, 'service', SINCE, UNTIL));
    expect(csv.split('\n')).toEqual([
      'group,incidents,acknowledged,resolved,mtta_p50_seconds,mtta_p90_seconds,mttr_p50_seconds,mttr_p90_seconds,escalations_per_incident,unreached_levels,sla_breaches',
      'checkout,4,4,3,60,600,3600,7200,1,0,1',
      '(no service),1,1,0,300,300,,,0,0,0',
      'payments,1,1,1,300,300,600,600,0,0,0',
      'search,1,0,0,,,,,3,1,0',
      '(all),7,6,4,120,600,1800,7200,1,1,1',
      '',
    ]);
  });

  it('quotes a group name holding a comma or a quote', () => {
    const odd = NOVEMBER.filter((r) => r.key === 'a').map((r) => ({ ...r, service: 'pay, "eu"' }));
    expect(analyticsCsv(incidentAnalytics(odd, 'service', SINCE, UNTIL)).split('\n')[1]).toMatch(/^"pay, ""eu""",1,/);
  });
});
