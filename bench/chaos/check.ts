import type { IncidentRecord, IncidentState, TimelineEntry } from '../../domain/incident.js';
import { summarize } from '../stats.js';
import { apiFigures, story, type Figures, type Problem } from './figures.js';
import { windowsAt, type AlertRun, type ScenarioRun, type WindowKind } from './model.js';
import type { PeerRequest } from './peer.js';
import type { ExpectedStep } from './policy.js';

/**
 * The check, incident by incident, from the peer's log, the API's answers and each final record
 * (DESIGN.md section 9):
 * - none lost: every alert sent has an incident, settled in the state its policy and answers imply
 *   (TIMED_OUT after the walk; ACKNOWLEDGED or RESOLVED when an answer was taken);
 * - every (incident, level, repeat, target) the policy implies delivered at least once. For an
 *   answered incident, the steps due before the engine took the answer; one of those that never
 *   went out counts as superseded, not lost, when the record shows it was withdrawn by the answer
 *   (`cancelled`, or `failed` with retries the answer stopped) or never taken because the answer
 *   reached the workflow first;
 * - no step before its due time (due = createdAt + the policy's offsets, from the due time before,
 *   see policy.ts), judged by the attempt's start (`sentAt` in the webhook body, the provider's
 *   clock when it began the attempt); nor a TIMED_OUT before the walk's end;
 * - no page whose attempt STARTED after the answer (sentAt after the timeline's move to
 *   ACKNOWLEDGED/RESOLVED); one that started before may arrive after, and is fine. Those that did
 *   are also counted apart when they started after the responder had its 200;
 * - the record and the peer agree on every page (delivered in the record ⇔ a 2xx at the peer);
 * - duplicates: 2xx deliveries of one idempotency key beyond the first.
 */

const PAGE_EVENTS = new Set(['incident.page', 'incident.repeat']);
/** ISO timestamps carry milliseconds: allow that much for rounding. */
const CLOCK_SLACK_MS = 1;

export function checkScenario(run: ScenarioRun): Figures {
  const pages = new Map<string, PeerRequest[]>();
  for (const request of run.requests) {
    if (!PAGE_EVENTS.has(request.event)) continue;
    const list = pages.get(request.workflowId) ?? [];
    list.push(request);
    pages.set(request.workflowId, list);
  }
  const ids = new Set(run.alerts.map((a) => a.id));
  const ours = run.requests.filter((r) => PAGE_EVENTS.has(r.event) && ids.has(r.workflowId));

  const f: Figures = {
    alerts: run.alerts.length,
    accepted: run.alerts.filter((a) => a.create.acceptedAt !== undefined).length,
    exist: run.alerts.filter((a) => a.record).length,
    settled: run.alerts.filter((a) => a.settled).length,
    lost: [],
    wrongState: [],
    stepsExpected: 0,
    stepsDelivered: 0,
    stepsSuperseded: 0,
    supersededMaxGapMs: 0,
    failedByAnswer: [],
    recordMismatch: [],
    afterAnswerTraced: { beforeCancel: 0, afterCancel: 0, unexplained: 0 },
    stepsLost: [],
    early: [],
    afterAnswer: [],
    afterConfirmed: [],
    raceProblems: [],
    unexpected: [],
    pageRequests: ours.length,
    deliveries: ours.filter((r) => r.delivered).length,
    duplicateDeliveries: duplicates(ours),
    lateness: {},
    latenessAll: summarize([]),
    timeoutLateness: summarize([]),
    recovery: {},
    phases: { taken: summarize([]), started: summarize([]), transfer: summarize([]) },
    api: apiFigures(run),
    acceptedToCreated: summarize([]),
  };

  const late: Record<string, number[]> = {};
  const recovery: Partial<Record<WindowKind, number[]>> = {};
  const phases = { taken: [] as number[], started: [] as number[], transfer: [] as number[] };
  const timeoutLate: number[] = [];
  const acceptedToCreated: number[] = [];

  for (const alert of run.alerts) {
    const record = alert.record;
    if (!record) {
      f.lost.push({
        incident: alert.id,
        what: 'no incident',
        detail: `alert ${alert.create.acceptedAt ? 'accepted' : `not accepted (last status ${alert.create.lastStatus})`}; GET answered ${alert.readStatus ?? '?'}`,
      });
      continue;
    }
    const createdAt = Date.parse(record.createdAt);
    if (alert.create.acceptedAt) acceptedToCreated.push(createdAt - alert.create.acceptedAt);
    const answer = firstAnswer(record);
    const confirmedAt = answer && confirmation(alert, answer.to);
    const expected = expectedState(alert);
    if (!alert.settled) {
      f.lost.push({
        incident: alert.id,
        what: 'not settled',
        detail: `still ${record.state} when the run stopped waiting\n${story(record)}`,
      });
    } else if (!expected.includes(record.state)) {
      f.wrongState.push({
        incident: alert.id,
        what: `ended ${record.state}`,
        detail: `expected ${expected.join(' or ')}\n${story(record)}`,
      });
    }
    if (alert.plan === 'double-ack') checkDoubleAck(alert, record, f.raceProblems);

    const timedOut = record.timeline.find((e) => e.kind === 'move' && e.to === 'TIMED_OUT');
    if (timedOut) {
      const due = createdAt + run.expectation.timeoutOffsetMs;
      const at = Date.parse(timedOut.at);
      if (at < due - CLOCK_SLACK_MS)
        f.early.push({ incident: alert.id, what: 'TIMED_OUT early', detail: `${due - at} ms before due\n${story(record)}` });
      else timeoutLate.push(at - due);
    }

    const requests = pages.get(alert.id) ?? [];
    const matched = new Set<PeerRequest>();
    for (const step of run.expectation.steps) {
      const due = createdAt + step.offsetMs;
      for (const target of step.targets) {
        const attempts = requests.filter((r) => r.level === step.level && r.repeat === step.repeat && r.target === target);
        const name = `${step.label} ${target.replace(/^webhook:http:\/\/127\.0\.0\.1:\d+/, '')}`;
        const entryFor = notificationOf(record, step, target);
        const peerHasIt = attempts.some((a) => a.delivered);
        if (entryFor && peerHasIt !== (entryFor.status === 'delivered')) {
          f.recordMismatch.push({
            incident: alert.id,
            key: entryFor.idempotencyKey,
            what: `${name}: the record says ${entryFor.status}, the peer ${peerHasIt ? 'accepted it (2xx)' : 'never accepted it'}`,
            detail: `${attempts.map((a) => `attempt started ${new Date(startOf(a)).toISOString()} answered ${a.answer}`).join('; ') || 'no attempt reached the peer'}\n${story(record)}`,
          });
        }
        for (const attempt of attempts) {
          matched.add(attempt);
          const started = startOf(attempt);
          if (started < due - CLOCK_SLACK_MS) {
            f.early.push({
              incident: alert.id,
              what: `${name} early`,
              detail: `attempt started ${due - started} ms before due\n${story(record)}`,
            });
          }
          if (answer && started > answer.at + CLOCK_SLACK_MS) {
            if (confirmedAt !== undefined && started > confirmedAt) {
              f.afterConfirmed.push({
                incident: alert.id,
                key: attempt.idempotencyKey,
                what: `${name} started ${started - confirmedAt} ms after the responder was told ${answer.to}`,
                detail: story(record),
              });
            }
            f.afterAnswer.push({
              incident: alert.id,
              key: attempt.idempotencyKey,
              what: `${name} after ${answer.to}`,
              detail: `attempt started ${started - answer.at} ms after the answer was taken (${answer.entry.at} by ${answer.entry.by}); arrived ${attempt.receivedAt - answer.at} ms after\n${story(record)}`,
            });
          }
        }
        const required = !answer || due < answer.at;
        if (!required) continue;
        f.stepsExpected += 1;
        const delivered = attempts.find((a) => a.delivered);
        if (delivered) {
          f.stepsDelivered += 1;
          const lateness = delivered.receivedAt - due;
          (late[step.label] ??= []).push(lateness);
          // Only where nothing could deliver until the window closed; with one worker of two left, the other one delivers.
          for (const window of windowsAt(run.windows, due)) {
            if (window.kind !== 'one worker of two down') (recovery[window.kind] ??= []).push(delivered.receivedAt - window.to);
          }
          const entry = notificationOf(record, step, target);
          if (entry) {
            const taken = Date.parse(entry.at);
            phases.taken.push(taken - due);
            phases.started.push(startOf(delivered) - taken);
          }
          phases.transfer.push(delivered.receivedAt - startOf(delivered));
          continue;
        }
        const entry = notificationOf(record, step, target);
        // The answer stopped retries of an attempt that failed while it was in flight.
        const stoppedRetrying =
          answer !== undefined &&
          entry?.status === 'failed' &&
          entry.retryable !== false &&
          Date.parse(entry.settledAt ?? entry.at) >= answer.at;
        if (stoppedRetrying) {
          f.failedByAnswer.push({
            incident: alert.id,
            key: entry.idempotencyKey,
            what: `${name} recorded failed, though the answer stopped its retries`,
            detail: `record: failed after ${entry.attempt} attempt(s): ${entry.error ?? ''}\n${story(record)}`,
          });
        }
        const superseded = answer && (!entry || entry.status === 'cancelled' || entry.status === 'skipped' || stoppedRetrying);
        if (superseded) {
          f.stepsSuperseded += 1;
          f.supersededMaxGapMs = Math.max(f.supersededMaxGapMs, answer.at - due);
          continue;
        }
        f.stepsLost.push({
          incident: alert.id,
          what: `${name} not delivered`,
          detail:
            `due ${new Date(due).toISOString()}; ${attempts.length} attempt(s) reached the peer (${attempts.map((a) => a.answer).join(', ') || 'none'}); ` +
            `record: ${entry ? `${entry.status} after ${entry.attempt} attempt(s)${entry.error ? `: ${entry.error}` : ''}` : 'no notification entry'}\n${story(record)}`,
        });
      }
    }
    for (const stray of requests.filter((r) => !matched.has(r))) {
      f.unexpected.push({
        incident: alert.id,
        what: `page L${stray.level}R${stray.repeat} ${stray.target} not in the policy`,
        detail: `key ${stray.idempotencyKey}\n${story(record)}`,
      });
    }
  }

  for (const [label, values] of Object.entries(late)) f.lateness[label] = summarize(values);
  f.latenessAll = summarize(Object.values(late).flat());
  f.timeoutLateness = summarize(timeoutLate);
  for (const [kind, values] of Object.entries(recovery) as [WindowKind, number[]][]) f.recovery[kind] = summarize(values);
  f.phases = { taken: summarize(phases.taken), started: summarize(phases.started), transfer: summarize(phases.transfer) };
  f.acceptedToCreated = summarize(acceptedToCreated);
  return f;
}

/** The provider's start of the attempt; the arrival when the body did not say (never with this product). */
function startOf(request: PeerRequest): number {
  return Number.isFinite(request.sentAt) ? request.sentAt : request.receivedAt;
}

function firstAnswer(record: IncidentRecord): { at: number; to: IncidentState; entry: TimelineEntry } | undefined {
  const entry = record.timeline.find(
    (e) => e.kind === 'move' && (e.to === 'ACKNOWLEDGED' || e.to === 'RESOLVED' || e.to === 'CANCELLED') && e.by !== 'policy',
  );
  return entry?.to ? { at: Date.parse(entry.at), to: entry.to, entry } : undefined;
}

/** When the responder whose answer was taken heard back 200 (undefined when no 200 came back). */
function confirmation(alert: AlertRun, to: IncidentState): number | undefined {
  const kind = to === 'ACKNOWLEDGED' ? 'acknowledge' : 'resolve';
  const told = alert.answers.filter((a) => a.kind === kind && a.status === 200).map((a) => a.settledAt);
  return told.length ? Math.min(...told) : undefined;
}

/**
 * The state the answers imply: the last answer told 200, else TIMED_OUT after the walk. An answer
 * with an attempt that got no verdict (no answer, 5xx such as the API's 503 when no worker answered
 * in time) may have been taken anyway, even when a retry then heard 409 "already ACKNOWLEDGED":
 * its state is allowed too.
 */
function expectedState(alert: AlertRun): IncidentState[] {
  const stateOf = (kind: 'acknowledge' | 'resolve'): IncidentState => (kind === 'acknowledge' ? 'ACKNOWLEDGED' : 'RESOLVED');
  const told = alert.answers.filter((a) => a.status === 200).sort((a, b) => a.settledAt - b.settledAt);
  const last = told[told.length - 1];
  if (last) return [stateOf(last.kind)];
  const states = new Set<IncidentState>(['TIMED_OUT']);
  for (const answer of alert.answers) if (answer.statuses.some((st) => st === 0 || st >= 500)) states.add(stateOf(answer.kind));
  return [...states];
}

/** Two responders at once: exactly one is told it acknowledged, and the record says it was that one. */
function checkDoubleAck(alert: AlertRun, record: IncidentRecord, problems: Problem[]): void {
  const winners = alert.answers.filter((a) => a.status === 200);
  const moves = record.timeline.filter((e) => e.kind === 'move' && e.to === 'ACKNOWLEDGED');
  const said = alert.answers.map((a) => `${a.by}: ${a.status}${a.reason ? ` (${a.reason})` : ''}`).join('; ');
  if (winners.length !== 1) {
    problems.push({ incident: alert.id, what: `${winners.length} responders told they acknowledged`, detail: `${said}\n${story(record)}` });
  } else if (record.acknowledgedBy !== winners[0]?.by) {
    problems.push({ incident: alert.id, what: 'acknowledgedBy is not the responder told 200', detail: `${said}\n${story(record)}` });
  }
  if (moves.length !== 1) problems.push({ incident: alert.id, what: `${moves.length} moves to ACKNOWLEDGED`, detail: story(record) });
}

function notificationOf(record: IncidentRecord, step: ExpectedStep, target: string) {
  return record.notifications.find((n) => n.kind !== 'update' && n.level === step.level && n.repeat === step.repeat && n.target === target);
}

function duplicates(requests: readonly PeerRequest[]): number {
  const counts = new Map<string, number>();
  for (const r of requests) if (r.delivered) counts.set(r.idempotencyKey, (counts.get(r.idempotencyKey) ?? 0) + 1);
  let extra = 0;
  for (const n of counts.values()) extra += n - 1;
  return extra;
}
