import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../domain/config.js';
import { fieldErrors, type FieldError } from '../domain/errors.js';
import { IncidentInput, workflowIdForKey, type IncidentInputBody, type IncidentRecord } from '../domain/incident.js';
import { groupKey } from '../domain/grouping.js';
import { defaultIncidentKey, evaluateGates, routeLabels, selectPolicy } from '../domain/routing.js';
import { holderOf, type ConfigHolder, type ConfigSource } from '../worker/config-holder.js';
import { policyVersion } from '../domain/policy-version.js';
import { checkInhibition } from './inhibition.js';
import { move, type IncidentEvent } from '../domain/state-machine.js';
import type { IncidentWorkflowInput } from '../domain/workflow-input.js';
import {
  acknowledgeUpdate,
  annotateUpdate,
  cancelUpdate,
  DEFAULT_TASK_QUEUE,
  escalateUpdate,
  INCIDENT_CLOSED,
  MOVE_REFUSED,
  occurrenceUpdate,
  resolveUpdate,
  stateQuery,
  WORKFLOW_TYPE,
} from '../workflows/messages.js';

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
      created: boolean;
      incidentId: string;
      workflowId: string;
      policy: string;
      policyVersion: string;
      record: IncidentRecord;
    }
  | { escalated: false; reason: string; inhibitedBy?: string };

export interface IncidentClientOptions {
  client: Client;
  /** A fixed config, or a holder a reload may replace: each start reads the one in force. */
  config: ConfigSource;
  taskQueue?: string;
  /** Base URL of the Temporal Web UI, for links in notifications. */
  uiUrl?: string;
}

/**
 * The typed client library: every way in (HTTP API, CLI, webhooks) starts and answers incidents
 * through this class, so validation, gates, routing and dedup behave the same everywhere.
 */
export class IncidentClient {
  readonly taskQueue: string;
  readonly configHolder: ConfigHolder;

  constructor(private readonly options: IncidentClientOptions) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.configHolder = holderOf(options.config);
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
   * server (update-with-start), so two racing alerts never open two incidents.
   */
  async startIncident(body: IncidentInputBody): Promise<StartIncidentResult> {
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
    const inhibition = await checkInhibition(this.options.client, this.taskQueue, config.inhibitions, {
      workflowId,
      summary: input.summary,
      severity: choice.severity,
      labels: input.labels ?? {},
      ...(input.service !== undefined && { service: input.service }),
      ...(input.source !== undefined && { source: input.source }),
    });
    if (inhibition) return { escalated: false, reason: inhibition.reason, inhibitedBy: inhibition.source.workflowId };
    const occurrenceId = randomUUID();
    const carry = await this.cooldownCarry(workflowId, choice.policy.cooldown);
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
      },
      policy: choice.policy,
      occurrenceId,
      settings: {
        namespace: this.options.client.options.namespace,
        delivery: config.delivery,
        ...(this.options.uiUrl !== undefined && { uiUrl: this.options.uiUrl }),
      },
      ...(group !== undefined && {
        groupBy: choice.route?.groupBy ?? [],
        ...(choice.route?.groupWait !== undefined && { groupWait: choice.route.groupWait }),
      }),
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

    // A second try covers the moment an incident with this key is closing: once it has closed,
    // the same alert opens a new incident.
    for (let attempt = 1; ; attempt += 1) {
      const startOperation = new WithStartWorkflowOperation(WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [workflowInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `[${choice.severity}] ${input.summary}`,
        staticDetails: `Policy **${choice.policy.name}** (${choice.how})${input.service ? ` · service ${input.service}` : ''}`,
      });
      try {
        const answer = await this.options.client.workflow.executeUpdateWithStart(occurrenceUpdate, {
          args: [occurrence],
          startWorkflowOperation: startOperation,
        });
        return {
          escalated: true,
          created: answer.created,
          incidentId: workflowId,
          workflowId,
          policy: answer.record.policy,
          policyVersion: answer.record.policyVersion ?? policyVersion(choice.policy),
          record: answer.record,
        };
      } catch (error) {
        if (attempt < 3 && failureType(error) === INCIDENT_CLOSED) {
          await this.options.client.workflow
            .getHandle(workflowId)
            .result()
            .catch(() => undefined);
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * The carry that re-opens a resolved incident with this key, if it was resolved within the
   * policy's cooldown; undefined for a fresh incident (no cooldown, none before, or too long ago).
   * The previous run is closed, so its result is its final record.
   */
  private async cooldownCarry(
    workflowId: string,
    cooldown: number | undefined,
  ): Promise<{ record: IncidentRecord; epoch: number; reopen: { resolvedAt: string } } | undefined> {
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
    if (!isRecord(previous) || previous.state !== 'RESOLVED' || !previous.resolvedAt) return undefined;
    if (Date.now() - Date.parse(previous.resolvedAt) > cooldown) return undefined;
    return { record: previous, epoch: (previous.epoch ?? 0) + 1, reopen: { resolvedAt: previous.resolvedAt } };
  }

  acknowledge(id: string, by: string, note?: string): Promise<IncidentRecord> {
    return this.update(id, 'acknowledge', (handle) =>
      handle.executeUpdate(acknowledgeUpdate, { args: [{ by, ...(note !== undefined && { note }) }] }),
    );
  }

  resolve(id: string, by: string, note?: string): Promise<IncidentRecord> {
    return this.update(id, 'resolve', (handle) =>
      handle.executeUpdate(resolveUpdate, { args: [{ by, ...(note !== undefined && { note }) }] }),
    );
  }

  cancel(id: string, by: string, reason?: string): Promise<IncidentRecord> {
    return this.update(id, 'cancel', (handle) =>
      handle.executeUpdate(cancelUpdate, { args: [{ by, ...(reason !== undefined && { reason }) }] }),
    );
  }

  escalate(id: string, by: string, reason?: string): Promise<IncidentRecord> {
    return this.update(id, 'escalate', (handle) =>
      handle.executeUpdate(escalateUpdate, { args: [{ by, ...(reason !== undefined && { reason }) }] }),
    );
  }

  annotate(id: string, by: string, note: string): Promise<IncidentRecord> {
    return this.update(id, 'annotate', (handle) => handle.executeUpdate(annotateUpdate, { args: [{ by, note }] }));
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
      return await handle.query(stateQuery);
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
  ): Promise<IncidentRecord> {
    try {
      return await call(this.handle(id));
    } catch (error) {
      throw await this.translate(id, error, event);
    }
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
    if (error instanceof WorkflowUpdateFailedError && failureType(error) === MOVE_REFUSED) {
      return new IncidentMoveRefusedError(workflowId, error.cause?.message ?? error.message);
    }
    return error;
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

function failureType(error: unknown): string | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) return current.type ?? undefined;
    current = current.cause;
  }
  return undefined;
}

function isRecord(value: unknown): value is IncidentRecord {
  return typeof value === 'object' && value !== null && 'workflowId' in value && 'state' in value;
}
