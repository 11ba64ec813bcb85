/**
 * Incident states and ids without a schema: what workflow code may import (zod stays out of the
 * workflow bundle). domain/incident.ts adds the schemas and the record's shape.
 */
export const INCIDENT_STATES = ['PENDING', 'ACTIVE', 'ESCALATING', 'ACKNOWLEDGED', 'RESOLVED', 'CANCELLED', 'TIMED_OUT', 'FAILED'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/**
 * States in which a page scheduled before them is no longer wanted: someone answered, or the
 * incident closed. Only a later workflow task can leave ACKNOWLEDGED, and the pages it wants it
 * schedules itself.
 */
export const ANSWERED_STATES: readonly IncidentState[] = ['ACKNOWLEDGED', 'RESOLVED', 'CANCELLED', 'FAILED'];

export function isAnsweredState(state: IncidentState | undefined): boolean {
  return state !== undefined && ANSWERED_STATES.includes(state);
}

export function isIncidentState(value: unknown): value is IncidentState {
  return typeof value === 'string' && (INCIDENT_STATES as readonly string[]).includes(value);
}

export function isTerminal(state: IncidentState): boolean {
  return state === 'RESOLVED' || state === 'CANCELLED' || state === 'FAILED';
}

export function workflowIdForKey(key: string): string {
  return key.startsWith('incident-') ? key : `incident-${key}`;
}

/** Accepts `<key>` or `incident-<key>` (the CLI and API take either). */
export function keyFromIncidentId(id: string): string {
  return id.startsWith('incident-') ? id.slice('incident-'.length) : id;
}
