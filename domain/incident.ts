import { z } from 'zod';
import { SeverityName, type Severity } from './severity.js';
import { Channel } from './policy.js';
import { INCIDENT_STATES } from './incident-state.js';

export * from './incident-state.js';

export const IncidentState = z.enum(INCIDENT_STATES);
export type IncidentState = z.infer<typeof IncidentState>;

const Labels = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'label names hold letters, digits, _ . - and start with a letter or _'),
  z.string().max(1024),
);

export const Link = z.strictObject({ href: z.url(), text: z.string().max(200).optional() });
export type Link = z.infer<typeof Link>;

/** Keys become workflow ids (`incident-<key>`): keep them short and free of whitespace. */
export const IncidentKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@/-]+$/, 'may hold letters, digits and . _ : @ / - only (no spaces)');

/** What a service sends to open an incident: the API body, the client library's and the CLI's input. */
export const IncidentInput = z.strictObject({
  summary: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
  severity: SeverityName,
  source: z.string().trim().min(1).max(200).optional(),
  service: z.string().trim().min(1).max(200).optional(),
  key: IncidentKey.optional(),
  labels: Labels.optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  links: z.array(Link).max(20).optional(),
  policy: z.string().min(1).optional(),
});
/** What callers write (severity aliases, optional key). */
export type IncidentInputBody = z.input<typeof IncidentInput>;
/** After validation (canonical severity). */
export type IncidentInput = z.output<typeof IncidentInput>;

export const Actor = z.string().trim().min(1, 'must name who did it').max(200);

export const TimelineEntry = z.object({
  at: z.string(),
  kind: z.enum(['move', 'note', 'occurrence', 'refused', 'notification']),
  from: IncidentState.optional(),
  to: IncidentState.optional(),
  by: z.string(),
  reason: z.string().optional(),
  level: z.number().int().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** `skipped`: deliberately not sent (below the channel's or contact's severity floor); not a failure. */
export const NotificationStatus = z.enum(['pending', 'delivered', 'skipped', 'failed', 'cancelled']);
export type NotificationStatus = z.infer<typeof NotificationStatus>;

export const NotificationRecord = z.object({
  idempotencyKey: z.string(),
  /** `fallback`: the policy's fallback targets, paged because a level reached nobody. */
  kind: z.enum(['page', 'repeat', 'update', 'fallback']),
  event: z.string().optional(),
  level: z.number().int(),
  repeat: z.number().int(),
  cycle: z.number().int(),
  target: z.string(),
  /** The directory id of the person a user, team or schedule target resolved to. */
  recipient: z.string().optional(),
  /** None for a target that could not be resolved to anyone (see `error`). */
  channel: Channel.optional(),
  address: z.string().optional(),
  providerMessageId: z.string().optional(),
  attempt: z.number().int(),
  status: NotificationStatus,
  error: z.string().optional(),
  /** Why a `skipped` notification was not sent. */
  reason: z.string().optional(),
  retryable: z.boolean().optional(),
  at: z.string(),
  settledAt: z.string().optional(),
});
export type NotificationRecord = z.infer<typeof NotificationRecord>;

/** The incident as the `state` query, the API and the CLI show it. */
export interface IncidentRecord {
  id: string;
  key: string;
  workflowId: string;
  state: IncidentState;
  severity: Severity;
  summary: string;
  source?: string;
  service?: string;
  labels: Record<string, string>;
  details?: Record<string, unknown>;
  links: Link[];
  policy: string;
  /** 1-based level currently notified (0 before level 1). */
  level: number;
  /** Repeat number within the current level (0 = the level's first notification). */
  repeat: number;
  /** Walks through the policy so far (0 = the first). */
  cycle: number;
  escalationCount: number;
  notificationCount: number;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  createdAt: string;
  updatedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  closedReason?: string;
  nextEscalationAt?: string;
  /** How many times this incident has continued as new (history kept short). */
  runs: number;
  /** Restarts of the escalation (policy loops, re-opens); notification keys carry it as `E<n>`. */
  epoch?: number;
  /** When a re-fire within the policy's cooldown re-opened this resolved incident. */
  reopenedAt?: string;
  /** Hash of the policy snapshot this incident runs (domain/policy-version.ts). */
  policyVersion?: string;
  /** New alerts this incident inhibited (noted on its timeline as symptoms). */
  symptoms?: number;
  /** Snoozed: ACKNOWLEDGED until then, then ACTIVE at its level and paged (POST .../snooze). */
  snoozed?: { until: string; by: string };
  /** Reminders sent to whoever acknowledged (policy ackReminder) since the acknowledgement. */
  ackReminders?: number;
  /** Levels (and fallbacks) that reached nobody: every delivery failed, or no target resolved to anyone. */
  unreachedLevels?: number;
  timeline: TimelineEntry[];
  notifications: NotificationRecord[];
}
