import type { AnnouncedEvent, DeliveryRequest, IncidentSnapshot } from '../../domain/delivery.js';
import type { Severity } from '../../domain/severity.js';

/** Pieces of a notification every provider words the same way: severity, who is paged, links. */

export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: '🔴',
  error: '🟠',
  warning: '🟡',
  info: '🔵',
  debug: '⚪',
};

/** Attachment colours (Slack) and accent colours (email). */
export const SEVERITY_COLOR: Record<Severity, string> = {
  critical: '#D00000',
  error: '#E8590C',
  warning: '#F2C744',
  info: '#2E86DE',
  debug: '#8A8A8A',
};

/** `[CRITICAL] primary database is down (incident-db-down)`. */
export function subjectLine(incident: IncidentSnapshot): string {
  return `[${incident.severity.toUpperCase()}] ${incident.summary} (${incident.workflowId})`;
}

/** `Level 2`, `Level 2, repeat 1`: 1-based as responders read it. */
export function levelText(request: DeliveryRequest): string {
  return `Level ${request.level + 1}${request.repeat > 0 ? `, repeat ${request.repeat}` : ''}`;
}

/** Who this notification is for: the person a user/team/schedule target resolved to, else the target. */
export function pagedText(request: DeliveryRequest): string {
  const { recipient, target } = request.delivery;
  if (!recipient) return target;
  return target === `user:${recipient}` ? recipient : `${recipient} (${target})`;
}

/**
 * The runbook, where alerting tools put it: a link whose text says runbook, else the
 * `runbook_url` / `runbook` label (Prometheus and Grafana conventions).
 */
export function runbookUrl(incident: IncidentSnapshot): string | undefined {
  // http(s) only: a link becomes a button or an anchor (records from before the API refused others).
  const link = incident.links.find((l) => isHttpUrl(l.href) && (/runbook|playbook/i.test(l.text ?? '') || /runbook/i.test(l.href)));
  if (link) return link.href;
  const label = incident.labels['runbook_url'] ?? incident.labels['runbook'];
  return label && isHttpUrl(label) ? label : undefined;
}

/** Only http:// and https:// links reach a message: no javascript:, data: or other schemes. */
export function isHttpUrl(href: string): boolean {
  return /^https?:\/\/[^\s]/i.test(href);
}

/** One sentence for a follow-up: `acknowledged by dana at 2026-01-05T15:02:00Z`. */
export function eventSentence(event: AnnouncedEvent, incident: IncidentSnapshot): string {
  switch (event) {
    case 'acknowledged':
      return `acknowledged by ${incident.acknowledgedBy ?? 'someone'}${incident.acknowledgedAt ? ` at ${incident.acknowledgedAt}` : ''}`;
    case 'resolved':
      return `resolved by ${incident.resolvedBy ?? 'someone'}${incident.resolvedAt ? ` at ${incident.resolvedAt}` : ''}`;
    case 'cancelled':
      return `cancelled by ${incident.resolvedBy ?? 'someone'}${incident.closedReason ? ` (${incident.closedReason})` : ''}`;
    case 'reopened':
      return 'reopened: nobody resolved it after the acknowledgement, so paging resumes';
    default: {
      const unknownEvent: never = event;
      return String(unknownEvent);
    }
  }
}

/** True when the incident is over: follow-ups drop the action buttons. */
export function isClosedEvent(event: AnnouncedEvent | undefined): boolean {
  return event === 'resolved' || event === 'cancelled';
}

/** Cuts `text` to `max` characters, ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
