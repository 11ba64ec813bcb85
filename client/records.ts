import type { IncidentRecord } from '../domain/incident.js';
import type { IncidentClient } from './incidents.js';
import { countIncidents, listAll, type IncidentFilter, type VisibilityScope } from './visibility.js';

/**
 * Incident records for analytics, stats and service health: listed from visibility, then each
 * read through the incident client (the workflow's result when closed, its state query when
 * open). Bounded: at most `limit` records, newest first, read a few at a time; the answer says how
 * many matched, so a caller can tell a sample from the whole.
 */
export interface RecordSample {
  records: IncidentRecord[];
  /** Incidents the visibility query matched. */
  matched: number;
  /** Records read (at most the limit). */
  read: number;
  /** Listed but not readable now (an open incident with no worker to answer, a deleted history). */
  unreadable: number;
  limit: number;
  /** True when more matched than were read: the figures come from the newest `limit`. */
  sampled: boolean;
}

/** The cap on records one request reads, whatever it asks for. */
export const MAX_RECORD_READS = 2000;
const READS_AT_ONCE = 8;

export async function readRecords(
  scope: VisibilityScope,
  incidents: Pick<IncidentClient, 'getIncident'>,
  filter: IncidentFilter,
  extra: string[],
  limit: number,
): Promise<RecordSample> {
  const cap = Math.max(1, Math.min(limit, MAX_RECORD_READS));
  const [listed, matched] = await Promise.all([listAll(scope, filter, extra, cap), countIncidents(scope, filter, extra)]);
  const records: IncidentRecord[] = [];
  let unreadable = 0;
  for (let i = 0; i < listed.length; i += READS_AT_ONCE) {
    const batch = listed.slice(i, i + READS_AT_ONCE);
    const read = await Promise.all(batch.map((summary) => incidents.getIncident(summary.workflowId).catch(() => undefined)));
    for (const record of read) {
      if (record) records.push(record);
      else unreadable += 1;
    }
  }
  return { records, matched, read: records.length, unreadable, limit: cap, sampled: matched > listed.length };
}

/** Visibility clauses for "had anything to do with [since, now]": still open, or closed since then. */
export function activeSince(since: string): string {
  return `(ExecutionStatus = "Running" OR CloseTime >= "${since}")`;
}
