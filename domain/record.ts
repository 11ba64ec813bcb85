import type { IncidentRecord, IncidentState, TimelineEntry } from './incident.js';
import { move, type IncidentEvent, type Move } from './state-machine.js';
import type { IncidentSpec } from './workflow-input.js';

/**
 * The incident record and the moves on it. Pure: the workflow owns the object and passes the time.
 * Every move, refusal and note lands on the timeline: it is the audit trail operators read.
 */
export function newRecord(spec: IncidentSpec, policy: string, workflowId: string, at: string): IncidentRecord {
  return {
    id: workflowId,
    key: spec.key,
    workflowId,
    state: 'PENDING',
    severity: spec.severity,
    summary: spec.summary,
    ...(spec.source !== undefined && { source: spec.source }),
    ...(spec.service !== undefined && { service: spec.service }),
    labels: spec.labels,
    ...(spec.details !== undefined && { details: spec.details }),
    links: spec.links,
    ...(spec.shadow === true && { shadow: true }),
    policy,
    level: 0,
    repeat: 0,
    cycle: 0,
    escalationCount: 0,
    notificationCount: 0,
    occurrences: 1,
    firstSeenAt: at,
    lastSeenAt: at,
    createdAt: at,
    updatedAt: at,
    runs: 0,
    timeline: [{ at, kind: 'note', to: 'PENDING', by: spec.source ?? 'api', reason: `opened under policy ${policy}` }],
    notifications: [],
  };
}

export interface MoveContext {
  at: string;
  by: string;
  reason?: string;
  level?: number;
}

/**
 * The same answer from the same person, already taken: a retry (a chat button pressed twice, a
 * script retrying after a 503 whose first try the worker applied later). It is answered with the
 * record as it stands rather than refused, and changes nothing.
 */
export function isRepeatedAnswer(record: IncidentRecord, event: IncidentEvent, by: string): boolean {
  switch (event) {
    case 'acknowledge':
      return record.state === 'ACKNOWLEDGED' && record.acknowledgedBy === by;
    case 'resolve':
      return record.state === 'RESOLVED' && record.resolvedBy === by;
    case 'cancel':
      return record.state === 'CANCELLED' && record.resolvedBy === by;
    default:
      return false;
  }
}

/** Applies an event to the record if the state machine allows it; records the move or the refusal. */
export function applyEvent(record: IncidentRecord, event: IncidentEvent, ctx: MoveContext): Move {
  const result = move(record.state, event);
  if (!result.ok) return result;
  record.state = result.to;
  record.updatedAt = ctx.at;
  // A snooze lasts while the incident stays acknowledged (a new snooze sets its own after this).
  if (result.from === 'ACKNOWLEDGED') record.snoozed = undefined;
  switch (result.to) {
    case 'ACKNOWLEDGED':
      record.ackReminders = undefined;
      record.acknowledgedAt = ctx.at;
      record.acknowledgedBy = ctx.by;
      record.nextEscalationAt = undefined;
      break;
    case 'RESOLVED':
    case 'CANCELLED':
    case 'FAILED':
      record.resolvedAt = ctx.at;
      record.resolvedBy = ctx.by;
      if (ctx.reason) record.closedReason = ctx.reason;
      record.nextEscalationAt = undefined;
      break;
    case 'TIMED_OUT':
      record.nextEscalationAt = undefined;
      break;
    case 'ACTIVE':
      if (result.from === 'ACKNOWLEDGED') {
        record.acknowledgedAt = undefined;
        record.acknowledgedBy = undefined;
      }
      break;
    case 'PENDING':
      if (result.from === 'RESOLVED') {
        // The policy starts over from level 1; the story (timeline, notifications, counts) stays.
        Object.assign(record, { level: 0, repeat: 0, cycle: 0, reopenedAt: ctx.at, lastSeenAt: ctx.at });
        for (const field of ['acknowledgedAt', 'acknowledgedBy', 'resolvedAt', 'resolvedBy', 'closedReason', 'nextEscalationAt'] as const)
          record[field] = undefined;
      }
      break;
    case 'ESCALATING':
      break;
    default: {
      const unknownState: never = result.to;
      throw new Error(`unhandled state ${String(unknownState)}`);
    }
  }
  pushTimeline(record, {
    at: ctx.at,
    kind: 'move',
    from: result.from,
    to: result.to,
    by: ctx.by,
    ...(ctx.reason !== undefined && { reason: ctx.reason }),
    ...(ctx.level !== undefined && { level: ctx.level }),
  });
  return result;
}

export function recordRefusal(record: IncidentRecord, ctx: MoveContext & { reason: string }): void {
  pushTimeline(record, { at: ctx.at, kind: 'refused', from: record.state, by: ctx.by, reason: ctx.reason });
}

export function recordNote(record: IncidentRecord, ctx: MoveContext & { reason: string }, kind: TimelineEntry['kind'] = 'note'): void {
  pushTimeline(record, { at: ctx.at, kind, by: ctx.by, reason: ctx.reason, ...(ctx.level !== undefined && { level: ctx.level }) });
}

/** The timeline is capped so a record carried through continue-as-new stays well under payload limits. */
export const TIMELINE_LIMIT = 1_000;
export const NOTIFICATION_LIMIT = 1_000;

function pushTimeline(record: IncidentRecord, entry: TimelineEntry): void {
  record.timeline.push(entry);
  if (record.timeline.length > TIMELINE_LIMIT) {
    // Keep the opening entry: it says how the incident started.
    record.timeline.splice(1, record.timeline.length - TIMELINE_LIMIT);
  }
}

export function trimNotifications(record: IncidentRecord): void {
  const excess = record.notifications.length - NOTIFICATION_LIMIT;
  if (excess <= 0) return;
  let dropped = 0;
  record.notifications = record.notifications.filter((n) => {
    if (dropped < excess && n.status !== 'pending') {
      dropped += 1;
      return false;
    }
    return true;
  });
}

/** The incident's page in the Temporal Web UI, for links in notifications; none without a base URL. */
export function webUiLink(settings: { uiUrl?: string | undefined; namespace: string }, workflowId: string): string | undefined {
  if (!settings.uiUrl) return undefined;
  return `${settings.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

const STATE_ICON: Record<IncidentState, string> = {
  PENDING: '⏳',
  ACTIVE: '🔔',
  ESCALATING: '📣',
  ACKNOWLEDGED: '👀',
  RESOLVED: '✅',
  CANCELLED: '🚫',
  TIMED_OUT: '⌛',
  FAILED: '💥',
};

/** The short markdown status the Web UI shows as the workflow's current details. */
export function currentDetails(record: IncidentRecord, levelCount: number): string {
  const delivered = record.notifications.filter((n) => n.status === 'delivered').length;
  const failed = record.notifications.filter((n) => n.status === 'failed').length;
  const pending = record.notifications.filter((n) => n.status === 'pending').length;
  const lines = [
    `### ${STATE_ICON[record.state]} ${record.state} · ${record.severity} · ${record.summary}`,
    `- **Policy** ${record.policy}: level ${record.level}/${levelCount}` +
      (record.repeat > 0 ? `, repeat ${record.repeat}` : '') +
      (record.cycle > 0 ? `, walk ${record.cycle + 1}` : '') +
      ` · ${record.escalationCount} escalation(s)`,
    `- **Notifications** ${delivered} delivered, ${failed} failed, ${pending} in flight`,
  ];
  if (record.service) lines.push(`- **Service** ${record.service}`);
  if (record.occurrences > 1) lines.push(`- **Occurrences** ${record.occurrences} (last ${record.lastSeenAt})`);
  if (record.nextEscalationAt) lines.push(`- **Next escalation** ${record.nextEscalationAt}`);
  if (record.maintenance) lines.push(`- **Maintenance** window ${record.maintenance.name} holds paging until ${record.maintenance.until}`);
  if (record.acknowledgedBy) lines.push(`- **Acknowledged** by ${record.acknowledgedBy} at ${record.acknowledgedAt}`);
  // Only while acknowledged: once an ack timeout re-opens the incident, the old status would mislead.
  const working = record.state === 'ACKNOWLEDGED' ? record.workingStatus : undefined;
  if (working)
    lines.push(`- **Working status** ${working.status} (${working.by}, ${working.at})${working.note ? `: ${working.note}` : ''}`);
  if (record.resolvedBy)
    lines.push(`- **Closed** by ${record.resolvedBy} at ${record.resolvedAt}${record.closedReason ? ` (${record.closedReason})` : ''}`);
  return lines.join('\n');
}
