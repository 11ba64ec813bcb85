import type { IncidentState } from './incident.js';

/**
 * What responders say about an acknowledged incident while they work on it (issue 14, item 3):
 * PagerDuty's and Statuspage's familiar steps. Pure and free of zod, so the workflow may import it;
 * the API's body schema lives in domain/working-status-schema.ts.
 */
export const WORKING_STATUSES = ['investigating', 'identified', 'monitoring', 'mitigated'] as const;
export type WorkingStatus = (typeof WORKING_STATUSES)[number];

/** The latest working status, kept in the record (the timeline keeps every change). */
export interface WorkingStatusEntry {
  status: WorkingStatus;
  note?: string;
  by: string;
  at: string;
}

export function isWorkingStatus(value: unknown): value is WorkingStatus {
  return typeof value === 'string' && (WORKING_STATUSES as readonly string[]).includes(value);
}

/** Why a working status cannot be set now, or undefined when it can: only while acknowledged. */
export function workingStatusRefusal(workflowId: string, state: IncidentState, status: unknown): string | undefined {
  if (!isWorkingStatus(status)) return `status must be one of ${WORKING_STATUSES.join(', ')} (got ${JSON.stringify(status)})`;
  if (state !== 'ACKNOWLEDGED')
    return `${workflowId} is ${state}: a working status is set while the incident is acknowledged; acknowledge it first`;
  return undefined;
}

/** The timeline's words for a status change: `status investigating: checking the primary`. */
export function workingStatusReason(status: WorkingStatus, note: string | undefined): string {
  return note ? `status ${status}: ${note}` : `status ${status}`;
}
