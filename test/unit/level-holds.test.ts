import { describe, expect, it } from 'vitest';
import { advance, type EscalationCursor } from '../../domain/escalation.js';
import { previewWalk, urgencyLabel } from '../../domain/level-preview.js';
import { UrgencyMap } from '../../domain/level-schemas.js';
import { isWalkHeld, plan, skippedCursor, walkPlan, type Position } from '../../domain/planner.js';
import { Policy } from '../../domain/policy.js';
import { urgencyHold, urgencyOf } from '../../domain/urgency.js';

// Urgency on every level and conditions on a level (issue 12, items 5 and 6), as the planner
// plans them. 2026-12-04 is a Friday; business hours are weekdays 09:00-18:00 UTC.

const MIN = 60_000;
const friday = (clock: string) => Date.parse(`2026-12-04T${clock}:00Z`);
const mondayNine = Date.parse('2026-12-07T09:00:00Z');
const hours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00', timezone: 'UTC' };
const URGENCY = { critical: 'high', error: 'high', warning: 'low' };

function policy(
  options: Record<string, unknown> = {},
  levels: Record<string, unknown>[] = [{}, { delay: '15m' }, { delay: '30m' }],
): Policy {
  return Policy.parse({
    name: 'office',
    businessHours: hours,
    urgency: URGENCY,
    levels: levels.map((level) => ({ targets: [{ type: 'log' }], ...level })),
    ...options,
  });
}

/** Level 1 (0-based 0) paged at `at`, the walk's own due time. */
const pagedLevel1 = (at: number): EscalationCursor =>
  advance(undefined, { kind: 'level', cycle: 0, level: 0, dueAt: at, isEscalation: false });

const active = (cursor: EscalationCursor, extra: Partial<Position> = {}): Position => ({
  state: 'ACTIVE',
  severity: 'warning',
  triggeredAt: cursor.levelAt,
  cursor,
  levelHolds: true,
  ...extra,
});

describe('urgencyOf: the route over the policy, else high; no map keeps the older rule', () => {
  const route = UrgencyMap.parse({ warning: 'high', p4: 'low' });
  it.each([
    ['the policy map decides a severity it names', { urgency: UrgencyMap.parse(URGENCY) }, undefined, 'warning', 'low'],
    ['a severity left out of the map is high', { urgency: UrgencyMap.parse(URGENCY) }, undefined, 'info', 'high'],
    ['the route map wins over the policy map', { urgency: UrgencyMap.parse(URGENCY) }, route, 'warning', 'high'],
    ['the route map alone, aliases read as severities', {}, route, 'info', 'low'],
    ['neither: undefined (business hours hold level 1 only)', {}, undefined, 'warning', undefined],
  ] as const)('%s', (_title, p, r, severity, expected) => {
    expect(urgencyOf(severity, p, r)).toBe(expected);
  });

  it.each([
    ['high pages at any hour', 'high', friday('20:00'), friday('20:00')],
    ['low waits for the opening', 'low', friday('20:00'), mondayNine],
    ['low inside the hours pages now', 'low', friday('10:00'), friday('10:00')],
  ] as const)('urgencyHold: %s', (_title, urgency, at, until) => {
    expect(
      urgencyHold(Policy.parse({ name: 'x', levels: [{ targets: [{ type: 'log' }] }], businessHours: hours }).businessHours, urgency, at),
    ).toBe(until);
  });
});

describe('the planner holds a low-urgency walk on every level', () => {
  it('plans level 2 at its due time, then holds it once due, saying why for the timeline', () => {
    const position = active(pagedLevel1(friday('17:50')));
    expect(plan(policy(), position, friday('17:50'))).toMatchObject({ at: friday('18:05'), label: 'level 2 due' });
    const held = plan(policy(), position, friday('18:05'));
    expect(held).toMatchObject({ at: mondayNine, label: 'level 2 due (business hours)' });
    expect(held?.action).toMatchObject({ kind: 'step', step: { kind: 'level', level: 1, dueAt: mondayNine } });
    expect(held?.hold).toBe(
      'low urgency (warning) outside business hours (mon,tue,wed,thu,fri 09:00-18:00 UTC): level 2 held until 2026-12-07T09:00:00.000Z',
    );
  });

  it('tells the workflow a step planned before it came due is held now, even on a timer that fired early', () => {
    const position = active(pagedLevel1(friday('17:50')));
    expect(isWalkHeld(policy(), position, friday('18:05'))).toBe(true);
    expect(isWalkHeld(policy(), position, friday('18:05') - 3)).toBe(true);
    expect(isWalkHeld(policy(), position, mondayNine)).toBe(false);
    expect(isWalkHeld(policy(), position, mondayNine - 3)).toBe(true);
    expect(isWalkHeld(policy(), active(pagedLevel1(friday('10:00'))), friday('10:15') - 3)).toBe(false);
    expect(isWalkHeld(policy(), { ...position, severity: 'error' }, friday('18:05'))).toBe(false);
    expect(isWalkHeld(policy(), { ...position, levelHolds: false }, friday('18:05'))).toBe(false);
  });

  it('pages the held level at the opening; the next level counts from that page', () => {
    const cursor = advance(pagedLevel1(friday('17:50')), { kind: 'level', cycle: 0, level: 1, dueAt: mondayNine, isEscalation: true });
    expect(plan(policy(), active(cursor), mondayNine)?.at).toBe(mondayNine + 30 * MIN);
  });

  it('releases the hold at once when the severity is raised to high urgency', () => {
    const raised = active(pagedLevel1(friday('17:50')), { severity: 'error' });
    const saturday = Date.parse('2026-12-05T10:00:00Z');
    expect(plan(policy(), raised, saturday)).toMatchObject({ at: friday('18:05') });
    expect(plan(policy(), raised, saturday)?.hold).toBeUndefined();
  });

  it('holds level 1 of an incident raised outside the hours, through the group wait', () => {
    const position: Position = { state: 'PENDING', severity: 'warning', triggeredAt: friday('20:00'), levelHolds: true, groupWait: 30_000 };
    expect(plan(policy(), position, friday('20:00'))?.at).toBe(friday('20:00') + 30_000);
    const held = plan(policy(), position, friday('20:00') + 30_000);
    expect(held?.at).toBe(mondayNine);
    expect(held?.hold).toContain('level 1 held until 2026-12-07T09:00:00.000Z');
  });

  it('lets a repeat due with the next level at the opening give way to the level', () => {
    const p = policy({}, [{ repeat: { count: 2, interval: '10m' } }, { delay: '30m' }]);
    const cursor = advance(pagedLevel1(friday('17:40')), { kind: 'repeat', cycle: 0, level: 0, repeat: 1, dueAt: friday('17:50') });
    const held = plan(p, active(cursor), friday('18:00'));
    expect(held?.action).toMatchObject({ kind: 'step', step: { kind: 'level', level: 1, dueAt: mondayNine } });
    expect(held?.hold).toContain('level 2 held until');
  });

  it('keeps a held repeat when the next level is due after the opening', () => {
    const p = policy({}, [{ repeat: { count: 1, interval: '1h' } }, { delay: '3d' }]);
    const held = plan(p, active(pagedLevel1(friday('17:30'))), friday('18:30'));
    expect(held?.action).toMatchObject({ kind: 'step', step: { kind: 'repeat', level: 0, repeat: 1, dueAt: mondayNine } });
    expect(held?.hold).toContain('level 1 repeat 1 held until');
  });

  it.each([
    ['high urgency', {}, 'error'],
    ['a route map saying high', {}, 'warning', { warning: 'high' }],
    ['no urgency map anywhere (only level 1 is held, as before)', { urgency: undefined }, 'warning'],
  ] as const)('does not hold level 2 with %s', (_title, options, severity, route?: Record<string, string>) => {
    const p = policy(options);
    const routeUrgency = route ? UrgencyMap.parse(route) : undefined;
    const next = plan(p, active(pagedLevel1(friday('17:50')), { severity, ...(routeUrgency && { routeUrgency }) }), friday('18:05'));
    expect(next?.at).toBe(friday('18:05'));
  });

  it('holds every level for a route map saying low, on a policy without a map', () => {
    const next = plan(
      policy({ urgency: undefined }),
      active(pagedLevel1(friday('17:50')), { routeUrgency: UrgencyMap.parse({ warning: 'low' }) }),
      friday('18:05'),
    );
    expect(next?.at).toBe(mondayNine);
  });

  it('keeps the older rule for an incident recorded before the change (no levelHolds)', () => {
    const next = plan(policy(), active(pagedLevel1(friday('17:50')), { levelHolds: false }), friday('18:05'));
    expect(next?.at).toBe(friday('18:05'));
  });

  it('never holds the end of the walk', () => {
    const p = policy({ finalWait: '10m' }, [{}]);
    const next = walkPlan(p, active(pagedLevel1(friday('17:55'))), friday('18:05'));
    expect(next.action).toMatchObject({ kind: 'step', step: { kind: 'timeout' } });
    expect(next.at).toBe(friday('18:05'));
  });
});

describe('a skipped level: the walk goes on as if it had been paged', () => {
  it('counts the next level from the skipped level due time, without its repeats', () => {
    const p = policy({}, [{}, { delay: '10m', repeat: { count: 2, interval: '2m' } }, { delay: '5m' }]);
    const cursor = skippedCursor(p, pagedLevel1(0), { kind: 'level', cycle: 0, level: 1, dueAt: 10 * MIN, isEscalation: true });
    expect(cursor).toMatchObject({ level: 1, repeat: 2, levelAt: 10 * MIN, escalationCount: 1 });
    expect(walkPlan(p, active(cursor, { severity: 'error' }), 10 * MIN)).toMatchObject({ at: 15 * MIN, action: { step: { level: 2 } } });
  });
});

describe('previewWalk: an unanswered walk with its holds and skips', () => {
  const brief = (steps: ReturnType<typeof previewWalk>) =>
    steps.map(
      (s) =>
        `${s.kind}${s.level !== undefined ? ` L${s.level}` : ''}${s.repeat ? `R${s.repeat}` : ''}@${new Date(s.at).toISOString().slice(5, 16)}`,
    );

  it('skips levels whose condition fails, then ends as the walk would (final wait, TIMED_OUT)', () => {
    const p = policy({ urgency: undefined, businessHours: undefined }, [
      {},
      { delay: '10m', when: { minSeverity: 'error' } },
      { delay: '10m', when: { minOccurrences: 3 } },
    ]);
    const steps = previewWalk(p, { triggeredAt: friday('12:00'), severity: 'warning' });
    expect(brief(steps)).toEqual(['page L1@12-04T12:00', 'skip L2@12-04T12:10', 'skip L3@12-04T12:20', 'timeout@12-04T12:30']);
    expect(steps[1]?.reason).toBe('when.minSeverity: severity warning is below error');
    expect(steps[2]?.reason).toBe('when.minOccurrences: 1 occurrence(s) so far, fewer than 3');
  });

  it('checks the conditions again on every walk of the policy', () => {
    const p = policy({ urgency: undefined, businessHours: undefined, repeatPolicy: 1, finalWait: '1h' }, [
      {},
      { delay: '10m', when: { between: '12:00-13:00' } },
    ]);
    const steps = brief(previewWalk(p, { triggeredAt: friday('12:00'), severity: 'warning' }));
    expect(steps).toEqual([
      'page L1@12-04T12:00',
      'page L2@12-04T12:10',
      'page L1@12-04T13:10',
      'skip L2@12-04T13:20',
      'timeout@12-04T14:20',
    ]);
  });

  it('holds a low-urgency walk at the level it reached, then skips a weekday-night level on monday morning', () => {
    const p = policy({}, [{}, { delay: '15m' }, { delay: '30m', when: { between: '18:00-09:00' } }, { delay: '30m' }]);
    const steps = previewWalk(p, { triggeredAt: friday('17:50'), severity: 'warning' });
    expect(brief(steps)).toEqual([
      'page L1@12-04T17:50',
      'page L2@12-07T09:00',
      'skip L3@12-07T09:30',
      'page L4@12-07T10:00',
      'timeout@12-07T10:30',
    ]);
    expect(steps[1]?.reason).toContain('low urgency (warning) outside business hours');
  });

  it.each([
    ['the policy map', policy(), 'warning', undefined, 'low (the policy)'],
    ['the route map', policy(), 'warning', { warning: 'high' }, 'high (the route)'],
    ['the default', policy(), 'info', undefined, 'high (default)'],
    [
      'the older rule',
      policy({ urgency: undefined }),
      'warning',
      undefined,
      'business hours hold level 1 only (no urgency map: the older rule)',
    ],
  ] as const)('urgencyLabel names where the urgency comes from: %s', (_title, p, severity, route, label) => {
    expect(urgencyLabel(p, severity, route ? UrgencyMap.parse(route) : undefined)).toBe(label);
  });
});
