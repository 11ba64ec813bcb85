import type { Client } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { encodeMapToPayloads, encodeToPayloads, encodeUserMetadata } from '@temporalio/common/lib/internal-non-workflow/index.js';
import proto from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time.js';
import type { IncidentWorkflowInput, Occurrence } from '../domain/workflow-input.js';
import { occurrenceSignal, WORKFLOW_TYPE } from '../workflows/messages.js';

// CommonJS: Node's ESM loader sees only its default export.
const { temporal } = proto;

export interface AcceptAlert {
  workflowId: string;
  taskQueue: string;
  /** The new incident's input, used only when no incident with this id is running. */
  input: IncidentWorkflowInput;
  /** The alert itself: the new incident counts it as its opener, an open one as a repeat. */
  occurrence: Occurrence;
  staticSummary: string;
  staticDetails: string;
  /** Set at start, so a list shows the incident before any worker has run it. */
  searchAttributes: TypedSearchAttributes;
  /** Read back by list calls without asking the workflow (inhibition looks at route labels). */
  memo: Record<string, unknown>;
  /**
   * A run and execution timeout, for Temporal's time-skipping test server (`escalate policy
   * replay`), which times out a signal-with-start without one within hours of skipped time. Real
   * servers run incidents without a timeout: leave it unset.
   */
  timeoutMs?: number;
}

export interface Accepted {
  /** True: this alert opened a new incident run; false: it joined the one running under this id. */
  started: boolean;
  runId: string;
}

/**
 * Hands an alert to the Temporal server in one signal-with-start call: the server either starts
 * the incident with the alert as its first signal, or signals the running incident with the same
 * id. It answers as soon as the alert is durable in the workflow's history, whether or not a
 * worker is running, so an alert is never lost to a deploy or a crash-looping worker; paging
 * starts when a worker picks the incident up.
 *
 * The SDK's `signalWithStart` keeps the server's `started` flag to itself, and the API tells its
 * caller whether the alert opened an incident or joined one; so this builds the same request the
 * SDK builds (default data converter, same encoders) and reads the flag. The occurrence id is the
 * request id: a gRPC retry of this call is one alert, not two.
 */
export async function acceptAlert(client: Client, alert: AcceptAlert): Promise<Accepted> {
  const converter = client.workflow.options.loadedDataConverter;
  const input = await encodeToPayloads(converter, alert.input);
  const signal = await encodeToPayloads(converter, alert.occurrence);
  checkSize('the incident', input, MAX_INPUT_BYTES);
  checkSize('the alert', signal, MAX_SIGNAL_BYTES);
  const response = await client.workflowService.signalWithStartWorkflowExecution({
    namespace: client.options.namespace,
    identity: client.options.identity,
    requestId: alert.occurrence.occurrenceId,
    workflowId: alert.workflowId,
    workflowType: { name: WORKFLOW_TYPE },
    taskQueue: { kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL, name: alert.taskQueue },
    input: { payloads: input },
    signalName: occurrenceSignal.name,
    signalInput: { payloads: signal },
    // Open: join it. Closed: a new alert with this key opens a new incident.
    workflowIdConflictPolicy: temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
    workflowIdReusePolicy: temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
    searchAttributes: { indexedFields: encodeUnifiedSearchAttributes(undefined, alert.searchAttributes) },
    memo: { fields: await encodeMapToPayloads(converter, alert.memo) },
    userMetadata: await encodeUserMetadata(converter, alert.staticSummary, alert.staticDetails),
    header: { fields: {} },
    workflowTaskTimeout: msToTs(WORKFLOW_TASK_TIMEOUT_MS),
    ...(alert.timeoutMs !== undefined && {
      workflowExecutionTimeout: msToTs(alert.timeoutMs),
      workflowRunTimeout: msToTs(alert.timeoutMs),
    }),
  });
  return { started: response.started === true, runId: response.runId ?? '' };
}

/**
 * How long a worker may hold one of the incident's workflow tasks (Temporal's default: 10 s). A
 * worker killed mid-task (SIGKILL, OOM, a lost node) never reports back, and the task waits this
 * long before another worker may run it: every page due meanwhile is that much late. The incident's
 * tasks take milliseconds, but a worker may hold dozens at once after an outage, on a starved
 * machine: shorter than 5 s and a slow worker is taken for a dead one (the failure runs showed 3 s
 * timing out tasks that were merely queued). Runs started by continue-as-new keep it.
 */
export const WORKFLOW_TASK_TIMEOUT_MS = 5_000;

/**
 * Temporal refuses payloads over 2 MB, and an incident's record (its input plus what happens to it)
 * travels in every workflow task and delivery: an incident accepted near that size would wedge its
 * workflow later (PayloadsTooLarge). The edge bounds each field (domain/incident.ts); this bounds
 * what is actually sent, whatever got through, well below the server's limit.
 */
export const MAX_INPUT_BYTES = 256 * 1024;
export const MAX_SIGNAL_BYTES = 64 * 1024;

/** The alert is too large to accept safely; nothing was sent to the server. */
export class AlertTooLargeError extends Error {
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${what} is ${bytes} bytes encoded, more than the ${limit} an incident may carry; shorten details and labels`);
    this.name = 'AlertTooLargeError';
  }
}

function checkSize(
  what: string,
  payloads: undefined | readonly { data?: Uint8Array | null; metadata?: Record<string, Uint8Array> | null }[],
  limit: number,
): void {
  let bytes = 0;
  for (const payload of payloads ?? []) {
    bytes += payload.data?.length ?? 0;
    for (const value of Object.values(payload.metadata ?? {})) bytes += value.length;
  }
  if (bytes > limit) throw new AlertTooLargeError(what, bytes, limit);
}
