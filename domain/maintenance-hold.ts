/**
 * Maintenance windows as the workflows see them (issue 12, item 8): the names and messages the
 * client, the activities and the workflows share, and the hold's maths. Pure and free of zod, so
 * the workflow bundle may import it; the schemas and the matching live in domain/maintenance.ts.
 */

/** Workflow type of a maintenance window; one workflow per window, id `maintenance-<name>`. */
export const MAINTENANCE_WORKFLOW_TYPE = 'maintenanceWindow';
/** The incident workflow's signal: a window holds its paging, or ended early. */
export const MAINTENANCE_SIGNAL = 'maintenance';
/** Memo of a window's workflow: the window itself, so the API lists windows without a worker. */
export const MAINTENANCE_MEMO = 'maintenanceWindow';
/** Memo of a window's workflow, kept by the workflow: alerts the window answered `escalated: false`. */
export const SUPPRESSED_MEMO = 'suppressed';

export function maintenanceWorkflowId(name: string): string {
  return `maintenance-${name}`;
}

/** A window as it is stored (workflow input and memo) and listed: times as ISO-8601. */
export interface MaintenanceWindowSpec {
  name: string;
  /** As written: service, source, severity, labels, matchers (domain/maintenance.ts). */
  match: MaintenanceMatchSpec;
  from: string;
  to: string;
  by: string;
  reason?: string;
  /** `config`: from the config file's `maintenance:`; `api`: opened at run time. */
  origin: 'config' | 'api';
}

export interface MaintenanceMatchSpec {
  service?: string;
  source?: string;
  severity?: string;
  labels?: Record<string, string>;
  matchers?: string[];
}

/** What an incident is told: paging held until `until`, or the window ended early at `ended`. */
export type MaintenanceNotice = { name: string; until: string; reason?: string } | { name: string; ended: string };

/** The maintenance workflow's signals: ended early by someone; an alert it answered. */
export interface EndMaintenanceInput {
  by: string;
  reason?: string;
}
export interface SuppressedAlert {
  incidentId: string;
  summary: string;
  at: string;
  /** How many alerts this one signal counts (the latest named); absent: one. */
  count?: number;
}

/** A hold an incident is under: paging waits until `until` (epoch ms). */
export interface MaintenanceHold {
  name: string;
  until: number;
}

/**
 * A paging step due at `dueAt` under a hold: held to the window's end when due before it, else
 * left alone (undefined). At the end the incident is paged at the level it reached, not at the
 * step that was held, so a long window does not skip levels nobody was asked about.
 */
export function heldUntil(hold: MaintenanceHold | undefined, dueAt: number): number | undefined {
  if (!hold || dueAt >= hold.until) return undefined;
  return hold.until;
}

/**
 * The hold an incident is under after a notice, given the one it had: a window's notice holds
 * (the later end wins when two windows overlap); an early end moves the end of the hold it set to
 * then (so what it held is paged at once), and leaves another window's hold alone.
 */
export function applyNotice(current: MaintenanceHold | undefined, notice: MaintenanceNotice): MaintenanceHold | undefined {
  if ('ended' in notice) {
    const ended = Date.parse(notice.ended);
    if (current?.name !== notice.name || !Number.isFinite(ended)) return current;
    return { name: current.name, until: Math.min(current.until, ended) };
  }
  const until = Date.parse(notice.until);
  if (!Number.isFinite(until)) return current;
  if (current && current.name !== notice.name && current.until >= until) return current;
  return { name: notice.name, until };
}
