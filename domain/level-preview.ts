import { advance, type EscalationCursor } from './escalation.js';
import { conditionZone, failedCondition } from './level-conditions.js';
import type { UrgencyMap } from './level-schemas.js';
import { skippedCursor, walkPlan, type Position } from './planner.js';
import type { Policy } from './policy.js';
import type { Severity } from './severity-order.js';
import { urgencyOf } from './urgency.js';

/**
 * An unanswered incident's walk, step by step, as the workflow would take it: when each level and
 * repeat goes out, which are held by business hours (low urgency) and which are skipped by their
 * `when`, and how it ends. `policy test --at` prints it; the planner's table tests read it too.
 * Pure; the severity and occurrence count stay as given (no raise, no repeat of the alert).
 */
export interface PreviewStep {
  at: number;
  kind: 'page' | 'repeat' | 'skip' | 'timeout';
  /** 1-based; absent for the timeout. */
  level?: number;
  repeat?: number;
  /** The walk of the policy (1 = the first; `repeatPolicy` adds more). */
  walk: number;
  /** Why it is later than its delay (a hold), why it was skipped, or why the walk ended. */
  reason?: string;
}

export interface PreviewInput {
  triggeredAt: number;
  severity: Severity;
  occurrences?: number;
  routeUrgency?: UrgencyMap;
  groupWait?: number;
}

export function previewWalk(policy: Policy, input: PreviewInput, maxSteps = 40): PreviewStep[] {
  const steps: PreviewStep[] = [];
  let cursor: EscalationCursor | undefined;
  let state: Position['state'] = 'PENDING';
  for (let i = 0; i < maxSteps; i += 1) {
    const position: Position = {
      state,
      severity: input.severity,
      triggeredAt: input.triggeredAt,
      levelHolds: true,
      ...(cursor && { cursor }),
      ...(input.routeUrgency && { routeUrgency: input.routeUrgency }),
      ...(input.groupWait !== undefined && { groupWait: input.groupWait }),
    };
    // Asked as the workflow asks: once the step has come due (a hold applies from then).
    const due = walkPlan(policy, position, Number.NEGATIVE_INFINITY).at;
    const planned = walkPlan(policy, position, due);
    if (planned.action.kind !== 'step') break;
    const step = planned.action.step;
    if (step.kind === 'timeout') {
      steps.push({ at: step.dueAt, kind: 'timeout', walk: (cursor?.cycle ?? 0) + 1, reason: step.reason });
      break;
    }
    const walk = step.cycle + 1;
    const when = policy.levels[step.level]?.when;
    const failed =
      step.kind === 'level' && when
        ? failedCondition(when, {
            at: step.dueAt,
            severity: input.severity,
            occurrences: input.occurrences ?? 1,
            defaultZone: conditionZone(when, policy.businessHours?.timezone),
          })
        : undefined;
    if (step.kind === 'level' && failed !== undefined) {
      steps.push({ at: step.dueAt, kind: 'skip', level: step.level + 1, walk, reason: `when.${failed}` });
      cursor = skippedCursor(policy, cursor, step);
      continue;
    }
    steps.push({
      at: step.dueAt,
      kind: step.kind === 'repeat' ? 'repeat' : 'page',
      level: step.level + 1,
      walk,
      ...(step.kind === 'repeat' && { repeat: step.repeat }),
      ...(planned.hold !== undefined && { reason: planned.hold }),
    });
    cursor = advance(cursor, step);
    state = 'ACTIVE';
  }
  return steps;
}

/** The urgency an incident of this severity runs at on this route, as `policy test` says it. */
export function urgencyLabel(policy: Policy, severity: Severity, routeUrgency: UrgencyMap | undefined): string {
  const urgency = urgencyOf(severity, policy, routeUrgency);
  if (urgency === undefined) {
    if (!policy.businessHours) return 'high (no urgency map, no business hours)';
    const bypass = policy.businessHours.bypassSeverities?.includes(severity);
    return bypass ? 'high (in businessHours.bypassSeverities)' : 'business hours hold level 1 only (no urgency map: the older rule)';
  }
  const from = routeUrgency?.[severity] !== undefined ? 'the route' : policy.urgency?.[severity] !== undefined ? 'the policy' : 'default';
  return `${urgency} (${from})`;
}
