import { z } from 'zod';
import type { IncidentRecord } from '../domain/incident.js';
import { describePage, wouldPages, type WouldPage } from '../domain/shadow.js';
import type { IncidentClient } from './incidents.js';
import { windowParam } from './stats.js';
import { listAll, SHADOW_CLAUSE, type VisibilityScope } from './visibility.js';

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
}

const REPORT_MAX = 500;
const RECORD_READS_AT_ONCE = 8;

/**
 * Per shadow-mode incident started in the window (IncidentShadow = true), oldest first: who would
 * have been paged when, read from each incident's record. An incident whose record cannot be read
 * (no worker answers a query on an open one) is listed with its error instead of its pages.
 */
export async function shadowReport(
  scope: VisibilityScope,
  incidents: IncidentClient,
  query: ShadowReportQuery,
  now = Date.now(),
): Promise<ShadowReport> {
  const since = new Date(now - query.since.ms).toISOString();
  const found = await listAll(scope, {}, [`StartTime >= "${since}"`, SHADOW_CLAUSE], REPORT_MAX);
  const out: ShadowIncident[] = [];
  for (let i = 0; i < found.length; i += RECORD_READS_AT_ONCE) {
    const batch = found.slice(i, i + RECORD_READS_AT_ONCE);
    const records = await Promise.all(batch.map((summary) => incidents.getIncident(summary.workflowId).catch(() => undefined)));
    for (const record of records) if (record) out.push(shadowIncident(record));
  }
  out.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  return { since, window: query.since.text, incidents: out, sampled: found.length >= REPORT_MAX };
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
  const head = `shadow-mode incidents since ${report.since} (${report.window}): ${report.incidents.length}${report.sampled ? ' (the newest only)' : ''}`;
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
