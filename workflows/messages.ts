import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IncidentRecord, IncidentState } from '../domain/incident.js';
import type { DeliveryReceiptInput } from '../domain/receipt.js';
import { MAINTENANCE_SIGNAL, type MaintenanceNotice } from '../domain/maintenance-hold.js';
import type { Target } from '../domain/policy.js';
import type { Occurrence } from '../domain/workflow-input.js';
import type { WorkingStatus } from '../domain/working-status.js';

/**
 * The incident workflow's messages. Clients import this module alone, without the workflow.
 * Every operation exists as a signal (fire and forget: chat buttons, webhooks) and as an update
 * (the caller learns the new state, or why the move was refused).
 */
export const WORKFLOW_TYPE = 'incidentEscalation';
export const DEFAULT_TASK_QUEUE = 'escalation';

export interface ActorInput {
  by: string;
  note?: string;
}
export interface ReasonInput {
  by: string;
  reason?: string;
}
/** Escalate now: to the next level, or to `toLevel` (1-based). */
export interface EscalateInput extends ReasonInput {
  toLevel?: number;
}
/** Page these targets now instead of the level's: ACTIVE, the walk goes on from there. */
export interface ReassignInput extends ReasonInput {
  targets: Target[];
}
/** ACKNOWLEDGED for `forMs`, then ACTIVE at the level it is at and paged. */
export interface SnoozeInput extends ReasonInput {
  forMs: number;
}
export interface AnnotateInput {
  by: string;
  note: string;
}

/** A responder's working status on an acknowledged incident (investigating, identified, ...). */
export interface WorkingStatusInput {
  by: string;
  status: WorkingStatus;
  note?: string;
}

/** A new alert inhibited by this incident (its symptom): noted on this incident's timeline. */
export interface SymptomInput {
  workflowId: string;
  summary: string;
  severity: string;
  source?: string;
  reason: string;
}

export interface OccurrenceAnswer {
  /** True when this occurrence opened the incident, false when it was counted on an open one. */
  created: boolean;
  record: IncidentRecord;
}

export const acknowledgeSignal = defineSignal<[ActorInput]>('acknowledge');
export const resolveSignal = defineSignal<[ActorInput]>('resolve');
export const cancelSignal = defineSignal<[ReasonInput]>('cancel');
export const escalateSignal = defineSignal<[EscalateInput]>('escalate');
export const annotateSignal = defineSignal<[AnnotateInput]>('annotate');
export const occurrenceSignal = defineSignal<[Occurrence]>('occurrence');
export const symptomSignal = defineSignal<[SymptomInput]>('symptom');
/** A maintenance window holds this incident's paging, or ended early (a new handler, patched: it changes the plan). */
export const maintenanceSignal = defineSignal<[MaintenanceNotice]>(MAINTENANCE_SIGNAL);

export const acknowledgeUpdate = defineUpdate<IncidentRecord, [ActorInput]>('acknowledgeIncident');
export const resolveUpdate = defineUpdate<IncidentRecord, [ActorInput]>('resolveIncident');
export const cancelUpdate = defineUpdate<IncidentRecord, [ReasonInput]>('cancelIncident');
export const escalateUpdate = defineUpdate<IncidentRecord, [EscalateInput]>('escalateIncident');
export const annotateUpdate = defineUpdate<IncidentRecord, [AnnotateInput]>('annotateIncident');
/** An update, not a signal: the caller must hear a refusal (the incident is not acknowledged). */
export const workingStatusUpdate = defineUpdate<IncidentRecord, [WorkingStatusInput]>('setWorkingStatus');
export const occurrenceUpdate = defineUpdate<OccurrenceAnswer, [Occurrence]>('recordOccurrence');
/** A provider's delivery receipt for a page (Twilio's status callback); a new handler, no patch needed. */
export const deliveryReceiptUpdate = defineUpdate<IncidentRecord, [DeliveryReceiptInput]>('recordDeliveryReceipt');
// Updates only: the caller needs to hear whether it worked (issue 12).
export const unacknowledgeUpdate = defineUpdate<IncidentRecord, [ReasonInput]>('unacknowledgeIncident');
export const reassignUpdate = defineUpdate<IncidentRecord, [ReassignInput]>('reassignIncident');
export const snoozeUpdate = defineUpdate<IncidentRecord, [SnoozeInput]>('snoozeIncident');

export const stateQuery = defineQuery<IncidentRecord>('state');
/**
 * The incident's state alone: a delivery asks it just before it pages. The server answers a query
 * only after the workflow task in flight completes, so a page that raced an acknowledgement sees it.
 */
export const incidentStateQuery = defineQuery<IncidentState>('incidentState');

/** ApplicationFailure type of a refused update: the state machine said no. */
export const MOVE_REFUSED = 'IncidentMoveRefused';
/** ApplicationFailure type of an occurrence sent to an incident that is closing. */
export const INCIDENT_CLOSED = 'IncidentClosed';
