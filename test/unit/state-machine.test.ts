import { describe, expect, it } from 'vitest';
import { INCIDENT_STATES, type IncidentState } from '../../domain/incident.js';
import { INCIDENT_EVENTS, TRANSITIONS, canMove, move, type IncidentEvent } from '../../domain/state-machine.js';
import { applyEvent, isRepeatedAnswer, newRecord } from '../../domain/record.js';

/**
 * The lifecycle of DESIGN.md section 3, written out by hand for every (state, event) pair: the state
 * the event leads to, or `null` where it must be refused. Deliberately not derived from TRANSITIONS.
 *
 * DESIGN.md lists no move into FAILED; this table takes `fail` to be possible from every state in
 * which the engine is still walking a policy or waiting on an answer. `refire` is the cooldown
 * re-open (issue "The engine core"): a RESOLVED incident whose alert fires again starts over.
 */
const EXPECTED: Record<IncidentState, Record<IncidentEvent, IncidentState | null>> = {
  PENDING: {
    activate: 'ACTIVE',
    escalate: null,
    levelNotified: null,
    acknowledge: 'ACKNOWLEDGED',
    resolve: 'RESOLVED',
    cancel: 'CANCELLED',
    timeout: 'TIMED_OUT',
    reopen: null,
    unacknowledge: null,
    snooze: 'ACKNOWLEDGED',
    reassign: 'ACTIVE',
    refire: null,
    fail: 'FAILED',
  },
  ACTIVE: {
    activate: null,
    escalate: 'ESCALATING',
    levelNotified: null,
    acknowledge: 'ACKNOWLEDGED',
    resolve: 'RESOLVED',
    cancel: 'CANCELLED',
    timeout: 'TIMED_OUT',
    reopen: null,
    unacknowledge: null,
    snooze: 'ACKNOWLEDGED',
    reassign: 'ACTIVE',
    refire: null,
    fail: 'FAILED',
  },
  ESCALATING: {
    activate: null,
    escalate: null,
    levelNotified: 'ACTIVE',
    acknowledge: 'ACKNOWLEDGED',
    resolve: 'RESOLVED',
    cancel: 'CANCELLED',
    timeout: null,
    reopen: null,
    unacknowledge: null,
    snooze: 'ACKNOWLEDGED',
    reassign: null,
    refire: null,
    fail: 'FAILED',
  },
  ACKNOWLEDGED: {
    activate: null,
    escalate: null,
    levelNotified: null,
    acknowledge: null,
    resolve: 'RESOLVED',
    cancel: 'CANCELLED',
    timeout: null,
    reopen: 'ACTIVE',
    unacknowledge: 'ACTIVE',
    snooze: 'ACKNOWLEDGED',
    reassign: 'ACTIVE',
    refire: null,
    fail: 'FAILED',
  },
  RESOLVED: {
    activate: null,
    escalate: null,
    levelNotified: null,
    acknowledge: null,
    resolve: null,
    cancel: null,
    timeout: null,
    reopen: null,
    unacknowledge: null,
    snooze: null,
    reassign: null,
    refire: 'PENDING',
    fail: null,
  },
  CANCELLED: {
    activate: null,
    escalate: null,
    levelNotified: null,
    acknowledge: null,
    resolve: null,
    cancel: null,
    timeout: null,
    reopen: null,
    unacknowledge: null,
    snooze: null,
    reassign: null,
    refire: null,
    fail: null,
  },
  TIMED_OUT: {
    activate: null,
    escalate: null,
    levelNotified: null,
    acknowledge: 'ACKNOWLEDGED',
    resolve: 'RESOLVED',
    cancel: 'CANCELLED',
    timeout: null,
    reopen: null,
    unacknowledge: null,
    snooze: 'ACKNOWLEDGED',
    reassign: 'ACTIVE',
    refire: null,
    fail: 'FAILED',
  },
  FAILED: {
    activate: null,
    escalate: null,
    levelNotified: null,
    acknowledge: null,
    resolve: null,
    cancel: null,
    timeout: null,
    reopen: null,
    unacknowledge: null,
    snooze: null,
    reassign: null,
    refire: null,
    fail: null,
  },
};

const PAIRS = (Object.keys(EXPECTED) as IncidentState[]).flatMap((state) =>
  (Object.keys(EXPECTED[state]) as IncidentEvent[]).map((event) => ({ state, event, to: EXPECTED[state][event] })),
);
const ALLOWED = PAIRS.filter((pair): pair is { state: IncidentState; event: IncidentEvent; to: IncidentState } => pair.to !== null);
const REFUSED = PAIRS.filter((pair) => pair.to === null);

describe('the incident state machine', () => {
  it('knows the eight states of DESIGN.md section 3', () => {
    expect([...INCIDENT_STATES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('knows exactly the thirteen events this table covers', () => {
    expect([...INCIDENT_EVENTS].sort()).toEqual(Object.keys(EXPECTED.PENDING).sort());
  });

  it('has a rule for every event and no other', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...INCIDENT_EVENTS].sort());
  });

  it('covers all 104 (state, event) pairs in the expectation table', () => {
    expect(PAIRS).toHaveLength(104);
  });

  describe.each(ALLOWED.map(({ event, state, to }): [IncidentEvent, IncidentState, IncidentState] => [event, state, to]))(
    '%s from %s',
    (event, state, to) => {
      it(`moves to ${to}`, () => {
        expect(move(state, event)).toEqual({ ok: true, from: state, to });
      });

      it('is allowed by canMove', () => {
        expect(canMove(state, event)).toBe(true);
      });
    },
  );

  describe.each(REFUSED.map(({ event, state }): [IncidentEvent, IncidentState] => [event, state]))('%s from %s', (event, state) => {
    it('is refused by move with a reason naming the state and the event', () => {
      const result = move(state, event);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.from).toBe(state);
      expect(result.reason).toContain(state);
      expect(result.reason).toContain(`cannot ${event}`);
    });

    it('is refused by canMove', () => {
      expect(canMove(state, event)).toBe(false);
    });
  });

  // The allowed moves of DESIGN.md section 3, as (from, to) pairs, each by at least one event.
  describe.each([
    ['PENDING', 'ACTIVE'],
    ['ACTIVE', 'ESCALATING'],
    ['ESCALATING', 'ACTIVE'],
    ['PENDING', 'ACKNOWLEDGED'],
    ['ACTIVE', 'ACKNOWLEDGED'],
    ['ESCALATING', 'ACKNOWLEDGED'],
    ['PENDING', 'RESOLVED'],
    ['ACTIVE', 'RESOLVED'],
    ['ESCALATING', 'RESOLVED'],
    ['ACKNOWLEDGED', 'RESOLVED'],
    ['TIMED_OUT', 'RESOLVED'],
    ['PENDING', 'CANCELLED'],
    ['ACTIVE', 'CANCELLED'],
    ['ESCALATING', 'CANCELLED'],
    ['ACKNOWLEDGED', 'CANCELLED'],
    ['TIMED_OUT', 'CANCELLED'],
    ['ACTIVE', 'TIMED_OUT'],
    ['ACKNOWLEDGED', 'ACTIVE'],
    ['TIMED_OUT', 'ACKNOWLEDGED'],
  ] as const)('DESIGN.md allows %s → %s', (from, to) => {
    it('through some event', () => {
      const events = INCIDENT_EVENTS.filter((event) => {
        const result = move(from, event);
        return result.ok && result.to === to;
      });
      expect(events.length).toBeGreaterThan(0);
    });
  });

  it.each(['CANCELLED', 'FAILED'] as const)('lets no event leave the terminal state %s', (state) => {
    expect(INCIDENT_EVENTS.filter((event) => canMove(state, event))).toEqual([]);
  });

  it('lets a RESOLVED incident leave only by re-firing within its cooldown (back to PENDING)', () => {
    expect(INCIDENT_EVENTS.filter((event) => canMove('RESOLVED', event))).toEqual(['refire']);
    expect(move('RESOLVED', 'refire')).toEqual({ ok: true, from: 'RESOLVED', to: 'PENDING' });
  });

  it('tells a responder acknowledging a resolved incident that it is closed', () => {
    const result = move('RESOLVED', 'acknowledge');
    expect(result.ok ? '' : result.reason).toBe(
      'cannot acknowledge: the incident is already RESOLVED and closed; raise a new incident if the problem is back',
    );
  });

  it('tells a responder un-acknowledging an incident nobody acknowledged what state it is in', () => {
    const result = move('ACTIVE', 'unacknowledge');
    expect(result.ok ? '' : result.reason).toBe('cannot unacknowledge: the incident is ACTIVE, not ACKNOWLEDGED');
  });

  it('tells a responder reassigning while a level is being paged to try again in a moment', () => {
    const result = move('ESCALATING', 'reassign');
    expect(result.ok ? '' : result.reason).toBe('cannot reassign: a level is being paged right now (ESCALATING); try again in a moment');
  });

  it('tells a responder acknowledging twice that it is already acknowledged', () => {
    const result = move('ACKNOWLEDGED', 'acknowledge');
    expect(result.ok ? '' : result.reason).toBe('cannot acknowledge: the incident is already ACKNOWLEDGED');
  });
});

describe('isRepeatedAnswer: the same answer from the same person, already taken, is a retry', () => {
  const AT = '2026-01-05T15:00:00.000Z';
  const opened = () =>
    newRecord({ key: 'retry', summary: 'retry', severity: 'critical', labels: {}, links: [] }, 'p', 'incident-retry', AT);
  const after = (...events: [IncidentEvent, string][]) => {
    const record = opened();
    for (const [event, by] of events) applyEvent(record, event, { at: AT, by });
    return record;
  };
  const cases: [string, () => ReturnType<typeof opened>, IncidentEvent, string, boolean][] = [
    ['ack by dana, dana acks again', () => after(['acknowledge', 'dana']), 'acknowledge', 'dana', true],
    ['ack by dana, eve acks', () => after(['acknowledge', 'dana']), 'acknowledge', 'eve', false],
    ['open, dana acks (a first answer)', opened, 'acknowledge', 'dana', false],
    ['resolved by dana, dana resolves again', () => after(['resolve', 'dana']), 'resolve', 'dana', true],
    ['resolved by dana, dana acks', () => after(['resolve', 'dana']), 'acknowledge', 'dana', false],
    [
      'acked then resolved by dana, dana acks again',
      () => after(['acknowledge', 'dana'], ['resolve', 'dana']),
      'acknowledge',
      'dana',
      false,
    ],
    ['cancelled by dana, dana cancels again', () => after(['cancel', 'dana']), 'cancel', 'dana', true],
    ['cancelled by dana, dana resolves', () => after(['cancel', 'dana']), 'resolve', 'dana', false],
    ['acked by dana, dana escalates', () => after(['acknowledge', 'dana']), 'escalate', 'dana', false],
  ];
  it.each(cases)('%s → %s', (_name, record, event, by, expected) => {
    expect(isRepeatedAnswer(record(), event, by)).toBe(expected);
  });
});
