import { describe, expect, it } from 'vitest';
import { advance, manualEscalation, startsNewWalk, type EscalationCursor, type EscalationStep } from '../../domain/escalation.js';
import {
  nextEscalationAt,
  plan,
  policySwitchStep,
  reassignedCursor,
  reminderTarget,
  repageStep,
  repagesWalkedLevel,
  stepLabel,
  unreachedStep,
  type Plan,
  type Position,
} from '../../domain/planner.js';
import { Policy } from '../../domain/policy.js';

// The planner is the policy reference in code: each row says, for a policy and a position, what
// comes next and when. Times are milliseconds after the trigger (T = 0) unless a date is needed.

function policy(options: Record<string, unknown> = {}, levels: Record<string, unknown>[] = [{}, { delay: 300 }, { delay: 300 }]): Policy {
  return Policy.parse({ name: 'ref', levels: levels.map((level) => ({ targets: [{ type: 'log' }], ...level })), ...options });
}

const at = (position: Partial<Position> = {}): Position => ({ state: 'PENDING', severity: 'critical', triggeredAt: 0, ...position });

/** `step L2@300`, `step L1R1@100`, `step timeout@900`, `autoResolve@5000`, `ackTimeout@700`, `escalateNow@42`. */
function describePlan(next: Plan | undefined): string {
  if (!next) return 'nothing';
  const { action } = next;
  if (action.kind !== 'step') return `${action.kind}@${next.at}`;
  const step = action.step;
  const where =
    step.kind === 'timeout'
      ? 'timeout'
      : `${step.cycle > 0 ? `C${step.cycle}:` : ''}L${step.level + 1}${step.kind === 'repeat' ? `R${step.repeat}` : ''}`;
  return `step ${where}@${next.at}`;
}

/** Where an unanswered walk stands after carrying out `steps` (each from the plan before it). */
function walked(p: Policy, steps: number, position: Partial<Position> = {}): Position {
  let cursor: EscalationCursor | undefined;
  let state: Position['state'] = 'PENDING';
  for (let i = 0; i < steps; i += 1) {
    const next = plan(p, at({ ...position, state, ...(cursor && { cursor }) }), 0);
    if (next?.action.kind !== 'step') throw new Error(`step ${i + 1} is not a policy step: ${describePlan(next)}`);
    cursor = advance(cursor, next.action.step);
    state = 'ACTIVE';
  }
  return at({ ...position, state, ...(cursor && { cursor }) });
}

describe('the planner: what comes next, and when', () => {
  it.each([
    ['a new incident pages level 1 at its delay after the trigger', policy(), at(), 'step L1@0'],
    ['level 1 with a delay waits for it', policy({}, [{ delay: 250 }]), at(), 'step L1@250'],
    ['a group wait longer than the delay holds level 1 to the wait', policy(), at({ groupWait: 400 }), 'step L1@400'],
    ['a group wait shorter than the delay changes nothing', policy({}, [{ delay: 500 }]), at({ groupWait: 400 }), 'step L1@500'],
    ['auto-resolve wins when it is due first', policy({ autoResolve: 200 }, [{ delay: 250 }]), at(), 'autoResolve@200'],
    ['auto-resolve wins a tie with a page', policy({ autoResolve: 250 }, [{ delay: 250 }]), at(), 'autoResolve@250'],
    ['an escalation request is carried out now', policy(), at({ state: 'ACTIVE', escalationRequested: true }), 'escalateNow@42'],
    [
      'an acknowledged incident waits for its ack timeout',
      policy({ ackTimeout: 700 }),
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100 }),
      'ackTimeout@800',
    ],
    [
      'an acknowledged incident without ack timeout waits for an answer only',
      policy(),
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100 }),
      'nothing',
    ],
    [
      'a timed-out incident waits for an answer (or its auto-resolve)',
      policy({ autoResolve: 9_000 }),
      at({ state: 'TIMED_OUT' }),
      'autoResolve@9000',
    ],
    [
      'a snoozed incident wakes when its snooze ends',
      policy({ ackTimeout: 700 }),
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100, snoozedUntil: 5_000 }),
      'snoozeEnds@5000',
    ],
    [
      'a snooze shorter than the ack timeout still decides alone',
      policy({ ackTimeout: 700 }),
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100, snoozedUntil: 300 }),
      'snoozeEnds@300',
    ],
    [
      'auto-resolve due before the snooze ends still comes first',
      policy({ autoResolve: 2_000 }),
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100, snoozedUntil: 5_000 }),
      'autoResolve@2000',
    ],
    [
      'an acknowledged incident reminds whoever acknowledged, every interval',
      policy({ ackReminder: { every: 300, count: 2 } }),
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100, acknowledgedBy: 'dana', ackReminders: 1 }),
      'ackReminder@700',
    ],
    [
      'no reminder once count is spent',
      policy({ ackReminder: { every: 300, count: 2 } }),
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100, acknowledgedBy: 'dana', ackReminders: 2 }),
      'nothing',
    ],
    [
      'an ack timeout due first beats the reminder',
      policy({ ackReminder: { every: 300, count: 2 }, ackTimeout: 250 }),
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100, acknowledgedBy: 'dana' }),
      'ackTimeout@350',
    ],
    [
      'no reminder while snoozed',
      policy({ ackReminder: { every: 300, count: 2 } }),
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100, acknowledgedBy: 'dana', snoozedUntil: 9_000 }),
      'snoozeEnds@9000',
    ],
    ['a resolved incident plans nothing', policy({ autoResolve: 9_000 }), at({ state: 'RESOLVED' }), 'nothing'],
    ['ESCALATING (a level being sent) plans nothing until it is ACTIVE again', policy(), at({ state: 'ESCALATING' }), 'nothing'],
  ] as const)('%s', (_what, p, position, expected) => {
    expect(describePlan(plan(p, position, 42))).toBe(expected);
  });

  it('walks a three-level policy with level 1 repeated once to its timeout, each due time from the one before', () => {
    const p = policy({ finalWait: 200 }, [{ repeat: { count: 1, interval: 150 } }, { delay: 300 }, { delay: 300 }]);
    const steps = [0, 1, 2, 3, 4].map((done) => describePlan(plan(p, walked(p, done), 0)));
    expect(steps).toEqual(['step L1@0', 'step L1R1@150', 'step L2@300', 'step L3@600', 'step timeout@800']);
  });

  it('loops the policy repeatPolicy times before timing out', () => {
    const p = policy({ repeatPolicy: 1, finalWait: 100 }, [{}, { delay: 200 }]);
    const steps = [0, 1, 2, 3, 4].map((done) => describePlan(plan(p, walked(p, done), 0)));
    expect(steps).toEqual(['step L1@0', 'step L2@200', 'step C1:L1@300', 'step C1:L2@500', 'step timeout@600']);
  });

  it.each([
    [
      'repeatFrom: 2 loops from level 2: level 1 pages once',
      { repeatFrom: 2 },
      ['step L1@0', 'step L2@200', 'step L3@400', 'step C1:L2@500', 'step C1:L3@700', 'step C2:L2@800'],
    ],
    [
      'repeatFrom: 3 loops the last level alone',
      { repeatFrom: 3 },
      ['step L1@0', 'step L2@200', 'step L3@400', 'step C1:L3@500', 'step C2:L3@600', 'step timeout@700'],
    ],
    [
      'repeatFrom: 1 is the default walk',
      { repeatFrom: 1 },
      ['step L1@0', 'step L2@200', 'step L3@400', 'step C1:L1@500', 'step C1:L2@700', 'step C1:L3@900'],
    ],
  ] as const)('%s', (_what, options, expected) => {
    const p = policy({ repeatPolicy: 2, finalWait: 100, ...options }, [{}, { delay: 200 }, { delay: 200 }]);
    expect([0, 1, 2, 3, 4, 5].map((done) => describePlan(plan(p, walked(p, done), 0)))).toEqual(expected);
  });

  it('escalates by hand from the last level to the loop start of repeatFrom', () => {
    const p = policy({ repeatPolicy: 1, repeatFrom: 2 });
    expect(manualEscalation(p, walked(p, 3).cursor, 900)).toEqual({
      ok: true,
      step: { kind: 'level', cycle: 1, level: 1, dueAt: 900, isEscalation: true },
    });
  });

  it.each([
    ['the loop start of a later walk', { kind: 'level', cycle: 1, level: 1, dueAt: 0, isEscalation: true }, true],
    ['level 1 of a later walk when the loop starts at level 2', { kind: 'level', cycle: 1, level: 0, dueAt: 0, isEscalation: true }, false],
    ['the loop start level on the first walk', { kind: 'level', cycle: 0, level: 1, dueAt: 0, isEscalation: true }, false],
  ] as const)('with repeatFrom: 2, a new epoch starts at %s: %s', (_what, step, expected) => {
    expect(startsNewWalk(policy({ repeatPolicy: 1, repeatFrom: 2 }), step)).toBe(expected);
  });

  it('refuses a repeatFrom past the last level, naming the field', () => {
    const parsed = Policy.safeParse({ name: 'p', levels: [{ targets: [{ type: 'log' }] }], repeatFrom: 2 });
    expect(parsed.error?.issues).toMatchObject([
      { path: ['repeatFrom'], message: 'the policy has 1 level(s); repeatFrom names one of them (1 to 1)' },
    ]);
  });

  it('stops at maxEscalations with a timeout instead of the next level', () => {
    const p = policy({ maxEscalations: 1, finalWait: 100 });
    expect(describePlan(plan(p, walked(p, 2), 0))).toBe('step timeout@600');
  });

  it('takes a forced step (a policy switch or a re-page) before the walk', () => {
    const forced: EscalationStep = { kind: 'level', cycle: 0, level: 1, dueAt: 77, isEscalation: false };
    expect(describePlan(plan(policy(), walked(policy(), 1, { forced }), 0))).toBe('step L2@77');
  });

  describe('business hours', () => {
    // 2026-12-05 is a Saturday; the hours are weekdays 09:00-18:00 UTC.
    const saturdayNoon = Date.parse('2026-12-05T12:00:00Z');
    const mondayNine = Date.parse('2026-12-07T09:00:00Z');
    const hours = {
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '09:00',
      end: '18:00',
      timezone: 'UTC',
      bypassSeverities: ['critical'],
    };

    it('holds level 1 to the next opening, and says so for the timeline', () => {
      const next = plan(policy({ businessHours: hours }), at({ triggeredAt: saturdayNoon, severity: 'warning' }), saturdayNoon);
      expect(next?.at).toBe(mondayNine);
      expect(next?.hold).toBe('outside business hours (mon,tue,wed,thu,fri 09:00-18:00 UTC): level 1 held until 2026-12-07T09:00:00.000Z');
      expect(next?.label).toBe('level 1 due (business hours)');
    });

    it('lets a bypassing severity through at once (a raise re-plans it)', () => {
      const next = plan(policy({ businessHours: hours }), at({ triggeredAt: saturdayNoon, severity: 'critical' }), saturdayNoon);
      expect(next?.at).toBe(saturdayNoon);
      expect(next?.hold).toBeUndefined();
    });

    it('holds only level 1: later levels follow their delays from it', () => {
      const p = policy({ businessHours: hours });
      const cursor = advance(undefined, { kind: 'level', cycle: 0, level: 0, dueAt: mondayNine, isEscalation: false });
      expect(plan(p, at({ state: 'ACTIVE', triggeredAt: saturdayNoon, severity: 'warning', cursor }), mondayNine)?.at).toBe(
        mondayNine + 300,
      );
    });
  });

  it('says when the next escalation is due while pages go out, and nothing once acknowledged', () => {
    const p = policy({ autoResolve: 100 });
    expect(nextEscalationAt(p, walked(p, 1))).toBe(300);
    expect(nextEscalationAt(p, at({ state: 'ACKNOWLEDGED', acknowledgedAt: 5 }))).toBeUndefined();
  });

  it('labels each wait for the Web UI', () => {
    const p = policy({ finalWait: 100, ackTimeout: 50, autoResolve: 10_000 }, [{ repeat: { count: 1, interval: 150 } }, { delay: 300 }]);
    expect([0, 1, 2, 3].map((done) => plan(p, walked(p, done), 0)?.label)).toEqual([
      'level 1 due',
      'level 1 repeat 1 due',
      'level 2 due',
      'policy exhausted: time out',
    ]);
    expect(plan(p, at({ state: 'ACKNOWLEDGED', acknowledgedAt: 0 }), 0)?.label).toBe('ack timeout');
  });
});

describe('response-time SLAs', () => {
  const sla = { respondWithin: 900, resolveWithin: 5_000 };
  const p = policy({ autoResolve: 60_000 }, [{}, { delay: 2_000 }]);
  it.each([
    [
      'the respond deadline when it comes before the next level',
      at({ state: 'ACTIVE', cursor: advance(undefined, { kind: 'level', cycle: 0, level: 0, dueAt: 0, isEscalation: false }), sla }),
      'slaBreach respond at 900',
    ],
    ['the resolve deadline once acknowledged', at({ state: 'ACKNOWLEDGED', acknowledgedAt: 500, sla }), 'slaBreach resolve at 5000'],
    [
      'the resolve deadline once respond is breached',
      at({
        state: 'ACTIVE',
        cursor: advance(undefined, { kind: 'level', cycle: 0, level: 0, dueAt: 0, isEscalation: false }),
        sla,
        breached: ['respond'],
      }),
      'step level 2 at 2000',
    ],
    [
      'nothing more once both are breached',
      at({ state: 'ACKNOWLEDGED', acknowledgedAt: 500, sla, breached: ['respond', 'resolve'] }),
      'autoResolve at 60000',
    ],
    ['the resolve deadline after a time out', at({ state: 'TIMED_OUT', sla }), 'slaBreach resolve at 5000'],
  ] as const)('plans %s', (_what, position, expected) => {
    const next = plan(p, position, 0);
    const action = next?.action;
    const text =
      action?.kind === 'slaBreach'
        ? `slaBreach ${action.sla}`
        : action?.kind === 'step'
          ? `step ${stepLabel(action.step).replace(' due', '')}`
          : action?.kind;
    expect(`${text} at ${next?.at}`).toBe(expected);
  });
});

describe('steps outside the walk', () => {
  const cursorAt = (level: number, cycle = 0): EscalationCursor => ({
    cycle,
    level,
    repeat: 1,
    levelAt: 0,
    lastAt: 100,
    escalationCount: level,
  });

  it.each([
    ['the same level number in the new policy', 3, cursorAt(1), 2, { level: 1, cycle: 0 }],
    ['clamped to the new policy when it has fewer levels', 2, cursorAt(2), 3, { level: 1, cycle: 0 }],
    ['level 1 when nothing was paged yet', 3, undefined, 0, { level: 0, cycle: 0 }],
    ['the walk clamped to the new policy repeatPolicy', 3, cursorAt(0, 2), 1, { level: 0, cycle: 0 }],
  ] as const)('a policy switch goes on at %s', (_what, levels, cursor, currentLevel, expected) => {
    const next = policy(
      {},
      Array.from({ length: levels }, () => ({})),
    );
    expect(policySwitchStep(next, cursor, currentLevel, 500)).toEqual({ kind: 'level', dueAt: 500, isEscalation: false, ...expected });
  });

  it.each([
    [
      'the next level, now (onUnreached: next is the default)',
      {},
      cursorAt(0),
      { kind: 'level', cycle: 0, level: 1, dueAt: 700, isEscalation: true },
    ],
    [
      'the next level of the same walk on a later cycle',
      { repeatPolicy: 2 },
      cursorAt(1, 2),
      { kind: 'level', cycle: 2, level: 2, dueAt: 700, isEscalation: true },
    ],
    ['nothing on the last level: its fallback is paged and the walk goes on', {}, cursorAt(2), undefined],
    [
      'nothing with onUnreached: fallback: the fallback is paged, the next level keeps its time',
      { onUnreached: 'fallback' },
      cursorAt(0),
      undefined,
    ],
    ['nothing once maxEscalations is spent', { maxEscalations: 1 }, cursorAt(1), undefined],
  ] as const)('a level that reached nobody hands over to %s', (_what, options, cursor, expected) => {
    expect(unreachedStep(policy(options), cursor, 700)).toEqual(expected);
  });

  it('an ack timeout pages the level the incident was at again, now; level 1 if none went out', () => {
    expect(repageStep(cursorAt(2, 1), 900)).toEqual({ kind: 'level', cycle: 1, level: 2, dueAt: 900, isEscalation: false });
    expect(repageStep(undefined, 900)).toEqual({ kind: 'level', cycle: 0, level: 0, dueAt: 900, isEscalation: false });
  });
});

describe('escalating to a named level (toLevel)', () => {
  const cursorAt = (level: number, options: Partial<EscalationCursor> = {}): EscalationCursor => ({
    cycle: 0,
    level,
    repeat: 0,
    levelAt: 0,
    lastAt: 0,
    escalationCount: level,
    ...options,
  });
  const step = (level: number, isEscalation: boolean, cycle = 0) => ({
    ok: true,
    step: { kind: 'level', cycle, level, dueAt: 900, isEscalation },
  });

  it.each([
    ['jumps from level 1 to level 3 now, counted as one escalation', {}, cursorAt(0), 3, step(2, true)],
    ['pages the level it is at again, not counted as an escalation', {}, cursorAt(1), 2, step(1, false)],
    ['goes back to a lower level in the same walk', {}, cursorAt(2), 1, step(0, true)],
    ['keeps the walk it is on', { repeatPolicy: 2 }, cursorAt(0, { cycle: 2 }), 3, step(2, true, 2)],
    ['pages a level before level 1 went out (PENDING, or acknowledged before any page)', {}, undefined, 2, step(1, true)],
    ['pages level 1 before anything went out, as no escalation', {}, undefined, 1, step(0, false)],
    ['escalates past the last level by name even with no repeat left', {}, cursorAt(2), 2, step(1, true)],
  ] as const)('%s', (_what, options, cursor, toLevel, expected) => {
    expect(manualEscalation(policy(options), cursor, 900, toLevel)).toEqual(expected);
  });

  it.each([
    ['a level the policy lacks', {}, cursorAt(0), 4, 'policy ref has levels 1 to 3; there is no level 4'],
    ['level 0', {}, cursorAt(0), 0, 'policy ref has levels 1 to 3; there is no level 0'],
    ['a fraction', {}, cursorAt(0), 1.5, 'policy ref has levels 1 to 3; there is no level 1.5'],
    [
      'a level change once maxEscalations is spent',
      { maxEscalations: 1 },
      cursorAt(1, { escalationCount: 1 }),
      3,
      'policy ref reached maxEscalations (1) with no acknowledgement',
    ],
  ] as const)('refuses %s, saying why', (_what, options, cursor, toLevel, reason) => {
    expect(manualEscalation(policy(options), cursor, 900, toLevel)).toEqual({ ok: false, reason });
  });

  it('still pages the level it is at again once maxEscalations is spent (no level changes)', () => {
    expect(manualEscalation(policy({ maxEscalations: 1 }), cursorAt(1, { escalationCount: 1 }), 900, 2)).toEqual(step(1, false));
  });

  it.each([
    ['the level it is at', cursorAt(1), 1, 0, true],
    ['a level this walk paged before', cursorAt(2), 0, 0, true],
    ['a level this walk has not reached', cursorAt(0), 2, 0, false],
    ['a level of another walk', cursorAt(2), 0, 1, false],
    ['anything before the first page', undefined, 0, 0, false],
  ] as const)('needs new idempotency keys (a new epoch) for %s: %s', (_what, cursor, level, cycle, expected) => {
    expect(repagesWalkedLevel(cursor, { kind: 'level', cycle, level, dueAt: 900, isEscalation: true })).toBe(expected);
  });
});

describe('reassigning', () => {
  it('restarts the level it is at from now: its repeats and the next level count from the reassignment', () => {
    const p = policy({}, [{ repeat: { count: 2, interval: 100 } }, { delay: 300 }]);
    const cursor = reassignedCursor(walked(p, 2).cursor, 1_000);
    expect(cursor).toEqual({ cycle: 0, level: 0, repeat: 0, levelAt: 1_000, lastAt: 1_000, escalationCount: 0 });
    expect(describePlan(plan(p, at({ state: 'ACTIVE', cursor }), 1_000))).toBe('step L1R1@1100');
  });

  it('stands in for level 1 before it went out, so level 2 follows its delay from the reassignment', () => {
    const cursor = reassignedCursor(undefined, 1_000);
    expect(describePlan(plan(policy(), at({ state: 'ACTIVE', cursor }), 1_000))).toBe('step L2@1300');
  });
});

describe('ack reminders', () => {
  it('names the reminder and its target: a directory user, or a Slack user outside the directory by DM', () => {
    const p = policy({ ackReminder: { every: 300, count: 3 } });
    const next = plan(p, at({ state: 'ACKNOWLEDGED', acknowledgedAt: 100, acknowledgedBy: 'dana' }), 0);
    expect(next).toEqual({
      at: 400,
      action: { kind: 'ackReminder', n: 1, target: { type: 'user', id: 'dana' } },
      label: 'ack reminder 1 of 3 due',
    });
    expect(reminderTarget('slack:U0123')).toEqual({ type: 'channel', provider: 'slack', id: 'U0123' });
  });

  it.each([
    [{ every: '0s', count: 1 }, 'ackReminder.every', 'must be longer than 0'],
    [{ every: '30m', count: 0 }, 'ackReminder.count', 'must be at least 1'],
  ])('refuses the ackReminder %j, naming the field', (ackReminder, path, message) => {
    const parsed = Policy.safeParse({ name: 'p', levels: [{ targets: [{ type: 'log' }] }], ackReminder });
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([[path, message]]);
  });
});
