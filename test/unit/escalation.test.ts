import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FINAL_WAIT_MS,
  advance,
  finalWait,
  firstStep,
  manualEscalation,
  nextStep,
  notificationKey,
  restartLevel,
  type EscalationCursor,
  type EscalationStep,
} from '../../domain/escalation.js';
import { Policy } from '../../domain/policy.js';

type LevelInput = { delay?: number; repeat?: { count: number; interval: number }; waitFor?: { resolved: number } };

/** A millisecond policy through the real schema (so defaults apply); every level pages the log. */
function policy(levels: LevelInput[], options: Record<string, unknown> = {}): Policy {
  return Policy.parse({
    name: 'test-policy',
    levels: levels.map((level) => ({ ...level, targets: [{ type: 'log' }] })),
    ...options,
  });
}

/** `L2@250` for a level, `L1R1@100` for a repeat, `C1:L1@700` in a later walk, `timeout@950`. */
function label(step: EscalationStep): string {
  switch (step.kind) {
    case 'level':
      return `${step.cycle > 0 ? `C${step.cycle}:` : ''}L${step.level + 1}@${step.dueAt}`;
    case 'repeat':
      return `${step.cycle > 0 ? `C${step.cycle}:` : ''}L${step.level + 1}R${step.repeat}@${step.dueAt}`;
    case 'timeout':
      return `timeout@${step.dueAt}`;
  }
}

/** Every step nobody answers, from the trigger to the timeout, as a workflow would carry them out. */
function walk(p: Policy, triggeredAt: number): EscalationStep[] {
  const steps: EscalationStep[] = [];
  let cursor: EscalationCursor | undefined;
  let step = firstStep(p, triggeredAt);
  while (step.kind !== 'timeout') {
    steps.push(step);
    if (steps.length > 200) throw new Error(`policy ${p.name} did not time out within 200 steps`);
    cursor = advance(cursor, step);
    step = nextStep(p, cursor);
  }
  steps.push(step);
  return steps;
}

function walkLabels(p: Policy, triggeredAt = 0): string[] {
  return walk(p, triggeredAt).map(label);
}

/** The cursor after carrying out the first `count` steps of an unanswered walk. */
function cursorAfter(p: Policy, count: number, triggeredAt = 0): EscalationCursor {
  let cursor: EscalationCursor | undefined;
  for (const step of walk(p, triggeredAt).slice(0, count)) cursor = advance(cursor, step);
  if (!cursor) throw new Error('cursorAfter needs at least one step');
  return cursor;
}

describe('due times of levels', () => {
  it('notifies level 1 its delay after the trigger', () => {
    expect(firstStep(policy([{ delay: 40 }]), 1_000)).toEqual({ kind: 'level', cycle: 0, level: 0, dueAt: 1_040, isEscalation: false });
  });

  it('counts each later delay from the previous level’s notification', () => {
    const p = policy([{ delay: 50 }, { delay: 100 }, { delay: 200 }]);
    expect(walkLabels(p, 1_000).slice(0, 3)).toEqual(['L1@1050', 'L2@1150', 'L3@1350']);
  });

  it('counts every level after the first as an escalation', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }, { delay: 200 }]);
    expect(walk(p, 0).flatMap((step) => (step.kind === 'level' ? [step.isEscalation] : []))).toEqual([false, true, true]);
  });

  it.each([
    ['longer than the next delay: the next level waits for it', 300, ['L1@0', 'L2@300']],
    ['shorter than the next delay: the delay stands', 50, ['L1@0', 'L2@100']],
  ] as const)("holds the next level for a level's waitFor.resolved when it is %s", (_what, resolved, expected) => {
    const p = policy([{ delay: 0, waitFor: { resolved } }, { delay: 100 }]);
    expect(walkLabels(p).slice(0, 2)).toEqual(expected);
  });

  it('notifies a level with no delay at the same moment as the level before it', () => {
    const p = policy([{ delay: 10 }, { delay: 0 }]);
    expect(walkLabels(p).slice(0, 2)).toEqual(['L1@10', 'L2@10']);
  });
});

describe('repeats', () => {
  it('re-notifies level 1 twice, then escalates to level 2', () => {
    const p = policy([{ delay: 0, repeat: { count: 2, interval: 100 } }, { delay: 1_000 }]);
    expect(walkLabels(p).slice(0, 4)).toEqual(['L1@0', 'L1R1@100', 'L1R2@200', 'L2@1000']);
  });

  it('stops repeating when the next level is due, even with repeats left', () => {
    const p = policy([{ delay: 0, repeat: { count: 5, interval: 100 } }, { delay: 250 }]);
    expect(walkLabels(p).slice(0, 4)).toEqual(['L1@0', 'L1R1@100', 'L1R2@200', 'L2@250']);
  });

  it('sends no repeat due at the very moment the next level is due', () => {
    const p = policy([{ delay: 0, repeat: { count: 3, interval: 100 } }, { delay: 200 }]);
    expect(walkLabels(p).slice(0, 3)).toEqual(['L1@0', 'L1R1@100', 'L2@200']);
  });

  it('counts repeats from the level’s own notification, not from the trigger', () => {
    const p = policy([{ delay: 0 }, { delay: 500, repeat: { count: 1, interval: 30 } }], { finalWait: 1 });
    expect(walkLabels(p)).toEqual(['L1@0', 'L2@500', 'L2R1@530', 'timeout@531']);
  });

  it('repeats the last level all its count, since no level comes after it', () => {
    const p = policy([{ delay: 0, repeat: { count: 3, interval: 10 } }], { finalWait: 5 });
    expect(walkLabels(p)).toEqual(['L1@0', 'L1R1@10', 'L1R2@20', 'L1R3@30', 'timeout@35']);
  });
});

describe('finalWait', () => {
  it('waits an explicit finalWait after the last level’s last repeat', () => {
    const p = policy([{ delay: 0 }, { delay: 100, repeat: { count: 2, interval: 50 } }], { finalWait: 70 });
    expect(walkLabels(p)).toEqual(['L1@0', 'L2@100', 'L2R1@150', 'L2R2@200', 'timeout@270']);
  });

  it('uses an explicit finalWait of 0 as given', () => {
    expect(finalWait(policy([{ delay: 100, repeat: { count: 1, interval: 40 } }], { finalWait: 0 }))).toBe(0);
  });

  it('defaults to the last level’s repeat interval', () => {
    const p = policy([{ delay: 0 }, { delay: 100, repeat: { count: 2, interval: 40 } }]);
    expect(finalWait(p)).toBe(40);
  });

  it('times out one repeat interval after the last repeat when finalWait is not set', () => {
    const p = policy([{ delay: 0 }, { delay: 100, repeat: { count: 2, interval: 40 } }]);
    expect(walkLabels(p).at(-1)).toBe('timeout@220');
  });

  it('defaults to the last level’s delay when it does not repeat', () => {
    const p = policy([{ delay: 0 }, { delay: 250 }]);
    expect(finalWait(p)).toBe(250);
  });

  it('times out one delay after the last level when it does not repeat and finalWait is not set', () => {
    const p = policy([{ delay: 0 }, { delay: 250 }]);
    expect(walkLabels(p)).toEqual(['L1@0', 'L2@250', 'timeout@500']);
  });

  it('defaults to 5 minutes when the last level has neither repeats nor a delay', () => {
    expect(finalWait(policy([{ delay: 0 }]))).toBe(DEFAULT_FINAL_WAIT_MS);
    expect(DEFAULT_FINAL_WAIT_MS).toBe(300_000);
  });

  it('times out 5 minutes after a single immediate level', () => {
    expect(walkLabels(policy([{ delay: 0 }]), 1_000)).toEqual(['L1@1000', 'timeout@301000']);
  });
});

describe('repeatPolicy', () => {
  it('loops back to level 1 after the final wait', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }], { repeatPolicy: 1, finalWait: 30 });
    expect(walkLabels(p)).toEqual(['L1@0', 'L2@100', 'C1:L1@130', 'C1:L2@230', 'timeout@260']);
  });

  it('counts the loop back to level 1 as an escalation', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }], { repeatPolicy: 1, finalWait: 30 });
    const loop = walk(p, 0)[2];
    expect(loop).toEqual({ kind: 'level', cycle: 1, level: 0, dueAt: 130, isEscalation: true });
  });

  it('adds the loop to the cursor’s escalation count', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }], { repeatPolicy: 1, finalWait: 30 });
    expect(cursorAfter(p, 3).escalationCount).toBe(2);
  });

  it('walks the levels repeatPolicy + 1 times before timing out', () => {
    const p = policy([{ delay: 0 }], { repeatPolicy: 2, finalWait: 10 });
    expect(walkLabels(p)).toEqual(['L1@0', 'C1:L1@10', 'C2:L1@20', 'timeout@30']);
  });

  it('says in the timeout reason how many times the levels were walked', () => {
    const p = policy([{ delay: 0 }, { delay: 5 }], { repeatPolicy: 2, finalWait: 10 });
    const timeout = walk(p, 0).at(-1);
    expect(timeout?.kind === 'timeout' ? timeout.reason : '').toBe(
      'policy test-policy exhausted: 2 level(s) walked 3 time(s) with no acknowledgement',
    );
  });
});

describe('maxEscalations', () => {
  it('times out at the due time of the level change it forbids', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }, { delay: 200 }], { maxEscalations: 1 });
    expect(walkLabels(p)).toEqual(['L1@0', 'L2@100', 'timeout@300']);
  });

  it('names maxEscalations in the timeout reason', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }, { delay: 200 }], { maxEscalations: 1 });
    const timeout = walk(p, 0).at(-1);
    expect(timeout?.kind === 'timeout' ? timeout.reason : '').toBe('policy test-policy reached maxEscalations (1) with no acknowledgement');
  });

  it('still sends level 1 and its repeats when maxEscalations is 0', () => {
    const p = policy([{ delay: 0, repeat: { count: 2, interval: 100 } }, { delay: 250 }], { maxEscalations: 0 });
    expect(walkLabels(p)).toEqual(['L1@0', 'L1R1@100', 'L1R2@200', 'timeout@250']);
  });

  it('counts loops of repeatPolicy against the bound', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }], { repeatPolicy: 5, maxEscalations: 2, finalWait: 30 });
    expect(walkLabels(p)).toEqual(['L1@0', 'L2@100', 'C1:L1@130', 'timeout@230']);
  });
});

describe('a whole unanswered walk', () => {
  it('computes every due time from the one before it, through repeats, levels, a loop and maxEscalations', () => {
    const p = policy(
      [{ delay: 0, repeat: { count: 2, interval: 100 } }, { delay: 250 }, { delay: 300, repeat: { count: 2, interval: 50 } }],
      { repeatPolicy: 1, maxEscalations: 4 },
    );
    expect(walkLabels(p)).toEqual([
      'L1@0',
      'L1R1@100',
      'L1R2@200',
      'L2@250',
      'L3@550',
      'L3R1@600',
      'L3R2@650',
      'C1:L1@700', // final wait defaults to L3's repeat interval (50)
      'C1:L1R1@800',
      'C1:L1R2@900',
      'C1:L2@950',
      'timeout@1250', // the 5th level change (to C1:L3) is forbidden by maxEscalations: 4
    ]);
  });

  it('gives the same walk shifted by the trigger time', () => {
    const p = policy([{ delay: 20, repeat: { count: 1, interval: 100 } }, { delay: 150 }], { finalWait: 60 });
    const shifted = walk(p, 10_000).map((step) => step.dueAt - 10_000);
    expect(shifted).toEqual(walk(p, 0).map((step) => step.dueAt));
  });

  it('times out with no maxEscalations once the last walk is over', () => {
    const p = policy([{ delay: 0, repeat: { count: 1, interval: 100 } }, { delay: 250 }], { repeatPolicy: 1 });
    expect(walkLabels(p)).toEqual(['L1@0', 'L1R1@100', 'L2@250', 'C1:L1@500', 'C1:L1R1@600', 'C1:L2@750', 'timeout@1000']);
  });
});

describe('manualEscalation', () => {
  it('notifies level 1 now when escalated before level 1 was notified', () => {
    const p = policy([{ delay: 1_000 }, { delay: 100 }]);
    expect(manualEscalation(p, undefined, 42)).toEqual({
      ok: true,
      step: { kind: 'level', cycle: 0, level: 0, dueAt: 42, isEscalation: false },
    });
  });

  it('moves to the next level now when escalated mid-policy', () => {
    const p = policy([{ delay: 0, repeat: { count: 3, interval: 100 } }, { delay: 500 }, { delay: 500 }]);
    const cursor = cursorAfter(p, 2); // L1 and its first repeat
    expect(manualEscalation(p, cursor, 170)).toEqual({
      ok: true,
      step: { kind: 'level', cycle: 0, level: 1, dueAt: 170, isEscalation: true },
    });
  });

  it('counts the next level’s delay from the manual escalation', () => {
    const p = policy([{ delay: 0 }, { delay: 500 }, { delay: 300 }]);
    const manual = manualEscalation(p, cursorAfter(p, 1), 170);
    if (!manual.ok) throw new Error(manual.reason);
    const cursor = advance(cursorAfter(p, 1), manual.step);
    expect(label(nextStep(p, cursor))).toBe('L3@470');
  });

  it('loops back to level 1 when escalated at the last level with a loop left', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }], { repeatPolicy: 1 });
    const cursor = cursorAfter(p, 2); // at L2 of the first walk
    expect(manualEscalation(p, cursor, 150)).toEqual({
      ok: true,
      step: { kind: 'level', cycle: 1, level: 0, dueAt: 150, isEscalation: true },
    });
  });

  it('refuses at the last level with no loop left, saying so', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }]);
    expect(manualEscalation(p, cursorAfter(p, 2), 150)).toEqual({
      ok: false,
      reason: 'already at the last level (2) of policy test-policy with no repeat left',
    });
  });

  it('refuses once maxEscalations is reached, naming the bound', () => {
    const p = policy([{ delay: 0 }, { delay: 100 }, { delay: 100 }], { maxEscalations: 1 });
    const cursor = cursorAfter(p, 2); // at L2: one level change made
    expect(manualEscalation(p, cursor, 150)).toEqual({
      ok: false,
      reason: 'policy test-policy reached maxEscalations (1) with no acknowledgement',
    });
  });
});

describe('advance', () => {
  it('starts a fresh cursor at level 1’s notification', () => {
    expect(advance(undefined, { kind: 'level', cycle: 0, level: 0, dueAt: 5, isEscalation: false })).toEqual({
      cycle: 0,
      level: 0,
      repeat: 0,
      levelAt: 5,
      lastAt: 5,
      escalationCount: 0,
    });
  });

  it('keeps the level’s due time and moves the latest notification on a repeat', () => {
    const p = policy([{ delay: 10, repeat: { count: 2, interval: 100 } }]);
    expect(cursorAfter(p, 3)).toEqual({ cycle: 0, level: 0, repeat: 2, levelAt: 10, lastAt: 210, escalationCount: 0 });
  });

  it('refuses a repeat without a cursor', () => {
    expect(() => advance(undefined, { kind: 'repeat', cycle: 0, level: 0, repeat: 1, dueAt: 1 })).toThrow(/needs a cursor/);
  });

  it('leaves the cursor as it was on a timeout', () => {
    const cursor: EscalationCursor = { cycle: 0, level: 1, repeat: 0, levelAt: 100, lastAt: 100, escalationCount: 1 };
    expect(advance(cursor, { kind: 'timeout', dueAt: 200, reason: 'done' })).toEqual(cursor);
  });
});

describe('restartLevel', () => {
  it('re-notifies the current level from now, with its repeats and escalation count kept', () => {
    const cursor: EscalationCursor = { cycle: 1, level: 1, repeat: 2, levelAt: 100, lastAt: 300, escalationCount: 3 };
    expect(restartLevel(cursor, 5_000)).toEqual({ cycle: 1, level: 1, repeat: 0, levelAt: 5_000, lastAt: 5_000, escalationCount: 3 });
  });

  it('schedules the level’s repeats and the next level from the restart', () => {
    const p = policy([{ delay: 0 }, { delay: 100, repeat: { count: 1, interval: 50 } }, { delay: 400 }]);
    const restarted = restartLevel(cursorAfter(p, 3), 10_000); // L2 after its repeat, acknowledged, then reopened
    const repeat = nextStep(p, restarted);
    expect([label(repeat), label(nextStep(p, advance(restarted, repeat)))]).toEqual(['L2R1@10050', 'L3@10400']);
  });
});

describe('notificationKey', () => {
  it('reads <workflowId>/L<level>/R<repeat>/<target>/<channel> with the level 1-based', () => {
    expect(notificationKey({ workflowId: 'incident-x', epoch: 0, level: 0, repeat: 0, target: 'user:a', channel: 'webhook' })).toBe(
      'incident-x/L1/R0/user:a/webhook',
    );
  });

  it('carries the repeat number', () => {
    expect(notificationKey({ workflowId: 'incident-x', epoch: 0, level: 2, repeat: 3, target: 'team:sre', channel: 'slack' })).toBe(
      'incident-x/L3/R3/team:sre/slack',
    );
  });

  it('adds an /E<n> segment after the workflow id for a later epoch', () => {
    expect(notificationKey({ workflowId: 'incident-x', epoch: 2, level: 0, repeat: 0, target: 'user:a', channel: 'webhook' })).toBe(
      'incident-x/E2/L1/R0/user:a/webhook',
    );
  });

  it('gives different keys to the same notification in different epochs', () => {
    const parts = { workflowId: 'incident-y', level: 1, repeat: 0, target: 'user:b', channel: 'email' };
    expect(notificationKey({ ...parts, epoch: 0 })).not.toBe(notificationKey({ ...parts, epoch: 1 }));
  });
});
