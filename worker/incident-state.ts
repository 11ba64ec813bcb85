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
 * query wait for the next worker while the page's attempt runs out. A query that does not answer in
 * time gets one last look at the server's copy, beyond the budget, before the read fails (and the
 * page goes out).
 */
export function incidentStateOver(client: Client) {
  return async (workflowId: string, timeoutMs: number): Promise<IncidentState> => {
    const budget = Math.min(ANSWER_CHECK_MS, timeoutMs);
    const deadline = Date.now() + budget;
    const handle = client.workflow.getHandle(workflowId);
    const serverCopy = async () => {
      const { raw, typedSearchAttributes } = await handle.describe();
      const held = typedSearchAttributes.get(IncidentStateKey);
      // An answer the server holds stands whatever a pending task brings (see ANSWERED_STATES).
      return isIncidentState(held) && (!raw.pendingWorkflowTask || isAnsweredState(held)) ? held : undefined;
    };
    const held = await client.withDeadline(deadline, serverCopy);
    if (held) return held;
    try {
      return await client.withDeadline(deadline, () => handle.query(incidentStateQuery));
    } catch (error) {
      // The query did not answer in time: its worker may have died after applying the pending task
      // (an acknowledge, say), or be too busy to answer. By now that task may have reached the server,
      // and the responder may have been told: one more look at the server's copy, with a deadline of
      // its own, since the budget is spent and the page goes out if this fails too.
      const late = await client.withDeadline(Date.now() + LAST_LOOK_MS, serverCopy).catch(() => undefined);
      if (late) return late;
      throw error;
    }
  };
}

/** The last look at the server's copy after a query that did not answer (a describe takes milliseconds on a worker that is not overloaded). */
const LAST_LOOK_MS = 500;
