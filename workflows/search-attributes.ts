import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes kept current for the Web UI and the API's list (DESIGN.md section 5). Clients,
 * `escalate setup` and the dev server register exactly this list.
 */
export const IncidentStateKey = defineSearchAttributeKey('IncidentState', SearchAttributeType.KEYWORD);
export const IncidentSeverityKey = defineSearchAttributeKey('IncidentSeverity', SearchAttributeType.KEYWORD);
export const IncidentServiceKey = defineSearchAttributeKey('IncidentService', SearchAttributeType.KEYWORD);
export const EscalationPolicyKey = defineSearchAttributeKey('EscalationPolicy', SearchAttributeType.KEYWORD);
export const EscalationLevelKey = defineSearchAttributeKey('EscalationLevel', SearchAttributeType.INT);
export const AcknowledgedByKey = defineSearchAttributeKey('AcknowledgedBy', SearchAttributeType.KEYWORD);
/** Set once a level (or its fallback) reached nobody: `IncidentUnreached = true` lists the incidents to look at. */
export const IncidentUnreachedKey = defineSearchAttributeKey('IncidentUnreached', SearchAttributeType.BOOL);
/** Set once the incident broke a response-time SLA (config `slas`): `SlaBreached = true`. */
export const SlaBreachedKey = defineSearchAttributeKey('SlaBreached', SearchAttributeType.BOOL);
/**
 * The short code SMS replies name the incident by (domain/responder.ts `replyCode`). Set by the
 * client at start when Twilio is configured, never by the workflow: the API finds a reply's
 * incident with one visibility query.
 */
export const IncidentCodeKey = defineSearchAttributeKey('IncidentCode', SearchAttributeType.KEYWORD);

/**
 * Set once, at start, by the client (client/visibility.ts) for an incident in shadow mode; the
 * workflow never upserts it (Visibility syncs only the keys it lists), so it stays as started.
 */
export const IncidentShadowKey = defineSearchAttributeKey('IncidentShadow', SearchAttributeType.BOOL);

export const INCIDENT_SEARCH_ATTRIBUTES = [
  IncidentStateKey,
  IncidentSeverityKey,
  IncidentServiceKey,
  EscalationPolicyKey,
  EscalationLevelKey,
  AcknowledgedByKey,
  IncidentUnreachedKey,
  SlaBreachedKey,
  IncidentCodeKey,
  IncidentShadowKey,
] as const;

/** The operator API's IndexedValueType numbers, by the SDK's type names (registration and checks). */
export const INDEXED_VALUE_TYPE: Readonly<Record<SearchAttributeType, number>> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};
