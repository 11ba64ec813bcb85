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
 * time gets one last look at the server's copy before the read fails (and the page goes out).
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
    // The last slice of the budget is kept for one more look at the server's copy: a query whose
    // worker died after applying the pending task (an acknowledge, say) never answers, while the
    // server already holds that acknowledge, and the responder may already have been told.
    const lastLook = Math.min(LAST_LOOK_MS, Math.floor(budget / 4));
    try {
      return await client.withDeadline(deadline - lastLook, () => handle.query(incidentStateQuery));
    } catch (error) {
      const late = await client.withDeadline(deadline, serverCopy).catch(() => undefined);
      if (late) return late;
      throw error;
    }
  };
}

/** At most this much of a state read is kept for a last look at the server's copy after a query that did not answer. */
const LAST_LOOK_MS = 200;
