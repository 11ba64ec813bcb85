import type { IncidentRecord, IncidentState } from '../../domain/incident.js';
import { summarize, type Summary } from '../stats.js';
import type { LatenessPhases, TaskFailures } from './history.js';
import { windowsAt, type ScenarioRun, type WindowKind } from './model.js';

/** What the check (check.ts) finds in one scenario: the invariants' problems and the figures. */

export interface Problem {
  incident: string;
  what: string;
  detail: string;
  /** The idempotency key of the page concerned, when there is one. */
  key?: string;
}

export interface Figures {
  alerts: number;
  accepted: number;
  exist: number;
  settled: number;
  lost: Problem[];
  wrongState: Problem[];
  stepsExpected: number;
  stepsDelivered: number;
  stepsSuperseded: number;
  /** Largest (answer taken − due) of a superseded step, ms. */
  supersededMaxGapMs: number;
  /**
   * Superseded steps whose record entry says `failed` although the answer stopped their retries
   * (the failure was the attempt in flight when the answer came): the record reads as a provider
   * failure where it was a withdrawal.
   */
  failedByAnswer: Problem[];
  /**
   * The record and the peer disagree: a page the peer accepted (2xx) that the record calls
   * cancelled, failed or pending, or one the record calls delivered that the peer never accepted.
   */
  recordMismatch: Problem[];
  /** After-answer pages explained from the history (history.ts): handed out before the cancel request, or after it. */
  afterAnswerTraced: { beforeCancel: number; afterCancel: number; unexplained: number };
  stepsLost: Problem[];
  early: Problem[];
  afterAnswer: Problem[];
  /** Of those, pages that started after the responder had been told (the API's 200 had arrived). */
  afterConfirmed: Problem[];
  raceProblems: Problem[];
  /** Pages for a level, repeat or target the policy does not have. */
  unexpected: Problem[];
  pageRequests: number;
  deliveries: number;
  duplicateDeliveries: number;
  lateness: Record<string, Summary>;
  latenessAll: Summary;
  timeoutLateness: Summary;
  /** Arrival − the moment the system was whole again, for steps due during a fault window. */
  recovery: Partial<Record<WindowKind, Summary>>;
  /** Where the lateness goes: step taken − due; attempt that delivered started − taken; arrival − that start. */
  phases: { taken: Summary; started: Summary; transfer: Summary };
  api: ApiFigures;
  /** createdAt − accepted: how long an accepted alert waited for a worker to open it. */
  acceptedToCreated: Summary;
  /** The same lateness split by the histories of the latest incidents (history.ts), when read. */
  historyPhases?: LatenessPhases;
  /** Workflow tasks that failed, from every incident's history (history.ts), when read. */
  taskFailures?: TaskFailures;
}

export interface ApiFigures {
  create: Summary;
  createDuringFault: Summary;
  /** First send to the 2xx, retries included. */
  acceptEndToEnd: Summary;
  answer: Summary;
  answerDuringFault: Summary;
  /** `create 503`: count. */
  statuses: Record<string, number>;
  /**
   * Answers retried after a 503 (no worker answered within the API's wait) that then heard 409
   * "already ACKNOWLEDGED/RESOLVED": the first attempt had taken effect once a worker ran it.
   */
  refusedAfterTaking: number;
}

export function apiFigures(run: ScenarioRun): ApiFigures {
  const inFault = (at: number) => windowsAt(run.windows, at).length > 0;
  const creates = run.calls.filter((c) => c.kind === 'create');
  const answers = run.calls.filter((c) => c.kind === 'acknowledge' || c.kind === 'resolve');
  const statuses: Record<string, number> = {};
  for (const call of [...creates, ...answers]) {
    const key = `${call.kind} ${call.status === 0 ? 'no answer' : call.status}`;
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const accepted = run.alerts.flatMap((a) => (a.create.acceptedAt ? [a.create.acceptedAt - a.create.firstSentAt] : []));
  return {
    create: summarize(creates.map((c) => c.ms)),
    createDuringFault: summarize(creates.filter((c) => inFault(c.startedAt)).map((c) => c.ms)),
    acceptEndToEnd: summarize(accepted),
    answer: summarize(answers.map((c) => c.ms)),
    answerDuringFault: summarize(answers.filter((c) => inFault(c.startedAt)).map((c) => c.ms)),
    statuses,
    refusedAfterTaking: run.alerts.filter((a) =>
      a.answers.some(
        (o) =>
          o.status === 409 &&
          o.statuses.length > 1 &&
          o.statuses.slice(0, -1).every((st) => st !== 409 && st !== 200) &&
          (a.record?.acknowledgedBy === o.by || a.record?.resolvedBy === o.by),
      ),
    ).length,
  };
}

/** An incident's timeline and notifications, one line each, for a problem's detail. */
export function story(record: IncidentRecord): string {
  const created = Date.parse(record.createdAt);
  const rel = (iso: string) => `+${Date.parse(iso) - created}ms`;
  const lines = record.timeline.map(
    (e) =>
      `  ${e.at} ${rel(e.at)} ${e.kind}${e.from || e.to ? ` ${e.from ?? ''}→${e.to ?? ''}` : ''} by ${e.by}${e.reason ? `: ${e.reason}` : ''}`,
  );
  const notes = record.notifications.map(
    (n) =>
      `  notification L${n.level}R${n.repeat} ${n.kind} ${n.target.replace(/^webhook:http:\/\/127\.0\.0\.1:\d+/, '')} taken ${rel(n.at)} ${n.status} attempt ${n.attempt}${n.settledAt ? ` settled ${rel(n.settledAt)}` : ''}${n.error ? ` (${n.error.slice(0, 120)})` : ''}`,
  );
  return [`  state ${record.state}, created ${record.createdAt}`, ...lines, ...notes].join('\n');
}

const OPEN_STATES: readonly IncidentState[] = ['PENDING', 'ACTIVE', 'ESCALATING'];

export function isOpen(state: IncidentState): boolean {
  return OPEN_STATES.includes(state);
}
