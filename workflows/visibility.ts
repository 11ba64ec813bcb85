import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair, TypedSearchAttributes } from '@temporalio/common';
import type { IncidentRecord } from '../domain/incident.js';
import { currentDetails } from '../domain/record.js';
import {
  AcknowledgedByKey,
  EscalationLevelKey,
  EscalationPolicyKey,
  IncidentServiceKey,
  IncidentSeverityKey,
  IncidentStateKey,
  IncidentUnreachedKey,
  INCIDENT_SEARCH_ATTRIBUTES,
  SlaBreachedKey,
} from './search-attributes.js';

/**
 * Keeps what operators see in the Web UI in step with the record: the search attributes (only
 * the ones that changed, so history stays small) and the markdown current details.
 */
export class Visibility {
  private last = new Map<string, string | number | boolean | undefined>();
  private lastDetails = '';

  constructor(
    private readonly record: IncidentRecord,
    /** The policy's level count, for the current details; follows a policy switch. */
    public levelCount: number,
    /** What the server has already (set at start, or carried by continue-as-new): not upserted again. */
    current?: TypedSearchAttributes,
  ) {
    for (const key of INCIDENT_SEARCH_ATTRIBUTES) {
      const value: unknown = current?.get(key);
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') this.last.set(key.name, value);
    }
  }

  sync(): void {
    const r = this.record;
    const wanted: [SearchAttributeUpdatePair['key'], string | number | boolean | undefined][] = [
      [IncidentStateKey, r.state],
      [IncidentSeverityKey, r.severity],
      [IncidentServiceKey, r.service],
      [EscalationPolicyKey, r.policy],
      [EscalationLevelKey, r.level],
      [AcknowledgedByKey, r.acknowledgedBy],
      [IncidentUnreachedKey, r.unreachedLevels ? true : undefined],
      [SlaBreachedKey, r.slaBreaches?.length ? true : undefined],
    ];
    const updates: SearchAttributeUpdatePair[] = [];
    for (const [key, value] of wanted) {
      const known = this.last.has(key.name);
      if (known && this.last.get(key.name) === value) continue;
      this.last.set(key.name, value);
      // Never set and still empty: nothing to say (a null upsert would only grow the history).
      if (!known && value === undefined) continue;
      updates.push({ key, value: value ?? null } as SearchAttributeUpdatePair);
    }
    if (updates.length > 0) upsertSearchAttributes(updates);
    this.syncDetails();
  }

  /**
   * Only the markdown details (they cost no history event): what a settled delivery changes. The
   * search attributes follow at the next sync, once per workflow task, so a level's brief
   * ESCALATING never costs an event of its own.
   */
  syncDetails(): void {
    const details = currentDetails(this.record, this.levelCount);
    if (details !== this.lastDetails) {
      this.lastDetails = details;
      setCurrentDetails(details);
    }
  }
}
