import type { Client } from '@temporalio/client';
import type { IncidentRecord } from '../domain/incident.js';
import { findInhibitor, type Inhibition, type InhibitRule, type OpenIncident } from '../domain/inhibition.js';
import { routeLabels } from '../domain/routing.js';
import { SeverityName } from '../domain/severity.js';
import { symptomSignal, WORKFLOW_TYPE } from '../workflows/messages.js';
import { IncidentSeverityKey } from '../workflows/search-attributes.js';
import { ROUTE_LABELS_MEMO } from './visibility.js';

/** Open states: an incident in one of them can inhibit new alerts. */
const OPEN_STATES = ['PENDING', 'ACTIVE', 'ESCALATING', 'ACKNOWLEDGED', 'TIMED_OUT'];
/** Enough for any real storm; inhibition looks at the most recent open incidents only. */
const MAX_CANDIDATES = 100;

/**
 * Looks for an open incident that inhibits this alert (config `inhibitions`), and if one does,
 * notes the alert on it as a symptom. Candidates come from Temporal visibility, which is eventually
 * consistent: an incident opened a moment ago (well under a second on a healthy cluster) may not be
 * listed yet, and its first symptoms then page as incidents of their own. Each candidate's labels
 * are the route labels it opened with (its memo) and its current severity (a search attribute),
 * so the check asks no workflow and works while no worker runs.
 */
export async function checkInhibition(
  client: Client,
  taskQueue: string,
  rules: readonly InhibitRule[],
  alert: {
    workflowId: string;
    summary: string;
    severity: IncidentRecord['severity'];
    labels: Record<string, string>;
    service?: string;
    source?: string;
  },
): Promise<Inhibition | undefined> {
  if (rules.length === 0) return undefined;
  const query = `WorkflowType = "${WORKFLOW_TYPE}" AND ExecutionStatus = "Running" AND TaskQueue = "${taskQueue}" AND IncidentState IN (${OPEN_STATES.map((s) => `"${s}"`).join(', ')})`;
  const open: OpenIncident[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: MAX_CANDIDATES })) {
    if (execution.workflowId === alert.workflowId) continue;
    const labels = execution.memo?.[ROUTE_LABELS_MEMO];
    const severity = SeverityName.safeParse(execution.typedSearchAttributes.get(IncidentSeverityKey));
    if (!isLabels(labels) || !severity.success) continue;
    open.push({ workflowId: execution.workflowId, severity: severity.data, labels: { ...labels, severity: severity.data } });
    if (open.length >= MAX_CANDIDATES) break;
  }
  const inhibition = findInhibitor(rules, routeLabels(alert), open);
  if (inhibition) {
    await client.workflow.getHandle(inhibition.source.workflowId).signal(symptomSignal, {
      workflowId: alert.workflowId,
      summary: alert.summary,
      severity: alert.severity,
      ...(alert.source !== undefined && { source: alert.source }),
      reason: inhibition.reason,
    });
  }
  return inhibition;
}

function isLabels(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}
