import { z } from 'zod';
import type { IncidentRecord } from '../domain/incident.js';
import { describePage, wouldPages, type WouldPage } from '../domain/shadow.js';
import type { IncidentClient } from './incidents.js';
import { windowParam } from './stats.js';
import { readRecords } from './records.js';
import { SHADOW_CLAUSE, type VisibilityScope } from './visibility.js';

/** `since`: how far back to look (`24h`, `7d`, `PT1H`); at most 90 days. */
export const ShadowReportQuery = z.strictObject({ since: windowParam('7d') });
export type ShadowReportQuery = z.output<typeof ShadowReportQuery>;

export interface ShadowIncident {
  incidentId: string;
  key: string;
  summary: string;
  severity: string;
  policy: string;
  state: string;
  createdAt: string;
  pages: WouldPage[];
}

export interface ShadowReport {
  since: string;
  window: string;
  incidents: ShadowIncident[];
  /** True when more shadow incidents started in the window than the report read (the newest ones are shown). */
  sampled: boolean;
  /** Listed but not readable now (an open incident with no worker to answer its query). */
  unreadable: number;
}

const REPORT_MAX = 500;

/**
 * Per shadow-mode incident started in the window (IncidentShadow = true), oldest first: who would
 * have been paged when, read from each incident's record (at most the newest REPORT_MAX).
 */
export async function shadowReport(
  scope: VisibilityScope,
  incidents: IncidentClient,
  query: ShadowReportQuery,
  now = Date.now(),
): Promise<ShadowReport> {
  const since = new Date(now - query.since.ms).toISOString();
  const sample = await readRecords(scope, incidents, {}, [`StartTime >= "${since}"`, SHADOW_CLAUSE], REPORT_MAX);
  const out = sample.records.map(shadowIncident).sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  return { since, window: query.since.text, incidents: out, sampled: sample.sampled, unreadable: sample.unreadable };
}

export function shadowIncident(record: IncidentRecord): ShadowIncident {
  return {
    incidentId: record.workflowId,
    key: record.key,
    summary: record.summary,
    severity: record.severity,
    policy: record.policy,
    state: record.state,
    createdAt: record.createdAt,
    pages: wouldPages(record),
  };
}

/** The report as the CLI prints it: an incident per paragraph, a line per page it would have sent. */
export function formatShadowReport(report: ShadowReport): string {
  const head = `shadow-mode incidents since ${report.since} (${report.window}): ${report.incidents.length}${report.sampled ? ' (the newest only)' : ''}${report.unreadable ? `; ${report.unreadable} could not be read now (is a worker running?)` : ''}`;
  const blocks = report.incidents.map((incident) => {
    const lines = [
      `${incident.incidentId}  ${incident.state}  [${incident.severity}] ${incident.summary}  (policy ${incident.policy}, opened ${incident.createdAt})`,
    ];
    if (incident.pages.length === 0) lines.push('  would have paged nobody yet');
    for (const page of incident.pages) {
      const { step, who } = describePage(page);
      lines.push(`  ${page.at}  ${step.padEnd(12)} ${who} via ${page.channel ?? '-'}${page.address ? ` (${page.address})` : ''}`);
    }
    return lines.join('\n');
  });
  return [head, ...blocks].join('\n');
}
