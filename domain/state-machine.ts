import type { IncidentState } from './incident.js';

/**
 * The incident lifecycle (DESIGN.md section 3) as a table: event → the states it may leave from and
 * the state it leads to. Anything not in the table is refused with a reason a responder can act on.
 */
export const INCIDENT_EVENTS = [
  'activate',
  'escalate',
  'levelNotified',
  'acknowledge',
  'resolve',
  'cancel',
  'timeout',
  'reopen',
  'unacknowledge',
  'snooze',
  'reassign',
  'refire',
  'fail',
] as const;
export type IncidentEvent = (typeof INCIDENT_EVENTS)[number];

const OPEN: readonly IncidentState[] = ['PENDING', 'ACTIVE', 'ESCALATING', 'ACKNOWLEDGED', 'TIMED_OUT'];

export const TRANSITIONS: Readonly<Record<IncidentEvent, { from: readonly IncidentState[]; to: IncidentState }>> = {
  /** Level 1 has been notified. */
  activate: { from: ['PENDING'], to: 'ACTIVE' },
  /** Moving to the next level (its notifications are being sent). */
  escalate: { from: ['ACTIVE'], to: 'ESCALATING' },
  /** The next level has been notified. */
  levelNotified: { from: ['ESCALATING'], to: 'ACTIVE' },
  acknowledge: { from: ['PENDING', 'ACTIVE', 'ESCALATING', 'TIMED_OUT'], to: 'ACKNOWLEDGED' },
  resolve: { from: OPEN, to: 'RESOLVED' },
  cancel: { from: OPEN, to: 'CANCELLED' },
  /** Policy exhausted with nobody answering (from PENDING: every level's `when` skipped it). */
  timeout: { from: ['PENDING', 'ACTIVE'], to: 'TIMED_OUT' },
  /** Ack timeout ran out, or a responder handed the incident back. */
  reopen: { from: ['ACKNOWLEDGED'], to: 'ACTIVE' },
  /** A responder withdrew the acknowledgement (un-acknowledge, or escalate an acknowledged incident). */
  unacknowledge: { from: ['ACKNOWLEDGED'], to: 'ACTIVE' },
  /** A responder took it for a while: ACKNOWLEDGED until then (again, when it was already). */
  snooze: { from: ['PENDING', 'ACTIVE', 'ESCALATING', 'ACKNOWLEDGED', 'TIMED_OUT'], to: 'ACKNOWLEDGED' },
  /** A responder handed it to other targets, paged now. Not while a level is being paged (ESCALATING). */
  reassign: { from: ['PENDING', 'ACTIVE', 'ACKNOWLEDGED', 'TIMED_OUT'], to: 'ACTIVE' },
  /** The alert fired again within the policy's cooldown after the resolve: the policy starts over. */
  refire: { from: ['RESOLVED'], to: 'PENDING' },
  /** The engine itself cannot go on (never a provider failing). */
  fail: { from: ['PENDING', 'ACTIVE', 'ESCALATING', 'ACKNOWLEDGED', 'TIMED_OUT'], to: 'FAILED' },
};

export type Move = { ok: true; from: IncidentState; to: IncidentState } | { ok: false; from: IncidentState; reason: string };

export function move(from: IncidentState, event: IncidentEvent): Move {
  const rule = TRANSITIONS[event];
  if (rule.from.includes(from)) return { ok: true, from, to: rule.to };
  return { ok: false, from, reason: refusal(from, event) };
}

export function canMove(from: IncidentState, event: IncidentEvent): boolean {
  return TRANSITIONS[event].from.includes(from);
}

function refusal(from: IncidentState, event: IncidentEvent): string {
  if (event === 'unacknowledge' && !isClosed(from)) return `cannot unacknowledge: the incident is ${from}, not ACKNOWLEDGED`;
  if (event === 'reassign' && from === 'ESCALATING')
    return 'cannot reassign: a level is being paged right now (ESCALATING); try again in a moment';
  switch (from) {
    case 'RESOLVED':
    case 'CANCELLED':
    case 'FAILED':
      if (event === 'refire') return `cannot refire: the incident is ${from}; only a RESOLVED incident re-opens when its alert fires again`;
      return `cannot ${event}: the incident is already ${from} and closed; raise a new incident if the problem is back`;
    case 'ACKNOWLEDGED':
      return event === 'acknowledge'
        ? 'cannot acknowledge: the incident is already ACKNOWLEDGED'
        : `cannot ${event}: the incident is ACKNOWLEDGED; resolve it, or wait for its ack timeout`;
    case 'TIMED_OUT':
      return `cannot ${event}: the incident TIMED_OUT (its policy is exhausted); acknowledge, resolve or cancel it`;
    case 'PENDING':
    case 'ACTIVE':
    case 'ESCALATING':
      return `cannot ${event} from ${from}`;
    default: {
      const unknownState: never = from;
      return `cannot ${event} from unknown state ${String(unknownState)}`;
    }
  }
}

function isClosed(state: IncidentState): boolean {
  return state === 'RESOLVED' || state === 'CANCELLED' || state === 'FAILED';
}
