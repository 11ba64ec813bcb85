import type { IncidentRecord } from '../../domain/incident.js';
import { wouldPages } from '../../domain/shadow.js';
import type { StartIncidentResult } from '../incidents.js';

/** Human-readable output for the CLI; `--json` prints the record itself instead. */
export function formatStartResult(result: StartIncidentResult): string {
  if (!result.escalated) return `not escalated: ${result.reason}`;
  const verb = result.created ? 'opened' : 'already open; counted as an occurrence';
  return `${result.incidentId} ${verb} (policy ${result.policy}@${result.policyVersion}, severity ${result.severity}); accepted by Temporal, paging starts when a worker runs it`;
}

export function formatRecord(record: IncidentRecord, options: { timeline: boolean }): string {
  const lines = [
    `${record.workflowId}  ${record.state}  [${record.severity}] ${record.summary}`,
    `  policy ${record.policy}${record.policyVersion ? `@${record.policyVersion}` : ''} · level ${record.level}${record.repeat ? ` repeat ${record.repeat}` : ''} · ${record.escalationCount} escalation(s) · ${record.notificationCount} notification(s) · ${record.occurrences} occurrence(s)`,
  ];
  if (record.shadow) lines.push('  SHADOW MODE: pages are recorded (would page ...), nothing is sent');
  if (record.service) lines.push(`  service ${record.service}${record.source ? ` · source ${record.source}` : ''}`);
  if (record.nextEscalationAt) lines.push(`  next escalation ${record.nextEscalationAt}`);
  if (record.acknowledgedBy) lines.push(`  acknowledged by ${record.acknowledgedBy} at ${record.acknowledgedAt}`);
  if (record.resolvedBy)
    lines.push(`  closed by ${record.resolvedBy} at ${record.resolvedAt}${record.closedReason ? ` (${record.closedReason})` : ''}`);
  if (options.timeline) {
    lines.push('  timeline:');
    // A shadow incident's would-be pages live in notifications[]; shown on the timeline where they happened.
    const entries = [
      ...record.timeline.map((entry) => {
        const change = entry.from && entry.to ? `${entry.from} → ${entry.to}` : entry.kind;
        return { at: entry.at, text: `${change.padEnd(26)} ${entry.by}${entry.reason ? `: ${entry.reason}` : ''}` };
      }),
      ...(record.shadow ? wouldPages(record).map((page) => ({ at: page.at, text: `${'shadow'.padEnd(26)} engine: ${page.reason}` })) : []),
    ];
    entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const entry of entries) lines.push(`    ${entry.at}  ${entry.text}`);
    lines.push('  notifications:');
    for (const n of record.notifications) {
      const what = n.kind === 'update' ? (n.event ?? 'update').padEnd(6) : `L${n.level} R${n.repeat}`;
      lines.push(
        `    ${what} ${(n.channel ?? '-').padEnd(9)} ${n.target}${n.recipient ? ` → ${n.recipient}` : ''}  ${n.status}${n.attempt ? ` (attempt ${n.attempt})` : ''}${n.error ? `: ${n.error}` : ''}${n.reason ? `: ${n.reason}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
