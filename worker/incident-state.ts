import type { Client } from '@temporalio/client';
import type { IncidentState } from '../domain/incident.js';
import { isAnsweredState, isIncidentState } from '../domain/incident-state.js';
import { incidentStateQuery } from '../workflows/messages.js';
import { IncidentStateKey } from '../workflows/search-attributes.js';

/** How long a page waits to hear whether its incident was answered before it goes out anyway. */
const ANSWER_CHECK_MS = 2_000;

/**
 * The incident's state, asked by a delivery just before it pages (activities/index.ts), through the
 * worker's client.
 *
 * The server's word first: every answer upserts `IncidentState` in the workflow task that takes it,
 * so with no workflow task pending, the state the server holds is the workflow's latest. That costs
 * one read of the server's copy and works while no worker runs. Only when a task is pending (it may
 * carry an acknowledgement being applied right now) is the workflow queried, and the server answers
 * that query after the task, so the acknowledgement is seen. An answer the server already holds is
 * taken at once, task pending or not: that is the case where a killed worker's task would make the
 * query wait for the next worker while the page's attempt runs out.
 */
export function incidentStateOver(client: Client) {
  return (workflowId: string, timeoutMs: number): Promise<IncidentState> =>
    client.withDeadline(Date.now() + Math.min(ANSWER_CHECK_MS, timeoutMs), async () => {
      const handle = client.workflow.getHandle(workflowId);
      const { raw, typedSearchAttributes } = await handle.describe();
      const held = typedSearchAttributes.get(IncidentStateKey);
      // An answer the server holds stands whatever a pending task brings (see ANSWERED_STATES).
      if (isIncidentState(held) && (!raw.pendingWorkflowTask || isAnsweredState(held))) return held;
      return handle.query(incidentStateQuery);
    });
}
