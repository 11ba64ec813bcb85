import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../domain/config.js';
import { fieldErrors, type FieldError } from '../domain/errors.js';
import { IncidentInput, isTerminal, workflowIdForKey, type IncidentInputBody, type IncidentRecord } from '../domain/incident.js';
import { groupKey } from '../domain/grouping.js';
import type { DeliveryReceiptInput } from '../domain/receipt.js';
import { replyCode } from '../domain/responder.js';
import { defaultIncidentKey, evaluateGates, pagingMode, routeLabels, selectPolicy } from '../domain/routing.js';
import { holderOf, type ConfigHolder, type ConfigSource } from '../runtime/config-holder.js';
import { policyVersion } from '../domain/policy-version.js';
import type { z } from 'zod';
import { ReassignTargets, SnoozeFor, ToLevel } from '../domain/responder-requests.js';
import { checkInhibition } from './inhibition.js';
import { move, type IncidentEvent } from '../domain/state-machine.js';
import { isRepeatedAnswer } from '../domain/record.js';
import { slaFor } from '../domain/sla.js';
import { reopenFrom, WorkflowSettings, type IncidentCarry, type IncidentWorkflowInput } from '../domain/workflow-input.js';
import {
  acknowledgeUpdate,
  annotateUpdate,
  cancelUpdate,
  DEFAULT_TASK_QUEUE,
  deliveryReceiptUpdate,
  escalateUpdate,
  MOVE_REFUSED,
  reassignUpdate,
  resolveUpdate,
  snoozeUpdate,
  stateQuery,
  workingStatusUpdate,
  unacknowledgeUpdate,
} from '../workflows/messages.js';
import type { WorkingStatus } from '../domain/working-status.js';
import { acceptAlert, AlertTooLargeError } from './ingest.js';
import { suppressionReason, windowFor } from '../domain/maintenance.js';
import { MaintenanceBook } from './maintenance.js';
import { ROUTE_LABELS_MEMO, startSearchAttributes } from './visibility.js';

/** The request itself is wrong: each field and why. Nothing was started or changed. */
export class InvalidIncidentRequestError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`invalid incident request: ${errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ')}`);
    this.name = 'InvalidIncidentRequestError';
  }
}

export class IncidentNotFoundError extends Error {
  constructor(readonly incidentId: string) {
    super(`no incident ${incidentId}; check the key (list open incidents with \`escalate list\`)`);
    this.name = 'IncidentNotFoundError';
  }
}

/**
 * No worker answered in time (a deploy, a crash loop, every worker busy). The answer is queued on
 * the incident and may still take effect when a worker runs: the caller should look at the
 * incident before sending it again. The API maps this to 503 with Retry-After.
 */
export class WorkerUnavailableError extends Error {
  constructor(
    readonly incidentId: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'WorkerUnavailableError';
  }
}

export interface EscalateOptions {
  /** The level to page now (1-based); default: the next level. */
  toLevel?: number;
}

/** The state machine refused the move (acknowledging a resolved incident, escalating past the end). */
export class IncidentMoveRefusedError extends Error {
  constructor(
    readonly incidentId: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'IncidentMoveRefusedError';
  }
}

export type StartIncidentResult =
  | {
      escalated: true;
      /** The Temporal server has the alert: it is durable and will page when a worker runs it. */
      accepted: true;
      /** True: it opened a new incident; false: it was counted on the open one with this key. */
      created: boolean;
      incidentId: string;
      workflowId: string;
      runId: string;
      policy: string;
      policyVersion: string;
      severity: IncidentRecord['severity'];
    }
  | { escalated: false; reason: string; inhibitedBy?: string; maintenance?: string };

export interface IncidentClientOptions {
  client: Client;
  /** A fixed config, or a holder a reload may replace: each start reads the one in force. */
  config: ConfigSource;
  taskQueue?: string;
  /** Base URL of the Temporal Web UI, for links in notifications. */
  uiUrl?: string;
  /** How long an answer or a read waits for a worker before 503 (default 5 s). */
  answerTimeoutMs?: number;
  /** How long accepting an alert may take before the Temporal server counts as unreachable (default 2 s). */
  acceptTimeoutMs?: number;
  /** Only for the time-skipping test server (see AcceptAlert.timeoutMs); real servers need none. */
  incidentTimeoutMs?: number;
}

/**
 * Answers this process keeps waiting on one incident at most. Temporal refuses an 11th update in
 * flight on a workflow (RESOURCE_EXHAUSTED) and keeps each until a worker runs it, even after its
 * caller gave up; so this process counts an answer until the server settles it, not until its
 * caller stops waiting, and two API replicas stay under the server's limit together.
 */
const MAX_ANSWERS_IN_FLIGHT = 4;

/** A healthy server takes an alert in milliseconds (tens under load); past this it is away. */
export const ACCEPT_DEADLINE_MS = 2_000;
/** An answer no worker has taken after this long stops counting here (the server has dropped it by then). */
const MAX_ANSWER_HOLD_MS = 10 * 60_000;
const DEFAULT_ANSWER_TIMEOUT_MS = 5_000;
/** Past this many characters of record (JSON), notes are refused: well under Temporal's 2 MB payload limit. */
const MAX_RECORD_CHARACTERS = 512 * 1024;

/**
 * The typed client library: every way in (HTTP API, CLI, webhooks) starts and answers incidents
 * through this class, so validation, gates, routing and dedup behave the same everywhere.
 */
export class IncidentClient {
  readonly taskQueue: string;
  readonly configHolder: ConfigHolder;
  /** Maintenance windows: the config's and the ones opened at run time (client/maintenance.ts). */
  readonly maintenance: MaintenanceBook;

  /** Answers per incident sent by this process that the server has not settled yet. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly options: IncidentClientOptions) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.configHolder = holderOf(options.config);
    this.maintenance = new MaintenanceBook({ client: options.client, taskQueue: this.taskQueue, config: () => this.config });
  }

  /** The config in force now (after the latest reload). */
  get config(): Config {
    return this.configHolder.current;
  }

  get temporal(): Client {
    return this.options.client;
  }

  /**
   * Opens an incident, or counts an occurrence on the open one with the same key. Atomic on the
   * server (update-with-start), so two racing alerts never open two incidents. `occurrenceId`:
   * the same id sent again is the same alert (counted once).
   */
  async startIncident(body: IncidentInputBody, options: { occurrenceId?: string } = {}): Promise<StartIncidentResult> {
    const parsed = IncidentInput.safeParse(body);
    if (!parsed.success) throw new InvalidIncidentRequestError(fieldErrors(parsed.error));
    const input = parsed.data;
    // One config for the whole start, even if a reload lands while it runs.
    const config = this.config;
    const gate = evaluateGates(config.gates, input.severity);
    if (!gate.escalate) return { escalated: false, reason: gate.reason };
    const choice = selectPolicy(config, input);
    if (!choice.ok) throw new InvalidIncidentRequestError([{ path: choice.field, message: choice.reason }]);

    // A grouping route's group key beats the caller's key (see domain/grouping.ts).
    const group = choice.route ? groupKey(choice.route, routeLabels(input)) : undefined;
    const key = group ?? input.key ?? defaultIncidentKey(input);
    const workflowId = workflowIdForKey(key);
    // Every Temporal call of one start shares a deadline: with the server away (a restart, a network
    // cut) the caller hears 503 in seconds and can retry, instead of hanging on the SDK's reconnects.
    const deadline = Date.now() + (this.options.acceptTimeoutMs ?? ACCEPT_DEADLINE_MS);
    const within = <T>(work: () => Promise<T>): Promise<T> => this.options.client.withDeadline(deadline, work);
    // An open maintenance window answers the alert itself: no incident, nobody paged (visibility and config only).
    const window = windowFor(
      await within(() => this.maintenance.openWindows()),
      routeLabels({ ...input, severity: choice.severity }),
      Date.now(),
    );
    if (window) {
      // Counted on the window's workflow for /v1/stats; a failed count never fails the answer.
      await within(() => this.maintenance.countSuppressed(window, { incidentId: workflowId, summary: input.summary })).catch(
        () => undefined,
      );
      return { escalated: false, reason: suppressionReason(window), maintenance: window.name };
    }
    const inhibition = await within(() =>
      checkInhibition(this.options.client, this.taskQueue, config.inhibitions, {
        workflowId,
        summary: input.summary,
        severity: choice.severity,
        labels: input.labels ?? {},
        ...(input.service !== undefined && { service: input.service }),
        ...(input.source !== undefined && { source: input.source }),
      }),
    );
    if (inhibition) return { escalated: false, reason: inhibition.reason, inhibitedBy: inhibition.source.workflowId };
    // A caller-given id (a webhook alert's own) makes a retry of this call the same alert, not two.
    const occurrenceId = options.occurrenceId ?? randomUUID();
    const shadow = pagingMode(config.gates, choice) === 'shadow';
    const carry = withMode(await within(() => this.cooldownCarry(workflowId, choice.policy.cooldown)), shadow);
    const sla = slaFor(config.slas, choice.severity, config.onBreach);
    const workflowInput: IncidentWorkflowInput = {
      incident: {
        key,
        summary: input.summary,
        // A route may set the severity its incidents run at (routes[].severity).
        severity: choice.severity,
        ...(input.source !== undefined && { source: input.source }),
        ...(input.service !== undefined && { service: input.service }),
        labels: input.labels ?? {},
        ...(input.details !== undefined && { details: input.details }),
        links: input.links ?? [],
        ...(shadow && { shadow: true }),
      },
      policy: choice.policy,
      occurrenceId,
      settings: WorkflowSettings.parse({
        namespace: this.options.client.options.namespace,
        delivery: config.delivery,
        ...(this.options.uiUrl !== undefined && { uiUrl: this.options.uiUrl }),
      }),
      ...(group !== undefined && {
        groupBy: choice.route?.groupBy ?? [],
        ...(choice.route?.groupWait !== undefined && { groupWait: choice.route.groupWait }),
      }),
      ...(sla && { sla }),
      ...(choice.route?.urgency !== undefined && { urgency: choice.route.urgency }),
      ...(carry && { carry }),
    };
    const occurrence = {
      occurrenceId,
      receivedAt: new Date().toISOString(),
      severity: choice.severity,
      summary: input.summary,
      ...(input.source !== undefined && { source: input.source }),
      ...(input.labels !== undefined && { labels: input.labels }),
      ...(group !== undefined && input.key !== undefined && { key: input.key }),
      // If this repeat raises an open incident's severity and the routes now pick another policy,
      // the workflow moves the incident to this one; otherwise it is ignored.
      policy: choice.policy,
    };

    const accepted = await within(() =>
      acceptAlert(this.options.client, {
        workflowId,
        taskQueue: this.taskQueue,
        input: workflowInput,
        occurrence,
        staticSummary: `[${choice.severity}] ${input.summary}`,
        staticDetails: `${shadow ? '**Shadow mode**: pages are recorded, not sent · ' : ''}Policy **${choice.policy.name}** (${choice.how})${input.service ? ` · service ${input.service}` : ''}`,
        searchAttributes: startSearchAttributes(
          choice.severity,
          choice.policy.name,
          input.service,
          config.providers.twilio ? replyCode(workflowId) : undefined,
          shadow,
        ),
        memo: { [ROUTE_LABELS_MEMO]: routeLabels({ ...input, severity: choice.severity }) },
        ...(this.options.incidentTimeoutMs !== undefined && { timeoutMs: this.options.incidentTimeoutMs }),
      }),
    ).catch((error: unknown) => {
      if (error instanceof AlertTooLargeError) throw new InvalidIncidentRequestError([{ path: 'details', message: error.message }]);
      throw error;
    });
    return {
      escalated: true,
      accepted: true,
      created: accepted.started,
      incidentId: workflowId,
      workflowId,
      runId: accepted.runId,
      policy: choice.policy.name,
      policyVersion: policyVersion(choice.policy),
      severity: choice.severity,
    };
  }

  /**
   * The carry that re-opens a resolved incident with this key, if it was resolved within the
   * policy's cooldown; undefined for a fresh incident (no cooldown, none before, or too long ago).
   * The previous run is closed, so its result is its final record.
   */
  private async cooldownCarry(workflowId: string, cooldown: number | undefined): Promise<IncidentCarry | undefined> {
    if (cooldown === undefined) return undefined;
    const handle = this.options.client.workflow.getHandle(workflowId);
    const status = await handle.describe().then(
      (d) => d.status.name,
      (error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      },
    );
    if (status !== 'COMPLETED') return undefined;
    const previous: unknown = await handle.result().catch(() => undefined);
    return isRecord(previous) ? reopenFrom(previous, cooldown, Date.now()) : undefined;
  }

  acknowledge(id: string, by: string, note?: string): Promise<IncidentRecord> {
    return this.update(
      id,
      'acknowledge',
      (handle) => handle.executeUpdate(acknowledgeUpdate, { args: [{ by, ...(note !== undefined && { note }) }] }),
      by,
    );
  }

  resolve(id: string, by: string, note?: string): Promise<IncidentRecord> {
    return this.update(
      id,
      'resolve',
      (handle) => handle.executeUpdate(resolveUpdate, { args: [{ by, ...(note !== undefined && { note }) }] }),
      by,
    );
  }

  cancel(id: string, by: string, reason?: string): Promise<IncidentRecord> {
    return this.update(
      id,
      'cancel',
      (handle) => handle.executeUpdate(cancelUpdate, { args: [{ by, ...(reason !== undefined && { reason }) }] }),
      by,
    );
  }

  /**
   * Escalates now: to the next level, or to `toLevel` (1-based). An acknowledged incident becomes
   * ACTIVE at that level and is paged. Refused (IncidentMoveRefusedError) for a level the policy lacks.
   */
  async escalate(id: string, by: string, reason?: string, options: EscalateOptions = {}): Promise<IncidentRecord> {
    const { toLevel } = options;
    if (toLevel !== undefined) checked('toLevel', ToLevel, toLevel);
    return this.update(id, 'escalate', (handle) =>
      handle.executeUpdate(escalateUpdate, {
        args: [{ by, ...(reason !== undefined && { reason }), ...(toLevel !== undefined && { toLevel }) }],
      }),
    );
  }

  /** Hands an acknowledged incident back: ACTIVE again, the level it is at paged again now. */
  unacknowledge(id: string, by: string, reason?: string): Promise<IncidentRecord> {
    return this.update(id, 'unacknowledge', (handle) =>
      handle.executeUpdate(unacknowledgeUpdate, { args: [{ by, ...(reason !== undefined && { reason }) }] }),
    );
  }

  /** Pages these targets now in the place of the level it is at: ACTIVE, the walk goes on from there. */
  async reassign(id: string, by: string, targets: unknown, reason?: string): Promise<IncidentRecord> {
    const parsed = checked('targets', ReassignTargets, targets);
    return this.update(id, 'reassign', (handle) =>
      handle.executeUpdate(reassignUpdate, { args: [{ by, targets: parsed, ...(reason !== undefined && { reason }) }] }),
    );
  }

  /** ACKNOWLEDGED for this long (`30m`), then ACTIVE at the level it is at and paged. */
  async snooze(id: string, by: string, duration: string | number, reason?: string): Promise<IncidentRecord> {
    const forMs = checked('for', SnoozeFor, duration);
    return this.update(id, 'snooze', (handle) =>
      handle.executeUpdate(snoozeUpdate, { args: [{ by, forMs, ...(reason !== undefined && { reason }) }] }),
    );
  }

  /** A provider's receipt for a page (Twilio's status callback): on the notification and the timeline. */
  recordReceipt(id: string, receipt: DeliveryReceiptInput): Promise<IncidentRecord> {
    return this.update(id, 'annotate', (handle) => handle.executeUpdate(deliveryReceiptUpdate, { args: [receipt] }));
  }

  /**
   * Notes are the one thing a caller can add without end (the timeline keeps 1,000 entries), and
   * the record travels in every delivery: a record near Temporal's 2 MB payload limit would wedge
   * the incident. So a note is refused (409) once the record is past MAX_RECORD_CHARACTERS.
   */
  async annotate(id: string, by: string, note: string): Promise<IncidentRecord> {
    const size = JSON.stringify(await this.getIncident(id)).length;
    if (size + note.length > MAX_RECORD_CHARACTERS) {
      throw new IncidentMoveRefusedError(
        workflowIdForKey(id),
        `${workflowIdForKey(id)} has ${size} characters of record, near the most an incident can carry; no more notes (put long text behind a link)`,
      );
    }
    return this.update(id, 'annotate', (handle) => handle.executeUpdate(annotateUpdate, { args: [{ by, note }] }));
  }

  /** Sets the responders' working status; refused (IncidentMoveRefusedError) unless the incident is acknowledged. */
  setWorkingStatus(id: string, by: string, status: WorkingStatus, note?: string): Promise<IncidentRecord> {
    return this.update(id, 'annotate', (handle) =>
      handle.executeUpdate(workingStatusUpdate, { args: [{ by, status, ...(note !== undefined && { note }) }] }),
    );
  }

  /**
   * Waits until the incident's first page has settled (delivered, failed or skipped), or it closed,
   * or the time is up; answers the record then. Polls the state query, riding out a worker that is
   * not there yet: a page cannot go out before a worker runs the incident anyway.
   */
  async waitForFirstPage(id: string, timeoutMs: number): Promise<{ record?: IncidentRecord; paged: boolean }> {
    const deadline = Date.now() + timeoutMs;
    let record: IncidentRecord | undefined;
    for (;;) {
      record = await this.getIncident(id).catch((error: unknown) => {
        if (error instanceof WorkerUnavailableError) return record;
        throw error;
      });
      const paged = record?.notifications.some((n) => n.kind !== 'update' && n.status !== 'pending' && n.status !== 'cancelled') ?? false;
      if (paged || (record && isTerminal(record.state)) || Date.now() >= deadline) return { ...(record && { record }), paged };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The record of an open or closed incident (closed ones answer from their result). */
  async getIncident(id: string): Promise<IncidentRecord> {
    const handle = this.handle(id);
    try {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING' && description.status.name !== 'CONTINUED_AS_NEW') {
        const result: unknown = await handle.result();
        if (isRecord(result)) return result;
      }
      // A query needs a worker too: bounded like an answer, so a reader is told rather than kept waiting.
      return await this.withinAnswerTimeout(handle.workflowId, 'the state query', handle.query(stateQuery));
    } catch (error) {
      throw await this.translate(id, error);
    }
  }

  handle(id: string): WorkflowHandle {
    return this.options.client.workflow.getHandle(workflowIdForKey(id));
  }

  private async update(
    id: string,
    event: IncidentEvent | 'annotate',
    call: (handle: WorkflowHandle) => Promise<IncidentRecord>,
    /** Who answers: the same answer repeated by them after the incident closed is not a refusal. */
    by?: string,
  ): Promise<IncidentRecord> {
    const workflowId = workflowIdForKey(id);
    const waiting = this.inFlight.get(workflowId) ?? 0;
    if (waiting >= MAX_ANSWERS_IN_FLIGHT) {
      throw new WorkerUnavailableError(
        workflowId,
        `${waiting} answers to ${workflowId} are already waiting for an escalation worker (task queue ${this.taskQueue}); ` +
          'they take effect when a worker runs. Check that a worker is running, then look at the incident before answering again.',
        this.retryAfterSeconds(),
      );
    }
    this.inFlight.set(workflowId, waiting + 1);
    // Bounded on the server side too: an answer nobody takes stops counting after MAX_ANSWER_HOLD_MS.
    const settled = this.options.client
      .withAbortSignal(AbortSignal.timeout(MAX_ANSWER_HOLD_MS), () => call(this.handle(id)))
      .finally(() => this.release(workflowId));
    try {
      return await this.withinAnswerTimeout(workflowId, event, settled);
    } catch (error) {
      const repeated = by !== undefined && event !== 'annotate' ? await this.repeatedOnClosed(error, workflowId, event, by) : undefined;
      if (repeated) return repeated;
      throw await this.translate(id, error, event);
    }
  }

  /** Waits for the worker's verdict up to the answer timeout; the call itself goes on counting. */
  private async withinAnswerTimeout<T>(workflowId: string, what: string, work: Promise<T>): Promise<T> {
    const timeoutMs = this.options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new WorkerUnavailableError(
              workflowId,
              `no escalation worker answered ${what} for ${workflowId} within ${timeoutMs / 1000} s (task queue ${this.taskQueue}); ` +
                'a change may still take effect when a worker runs: check that a worker is running and look at the incident before retrying',
              this.retryAfterSeconds(),
            ),
          ),
        timeoutMs,
      );
    });
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private release(workflowId: string): void {
    const left = (this.inFlight.get(workflowId) ?? 1) - 1;
    if (left > 0) this.inFlight.set(workflowId, left);
    else this.inFlight.delete(workflowId);
  }

  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS) / 1000));
  }

  private async translate(id: string, error: unknown, event: IncidentEvent | 'annotate' = 'acknowledge'): Promise<unknown> {
    const workflowId = workflowIdForKey(id);
    if (error instanceof WorkflowNotFoundError) {
      // A closed incident still exists: say it is closed rather than unknown.
      const closed = await this.closedRecord(workflowId);
      if (!closed) return new IncidentNotFoundError(workflowId);
      const refusal = move(closed.state, event === 'annotate' ? 'acknowledge' : event);
      const reason =
        refusal.ok || event === 'annotate'
          ? `${workflowId} is ${closed.state} and closed; it takes no more changes`
          : `${workflowId}: ${refusal.reason}`;
      return new IncidentMoveRefusedError(workflowId, reason);
    }
    if (error instanceof WorkerUnavailableError) return error;
    if (error instanceof WorkflowUpdateFailedError && failureType(error) === MOVE_REFUSED) {
      return new IncidentMoveRefusedError(workflowId, error.cause?.message ?? error.message);
    }
    if (isWorkflowTaskStuck(error)) {
      // The worker running this incident died mid-task: the server refuses updates until the task
      // times out and another worker takes it. Nothing changed; it is the same as no worker.
      return new WorkerUnavailableError(
        workflowId,
        `${workflowId} is between workers (its last workflow task was lost with a worker and is being retried); nothing changed, answer again in a few seconds`,
        this.retryAfterSeconds(),
      );
    }
    return error;
  }

  /** A retried resolve or cancel whose first try closed the incident: its record, not a 409. */
  private async repeatedOnClosed(
    error: unknown,
    workflowId: string,
    event: IncidentEvent,
    by: string,
  ): Promise<IncidentRecord | undefined> {
    if (!(error instanceof WorkflowNotFoundError)) return undefined;
    const closed = await this.closedRecord(workflowId);
    return closed && isRepeatedAnswer(closed, event, by) ? closed : undefined;
  }

  private async closedRecord(workflowId: string): Promise<IncidentRecord | undefined> {
    try {
      const result: unknown = await this.options.client.workflow.getHandle(workflowId).result();
      return isRecord(result) ? result : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * A re-opened incident carries its previous record, which carries the mode the incident had then;
 * the routes decide the mode now (a team that cut over pages on the re-open).
 */
function withMode(carry: IncidentCarry | undefined, shadow: boolean): IncidentCarry | undefined {
  if (!carry) return undefined;
  const { shadow: _previous, ...record } = carry.record;
  return { ...carry, record: shadow ? { ...record, shadow: true } : record };
}

/** Parses one field of an answer, or refuses it naming the field (nothing reaches the incident). */
function checked<T extends z.ZodType>(field: string, schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidIncidentRequestError(
    fieldErrors(parsed.error).map((e) => ({
      ...e,
      path: e.path === '' ? field : e.path.startsWith('[') ? `${field}${e.path}` : `${field}.${e.path}`,
    })),
  );
}

function failureType(error: unknown): string | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) return current.type ?? undefined;
    current = current.cause;
  }
  return undefined;
}

/** The server's FAILED_PRECONDITION for an update while the workflow task is failing or timed out. */
function isWorkflowTaskStuck(error: unknown): boolean {
  let current: unknown = error;
  while (current instanceof Error) {
    const code = (current as { code?: unknown }).code;
    // Also when the task that was to carry the update failed or timed out (an overloaded worker).
    if (code === 9 && /workflow task in failed state|unexpected workflow task failure/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

function isRecord(value: unknown): value is IncidentRecord {
  return typeof value === 'object' && value !== null && 'workflowId' in value && 'state' in value;
}
