import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Client, RawWorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter, TypedSearchAttributes, type Payload } from '@temporalio/common';
import { IncidentState, keyFromIncidentId } from '../domain/incident.js';
import { SeverityName } from '../domain/severity.js';
import { WORKFLOW_TYPE } from '../workflows/messages.js';
import {
  AcknowledgedByKey,
  EscalationLevelKey,
  EscalationPolicyKey,
  IncidentCodeKey,
  IncidentServiceKey,
  IncidentSeverityKey,
  IncidentShadowKey,
  IncidentStateKey,
} from '../workflows/search-attributes.js';

/**
 * Incidents as Temporal visibility sees them (the search attributes the workflow keeps current):
 * the API's `GET /v1/incidents`, `escalate list` and the stats read from here. No second database.
 * Visibility is eventually consistent: a change shows here a moment after the update answered.
 */

/** Memo field with the labels routes saw when the incident opened (read by inhibition from a list). */
export const ROUTE_LABELS_MEMO = 'routeLabels';

/**
 * The search attributes an incident starts with, set by the server at signal-with-start: an alert
 * accepted while no worker runs is listed (PENDING, its severity, service and policy) at once.
 */
export function startSearchAttributes(
  severity: string,
  policy: string,
  service: string | undefined,
  /** The SMS reply code (with providers.twilio set: the attribute must be registered, `escalate setup`). */
  code?: string,
  /** Shadow mode (IncidentShadow): set at start only. */
  shadow = false,
): TypedSearchAttributes {
  return new TypedSearchAttributes([
    ...(shadow ? [{ key: IncidentShadowKey, value: true }] : []),
    ...(code !== undefined ? [{ key: IncidentCodeKey, value: code }] : []),
    { key: IncidentStateKey, value: 'PENDING' },
    { key: IncidentSeverityKey, value: severity },
    { key: EscalationPolicyKey, value: policy },
    { key: EscalationLevelKey, value: 0 },
    ...(service !== undefined ? [{ key: IncidentServiceKey, value: service }] : []),
  ]);
}

// Values go into a visibility query between double quotes: keep them to characters that need no escaping.
const QueryValue = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@/ -]+$/, 'may hold letters, digits, spaces and . _ : @ / - only');

export const IncidentFilter = z.strictObject({
  state: IncidentState.optional(),
  severity: SeverityName.optional(),
  service: QueryValue.optional(),
  policy: QueryValue.optional(),
  level: z.coerce.number().int().min(0).max(1000).optional(),
});
export type IncidentFilter = z.output<typeof IncidentFilter>;

export const ListOptions = IncidentFilter.extend({
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this API handed out')
    .max(4096)
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListOptions = z.output<typeof ListOptions>;

export interface IncidentSummary {
  id: string;
  key: string;
  workflowId: string;
  runId: string;
  state?: string;
  severity?: string;
  service?: string;
  policy?: string;
  level?: number;
  acknowledgedBy?: string;
  /** Shadow mode: pages recorded, not sent. */
  shadow?: boolean;
  /** Temporal's execution status: Running, Completed, ... */
  status: string;
  startedAt?: string;
  closedAt?: string;
}

export interface IncidentPage {
  incidents: IncidentSummary[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** The cursor is not one this server handed out (or it expired with its query). */
export class InvalidCursorError extends Error {
  constructor(reason: string) {
    super(`cursor: ${reason}; start again without a cursor`);
    this.name = 'InvalidCursorError';
  }
}

export interface VisibilityScope {
  client: Client;
  /** Only incidents of this task queue: one API serves one deployment's incidents. */
  taskQueue: string;
}

/** The visibility clause for incidents in shadow mode (IncidentShadow is set at start only). */
export const SHADOW_CLAUSE = `${IncidentShadowKey.name} = true`;

/** Quotes a value already restricted by QueryValue or an enum. */
const quoted = (value: string) => `"${value}"`;

export function incidentQuery(scope: Pick<VisibilityScope, 'taskQueue'>, filter: IncidentFilter = {}, extra: string[] = []): string {
  const clauses = [
    `WorkflowType = ${quoted(WORKFLOW_TYPE)}`,
    `TaskQueue = ${quoted(scope.taskQueue)}`,
    // A long-lived incident continues as new; its earlier runs are not separate incidents.
    `ExecutionStatus != "ContinuedAsNew"`,
  ];
  if (filter.state) clauses.push(`${IncidentStateKey.name} = ${quoted(filter.state)}`);
  if (filter.severity) clauses.push(`${IncidentSeverityKey.name} = ${quoted(filter.severity)}`);
  if (filter.service) clauses.push(`${IncidentServiceKey.name} = ${quoted(filter.service)}`);
  if (filter.policy) clauses.push(`${EscalationPolicyKey.name} = ${quoted(filter.policy)}`);
  if (filter.level !== undefined) clauses.push(`${EscalationLevelKey.name} = ${filter.level}`);
  return [...clauses, ...extra].join(' AND ');
}

export async function listIncidents(scope: VisibilityScope, options: ListOptions, extra: string[] = []): Promise<IncidentPage> {
  const request = {
    namespace: scope.client.options.namespace,
    pageSize: options.limit,
    query: incidentQuery(scope, options, extra),
    ...(options.cursor !== undefined && { nextPageToken: openCursor(scope, options.cursor) }),
  };
  let response: Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>;
  try {
    // Bounded: a list that takes longer answers 503 rather than holding the caller.
    response = await scope.client.connection.withDeadline(Date.now() + LIST_DEADLINE_MS, () =>
      scope.client.workflowService.listWorkflowExecutions(request),
    );
  } catch (error) {
    // INVALID_ARGUMENT (3) or INTERNAL (13) with a cursor: the token does not decode on the server.
    const code = (error as { code?: number }).code;
    if (options.cursor !== undefined && (code === 3 || code === 13)) throw new InvalidCursorError('the server does not accept it');
    throw error;
  }
  const incidents = response.executions.map(summaryFromRaw);
  const token = response.nextPageToken;
  return { incidents, ...(token && token.length > 0 && { nextCursor: sealCursor(scope, token) }) };
}

const LIST_DEADLINE_MS = 10_000;
const CURSOR_CHECK_BYTES = 8;

/** The server's page token, with a check of this deployment's scope in front of it. */
function sealCursor(scope: VisibilityScope, token: Uint8Array): string {
  return Buffer.concat([cursorCheck(scope, token), token]).toString('base64url');
}

/**
 * The server's page token out of a cursor this API handed out; anything else (made up, truncated,
 * from another deployment) is refused here with a 400 instead of being sent to the server.
 */
function openCursor(scope: VisibilityScope, cursor: string): Buffer {
  const bytes = Buffer.from(cursor, 'base64url');
  const token = bytes.subarray(CURSOR_CHECK_BYTES);
  if (bytes.length <= CURSOR_CHECK_BYTES || !cursorCheck(scope, token).equals(bytes.subarray(0, CURSOR_CHECK_BYTES))) {
    throw new InvalidCursorError('is not a cursor this API handed out (pass the nextCursor of the previous page as it is)');
  }
  return token;
}

function cursorCheck(scope: VisibilityScope, token: Uint8Array): Buffer {
  return createHash('sha256')
    .update(`${scope.client.options.namespace}\u0000${scope.taskQueue}\u0000`)
    .update(token)
    .digest()
    .subarray(0, CURSOR_CHECK_BYTES);
}

/** Every incident matching the query, newest first, at most `max` (stats read bounded samples). */
export async function listAll(scope: VisibilityScope, filter: IncidentFilter, extra: string[], max: number): Promise<IncidentSummary[]> {
  const out: IncidentSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await listIncidents(
      scope,
      { ...filter, limit: Math.min(200, max - out.length), ...(cursor !== undefined && { cursor }) },
      extra,
    );
    out.push(...page.incidents);
    cursor = page.nextCursor;
  } while (cursor !== undefined && out.length < max);
  return out;
}

export async function countIncidents(scope: VisibilityScope, filter: IncidentFilter, extra: string[] = []): Promise<number> {
  const { count } = await scope.client.workflow.count(incidentQuery(scope, filter, extra));
  return count;
}

// Temporal's WorkflowExecutionStatus enum, by number, as visibility queries spell the names.
const STATUS = ['Unspecified', 'Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut', 'Paused'];

function summaryFromRaw(raw: RawWorkflowExecutionInfo): IncidentSummary {
  const fields = raw.searchAttributes?.indexedFields ?? {};
  const read = (name: string): unknown => {
    const payload = fields[name];
    if (!payload) return undefined;
    const value: unknown = defaultPayloadConverter.fromPayload(payload as Payload);
    // Keyword attributes may come back as a one-element list from older servers.
    return Array.isArray(value) ? value[0] : value;
  };
  const str = (name: string) => {
    const value = read(name);
    return typeof value === 'string' ? value : undefined;
  };
  const workflowId = raw.execution?.workflowId ?? '';
  const level = read(EscalationLevelKey.name);
  const started = timestamp(raw.startTime);
  const closed = timestamp(raw.closeTime);
  const summary: IncidentSummary = {
    id: workflowId,
    key: keyFromIncidentId(workflowId),
    workflowId,
    runId: raw.execution?.runId ?? '',
    status: STATUS[raw.status ?? 0] ?? 'Unspecified',
  };
  const state = str(IncidentStateKey.name);
  const severity = str(IncidentSeverityKey.name);
  const service = str(IncidentServiceKey.name);
  const policy = str(EscalationPolicyKey.name);
  const acknowledgedBy = str(AcknowledgedByKey.name);
  if (state !== undefined) summary.state = state;
  if (severity !== undefined) summary.severity = severity;
  if (service !== undefined) summary.service = service;
  if (policy !== undefined) summary.policy = policy;
  if (typeof level === 'number') summary.level = level;
  if (acknowledgedBy !== undefined) summary.acknowledgedBy = acknowledgedBy;
  if (read(IncidentShadowKey.name) === true) summary.shadow = true;
  if (started) summary.startedAt = started;
  if (closed) summary.closedAt = closed;
  return summary;
}

function timestamp(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  const ms = Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return ms > 0 ? new Date(ms).toISOString() : undefined;
}

/**
 * The open incidents an SMS reply code names (normally one): one visibility query on the
 * IncidentCode search attribute, no scan. Visibility lags a moment behind a start, far less than a
 * person takes to read a text and reply.
 */
export async function openIncidentsByCode(scope: VisibilityScope, code: string): Promise<IncidentSummary[]> {
  if (!/^[a-z2-9]{1,8}$/.test(code)) return [];
  const page = await listIncidents(scope, { limit: 5 }, [`${IncidentCodeKey.name} = ${quoted(code)}`, 'ExecutionStatus = "Running"']);
  return page.incidents;
}
