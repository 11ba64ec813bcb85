import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { MAINTENANCE_SIGNAL, matchesWindow, type MaintenanceNotice } from '../domain/maintenance.js';
import type { HoldRequest, MaintenanceActivities, ReleaseRequest } from '../domain/maintenance-activities.js';
import { SeverityName } from '../domain/severity.js';

/** The incident workflow's type and memo, as client/ and workflows/ name them (activities reach neither). */
const INCIDENT_WORKFLOW_TYPE = 'incidentEscalation';
const ROUTE_LABELS_MEMO = 'routeLabels';
const IncidentSeverity = defineSearchAttributeKey('IncidentSeverity', 'KEYWORD');
/** Incidents a window can hold: still paging, or answered but open (they may re-open inside the window). */
const HOLDABLE = ['PENDING', 'ACTIVE', 'ESCALATING', 'ACKNOWLEDGED'];
/** A window over more open incidents than this holds the newest; the rest page (logged). */
const MAX_HELD = 1_000;

/**
 * A maintenance window's I/O: which open incidents it matches (Temporal visibility: the route
 * labels each incident opened with, its current severity) and the signals that hold and release
 * them. Signals need no worker on the incidents' side; they take effect when one runs them.
 */
export function createMaintenanceActivities(client: Client): MaintenanceActivities {
  return {
    async holdMatchingIncidents(request: HoldRequest): Promise<string[]> {
      const query =
        `WorkflowType = "${INCIDENT_WORKFLOW_TYPE}" AND ExecutionStatus = "Running" AND TaskQueue = "${request.taskQueue}"` +
        ` AND IncidentState IN (${HOLDABLE.map((state) => `"${state}"`).join(', ')})`;
      const notice: MaintenanceNotice = {
        name: request.name,
        until: request.until,
        ...(request.reason !== undefined && { reason: request.reason }),
      };
      const held: string[] = [];
      for await (const execution of client.workflow.list({ query, pageSize: 200 })) {
        const labels = execution.memo?.[ROUTE_LABELS_MEMO];
        if (!isLabels(labels)) continue;
        const severity = SeverityName.safeParse(execution.typedSearchAttributes.get(IncidentSeverity));
        if (!matchesWindow(request.match, { ...labels, ...(severity.success && { severity: severity.data }) })) continue;
        await signal(client, execution.workflowId, notice);
        held.push(execution.workflowId);
        Context.current().heartbeat(held.length);
        if (held.length >= MAX_HELD) {
          Context.current().log.warn(`maintenance window ${request.name} holds its first ${MAX_HELD} incidents; the others page as usual`);
          break;
        }
      }
      Context.current().log.info(`maintenance window ${request.name} holds ${held.length} open incident(s) until ${request.until}`, {
        incidents: held.slice(0, 20),
      });
      return held;
    },

    async releaseIncidents(request: ReleaseRequest): Promise<number> {
      let released = 0;
      for (const workflowId of request.workflowIds) {
        if (await signal(client, workflowId, { name: request.name, ended: request.ended })) released += 1;
        Context.current().heartbeat(released);
      }
      return released;
    },
  };
}

/** Signals one incident; one that closed meanwhile has nothing to hold (false). */
async function signal(client: Client, workflowId: string, notice: MaintenanceNotice): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).signal(MAINTENANCE_SIGNAL, notice);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

function isLabels(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}
