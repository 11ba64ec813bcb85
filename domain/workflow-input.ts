import { z } from 'zod';
import { DeliverySettings } from './config.js';
import type { EscalationCursor } from './escalation.js';
import { IncidentKey, Link, type IncidentRecord } from './incident.js';
import { Policy } from './policy.js';
import { SeverityName } from './severity.js';
import { IncidentSla } from './sla.js';
import { UrgencyMap } from './level-schemas.js';
import { isCarriedPolicy, isCarriedRecord } from './carry.js';

export { checkWorkflowInput, reopenFrom } from './carry.js';

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
  /**
   * Shadow mode (`gates.mode` or the route's `mode`): the incident escalates as usual, the deliver
   * activity sends nothing and records `would page <target> via <channel>`. Absent: live.
   */
  shadow: z.boolean().optional(),
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
  /** The response-time SLA of the incident's severity (config `slas`), and whom a breach pages. */
  sla: IncidentSla.optional(),
  /** The route's urgency map (`routes[].urgency`), over the policy's for this incident. */
  urgency: UrgencyMap.optional(),
  /** The story carried into this run: continue-as-new, or a re-open (IncidentCarry). */
  carry: z.lazy(() => IncidentCarry).optional(),
});
/** What a caller may pass; the client builds the parsed form below, the workflow takes that as it is. */
export type IncidentWorkflowInputBody = z.input<typeof IncidentWorkflowInput>;
export type IncidentWorkflowInput = z.output<typeof IncidentWorkflowInput>;

const Cursor: z.ZodType<EscalationCursor> = z.object({
  cycle: z.number().int().min(0),
  level: z.number().int().min(0),
  repeat: z.number().int().min(0),
  levelAt: z.number(),
  lastAt: z.number(),
  escalationCount: z.number().int().min(0),
});

// Light on purpose: the record and policy were built by the engine itself; checking their shape
// is enough to refuse a hand-made or truncated carry, and a full parse on every run costs more
// than the run.
const CarriedRecord = z.custom<IncidentRecord>(isCarriedRecord, {
  message: 'must be an incident record (workflowId, state, timeline, notifications)',
});
const CarriedPolicy = z.custom<Policy>(isCarriedPolicy, { message: 'must be a policy snapshot with at least one level' });

/**
 * What one run of an incident hands to the next: by continue-as-new (a long incident), or by the
 * client when a resolved incident's alert fires again within the cooldown (`reopen`).
 */
export const IncidentCarry = z.object({
  record: CarriedRecord,
  /** Where the walk stands; none before level 1 went out. */
  cursor: Cursor.optional(),
  /** Restarts of the escalation (policy loops, re-opens): keeps idempotency keys unique. */
  epoch: z.number().int().min(0),
  /** The policy the incident moved to on a severity raise, when it is not the input's. */
  policy: CarriedPolicy.optional(),
  /** A resolved incident fired again within its cooldown: the story goes on from level 1. */
  reopen: z.object({ resolvedAt: z.string() }).optional(),
});
export type IncidentCarry = z.infer<typeof IncidentCarry>;
