import { Client, Connection } from '@temporalio/client';
import { summarize, type Summary } from '../stats.js';
import type { Problem } from './figures.js';
import type { ScenarioRun } from './model.js';
import type { ChaosServer } from './server.js';

/**
 * Explains a page that started after the answer from the incident's workflow history: when the
 * server scheduled the delivery, handed the attempt to a worker (ActivityTaskStarted), and was asked
 * to cancel it (ActivityTaskCancelRequested, written with the workflow task that took the answer).
 * An attempt handed out before the cancel request is the race a cancellation cannot win without the
 * activity checking again; one handed out after it would be a plain bug.
 */

type Stamp = { seconds?: unknown; nanos?: number | null } | null | undefined;
const toMs = (ts: Stamp): number => (ts ? Number(ts.seconds ?? 0) * 1000 + (ts.nanos ?? 0) / 1e6 : Number.NaN);

export interface DeliveryTrace {
  scheduledAt: number;
  /** Every attempt the server handed to a worker (the last one only, for an activity that retried). */
  startedAt?: number;
  attempt?: number;
  cancelRequestedAt?: number;
  closedAt?: number;
  closedAs?: string;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];

/** The ActivityTaskScheduled event of the delivery with this idempotency key (its input carries the key). */
function scheduledDelivery(events: readonly HistoryEvent[], idempotencyKey: string): HistoryEvent | undefined {
  return events.find((e) => {
    const payload = e.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
    if (!payload) return false;
    try {
      const request = JSON.parse(Buffer.from(payload).toString('utf8')) as { idempotencyKey?: string };
      return request.idempotencyKey === idempotencyKey;
    } catch {
      return false;
    }
  });
}

export async function traceDelivery(client: Client, workflowId: string, idempotencyKey: string): Promise<DeliveryTrace | undefined> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = scheduledDelivery(events, idempotencyKey);
  if (!scheduled?.eventId) return undefined;
  const id = Number(scheduled.eventId);
  const trace: DeliveryTrace = { scheduledAt: toMs(scheduled.eventTime) };
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (started && Number(started.scheduledEventId) === id) {
      trace.startedAt = toMs(e.eventTime);
      trace.attempt = started.attempt ?? undefined;
    }
    if (Number(e.activityTaskCancelRequestedEventAttributes?.scheduledEventId) === id) trace.cancelRequestedAt = toMs(e.eventTime);
    const closed: [string, { scheduledEventId?: unknown } | null | undefined][] = [
      ['completed', e.activityTaskCompletedEventAttributes],
      ['failed', e.activityTaskFailedEventAttributes],
      ['timed out', e.activityTaskTimedOutEventAttributes],
      ['cancelled', e.activityTaskCanceledEventAttributes],
    ];
    for (const [as, attrs] of closed) {
      if (attrs && Number(attrs.scheduledEventId) === id) {
        trace.closedAt = toMs(e.eventTime);
        trace.closedAs = as;
      }
    }
  }
  return trace;
}

/** Adds each after-answer problem's server-side trace to its detail (at most `limit` histories read), and counts the verdicts. */
export async function explainAfterAnswer(
  server: Pick<ChaosServer, 'address' | 'namespace'>,
  problems: Problem[],
  limit: number,
): Promise<{ beforeCancel: number; afterCancel: number; unexplained: number }> {
  const counts = { beforeCancel: 0, afterCancel: 0, unexplained: problems.length };
  if (problems.length === 0) return counts;
  const connection = await Connection.connect({ address: server.address, connectTimeout: 10_000 });
  try {
    const client = new Client({ connection, namespace: server.namespace });
    for (const problem of problems.slice(0, limit)) {
      if (!problem.key) continue;
      const trace = await traceDelivery(client, problem.incident, problem.key).catch(() => undefined);
      if (!trace) continue;
      const rel = (at: number | undefined) =>
        at === undefined ? 'never' : `${Math.round(at - trace.scheduledAt)} ms (${new Date(at).toISOString().slice(11, 23)})`;
      let verdict = trace.cancelRequestedAt === undefined ? 'no cancel request in the history' : 'its attempt is not in the history';
      if (trace.startedAt !== undefined && trace.cancelRequestedAt !== undefined) {
        const before = trace.startedAt < trace.cancelRequestedAt;
        counts.unexplained -= 1;
        if (before) counts.beforeCancel += 1;
        else counts.afterCancel += 1;
        verdict = before
          ? 'handed to a worker before the cancel request: the cancellation could not stop an attempt already on its way'
          : 'handed to a worker AFTER the cancel request';
      }
      problem.detail =
        `  history: delivery scheduled ${new Date(trace.scheduledAt).toISOString().slice(11, 23)}; attempt ${trace.attempt ?? '?'} handed to a worker after ${rel(trace.startedAt)}; ` +
        `cancel requested after ${rel(trace.cancelRequestedAt)}; closed (${trace.closedAs ?? 'open'}) after ${rel(trace.closedAt)}: ${verdict}\n${problem.detail}`;
    }
  } finally {
    await connection.close();
  }
  return counts;
}

/**
 * Where a late step's time went, from the history: due → the server fired the timer → a worker
 * picked up the workflow task → the task completed (the delivery scheduled) → a worker picked up
 * the delivery (its last attempt) → the peer had it.
 */
export interface LatenessPhases {
  timerFired: Summary;
  taskPickedUp: Summary;
  taskRan: Summary;
  deliveryPickedUp: Summary;
  delivered: Summary;
  /** Histories read. */
  incidents: number;
}

const PHASE_NAMES = ['timerFired', 'taskPickedUp', 'taskRan', 'deliveryPickedUp', 'delivered'] as const;

/** Reads the histories of the `sample` latest incidents (by their worst step) and splits each delivered step's lateness. */
export async function latenessPhases(
  server: Pick<ChaosServer, 'address' | 'namespace'>,
  run: ScenarioRun,
  sample: number,
): Promise<LatenessPhases> {
  const columns: Record<(typeof PHASE_NAMES)[number], number[]> = {
    timerFired: [],
    taskPickedUp: [],
    taskRan: [],
    deliveryPickedUp: [],
    delivered: [],
  };
  const firsts = new Map<string, { arrival: number; key: string; offset: number }[]>();
  for (const alert of run.alerts) {
    if (!alert.record) continue;
    const createdAt = Date.parse(alert.record.createdAt);
    const steps: { arrival: number; key: string; offset: number }[] = [];
    for (const step of run.expectation.steps) {
      for (const target of step.targets) {
        const first = run.requests.find(
          (r) => r.delivered && r.workflowId === alert.id && r.level === step.level && r.repeat === step.repeat && r.target === target,
        );
        if (first) steps.push({ arrival: first.receivedAt, key: first.idempotencyKey, offset: createdAt + step.offsetMs });
      }
    }
    if (steps.length) firsts.set(alert.id, steps);
  }
  const worst = [...firsts.entries()]
    .sort(([, a], [, b]) => Math.max(...b.map((s) => s.arrival - s.offset)) - Math.max(...a.map((s) => s.arrival - s.offset)))
    .slice(0, sample);
  const connection = await Connection.connect({ address: server.address, connectTimeout: 10_000 });
  try {
    const client = new Client({ connection, namespace: server.namespace });
    for (const [workflowId, steps] of worst) {
      const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const byId = new Map(events.map((e) => [Number(e.eventId), e]));
      const at = (e: HistoryEvent | undefined) => toMs(e?.eventTime);
      for (const step of steps) {
        const scheduled = scheduledDelivery(events, step.key);
        const completed = byId.get(Number(scheduled?.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId));
        const taskScheduled = byId.get(Number(completed?.workflowTaskCompletedEventAttributes?.scheduledEventId));
        const taskStarted = byId.get(Number(completed?.workflowTaskCompletedEventAttributes?.startedEventId));
        if (!scheduled || !completed || !taskScheduled || !taskStarted) continue;
        // The timer that woke this task: fired after the task before it completed.
        const previous = events
          .filter((e) => e.workflowTaskCompletedEventAttributes && Number(e.eventId) < Number(taskScheduled.eventId))
          .pop();
        const fired = events
          .filter(
            (e) =>
              e.timerFiredEventAttributes &&
              Number(e.eventId) > Number(previous?.eventId ?? 0) &&
              Number(e.eventId) < Number(taskStarted.eventId),
          )
          .pop();
        const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled.eventId));
        const firedAt = fired ? at(fired) : at(taskScheduled);
        columns.timerFired.push(firedAt - step.offset);
        columns.taskPickedUp.push(at(taskStarted) - firedAt);
        columns.taskRan.push(at(completed) - at(taskStarted));
        if (started) {
          columns.deliveryPickedUp.push(at(started) - at(scheduled));
          columns.delivered.push(step.arrival - at(started));
        }
      }
    }
  } finally {
    await connection.close();
  }
  return {
    ...(Object.fromEntries(PHASE_NAMES.map((n) => [n, summarize(columns[n])])) as Record<(typeof PHASE_NAMES)[number], Summary>),
    incidents: worst.length,
  };
}

/** Workflow tasks that failed or timed out in the incidents' histories, by cause and message. */
export interface TaskFailures {
  incidents: number;
  failures: number;
  /** WorkflowTaskTimedOut: start-to-close (a worker took it and died) or schedule-to-start (a sticky queue nobody polls). */
  timeouts: Record<string, number>;
  /** `<cause>: <message, first line>` → count. */
  byReason: Record<string, number>;
  /** A few incidents that had one, for the report. */
  examples: string[];
}

export async function workflowTaskFailures(
  server: Pick<ChaosServer, 'address' | 'namespace'>,
  ids: readonly string[],
): Promise<TaskFailures> {
  const result: TaskFailures = { incidents: 0, failures: 0, timeouts: {}, byReason: {}, examples: [] };
  const connection = await Connection.connect({ address: server.address, connectTimeout: 10_000 });
  try {
    const client = new Client({ connection, namespace: server.namespace });
    for (let i = 0; i < ids.length; i += 8) {
      await Promise.all(
        ids.slice(i, i + 8).map(async (id) => {
          const events =
            (
              await client.workflow
                .getHandle(id)
                .fetchHistory()
                .catch(() => undefined)
            )?.events ?? [];
          for (const e of events) {
            const timedOut = e.workflowTaskTimedOutEventAttributes;
            if (!timedOut) continue;
            const kind =
              timedOut.timeoutType === 1
                ? 'start-to-close'
                : timedOut.timeoutType === 2
                  ? 'schedule-to-start'
                  : `type ${timedOut.timeoutType}`;
            result.timeouts[kind] = (result.timeouts[kind] ?? 0) + 1;
          }
          const failed = events.filter((e) => e.workflowTaskFailedEventAttributes);
          if (failed.length === 0) return;
          result.incidents += 1;
          result.failures += failed.length;
          for (const e of failed) {
            const attrs = e.workflowTaskFailedEventAttributes;
            const message = (attrs?.failure?.message ?? '').split('\n')[0]?.slice(0, 160) ?? '';
            const reason = `cause ${attrs?.cause ?? '?'}: ${message}`;
            result.byReason[reason] = (result.byReason[reason] ?? 0) + 1;
          }
          if (result.examples.length < 5) result.examples.push(`${id} (${failed.length} failed task(s))`);
        }),
      );
    }
  } finally {
    await connection.close();
  }
  return result;
}
