import { z } from 'zod';
import { DeliverySettings } from './config.js';
import { IncidentKey, Link } from './incident.js';
import { Policy } from './policy.js';
import { SeverityName } from './severity.js';

/**
 * What the incident workflow starts with: the normalised alert, the policy snapshot it keeps for its
 * whole life, and how to deliver. Parsing is idempotent (durations already in ms stay ms), so the
 * workflow validates its own input again and fails the incident cleanly on a bad one.
 */
export const IncidentSpec = z.strictObject({
  key: IncidentKey,
  summary: z.string().min(1).max(500),
  severity: SeverityName,
  source: z.string().optional(),
  service: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  details: z.record(z.string(), z.unknown()).optional(),
  links: z.array(Link).default([]),
});
export type IncidentSpec = z.infer<typeof IncidentSpec>;

export const WorkflowSettings = z.strictObject({
  /** Base URL of the Temporal Web UI, for links in notifications. */
  uiUrl: z.string().optional(),
  namespace: z.string().default('default'),
  delivery: DeliverySettings,
  /** Continue as new past this many history events even if the server has not suggested it yet. */
  maxHistoryEvents: z.number().int().min(50).default(10_000),
});
export type WorkflowSettings = z.infer<typeof WorkflowSettings>;

export const Occurrence = z.strictObject({
  occurrenceId: z.string().min(1),
  receivedAt: z.string(),
  severity: SeverityName.optional(),
  summary: z.string().max(500).optional(),
  source: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  /** The caller's own dedup key, when a grouping route replaced it with the group key. */
  key: IncidentKey.optional(),
  /**
   * The policy the routes choose for this alert now (a parsed snapshot). Used only when the alert
   * raises the incident's severity and this policy differs from the one the incident runs: the
   * incident then moves to it (issue 6, "a higher severity on a repeat ... moves it").
   */
  policy: Policy.optional(),
});
export type Occurrence = z.infer<typeof Occurrence>;

export const IncidentWorkflowInput = z.strictObject({
  incident: IncidentSpec,
  policy: Policy,
  /** The occurrence that opened this incident: a start racing with itself is not counted twice. */
  occurrenceId: z.string().min(1),
  settings: WorkflowSettings,
  /**
   * The route's grouping window in ms (`routes[].groupWait`): level 1 waits at least this long
   * after the incident opened, so the alerts of its group join before anyone is paged.
   */
  groupWait: z.number().int().min(0).optional(),
  /** The route's group labels (`routes[].groupBy`): later alerts of the group are noted as joining. */
  groupBy: z.array(z.string().min(1)).optional(),
  /**
   * Repeats of the opening alert that reached the previous incident with this key while it was
   * closing: the new incident counts them as its occurrences.
   */
  alsoSeen: z.number().int().min(0).optional(),
  /** Set by continue-as-new: the record and cursor carried into the new run. Not validated again. */
  carry: z.unknown().optional(),
});
export type IncidentWorkflowInput = z.input<typeof IncidentWorkflowInput>;
export type ParsedWorkflowInput = z.output<typeof IncidentWorkflowInput>;
