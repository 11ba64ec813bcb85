import { z } from 'zod';
import type { ActionRecord } from './actions.js';
import { SEVERITIES, SEVERITY_ALIASES, SeverityName, type Severity } from './severity.js';
import { Channel } from './policy.js';
import { INCIDENT_STATES } from './incident-state.js';

export * from './incident-state.js';
import type { WorkingStatusEntry } from './working-status.js';

export const IncidentState = z.enum(INCIDENT_STATES);
export type IncidentState = z.infer<typeof IncidentState>;

export const Link = z.strictObject({ href: z.url(), text: z.string().max(200).optional() });
export type Link = z.infer<typeof Link>;

/**
 * Bounds on what one incident may carry. Everything an incident holds travels in its workflow's
 * history and in each delivery, where Temporal refuses payloads of 2 MB: an unbounded input would
 * be accepted and then wedge its workflow (PayloadsTooLarge). Stated in the OpenAPI document.
 */
export const INCIDENT_LIMITS = { labels: 64, labelName: 128, labelValue: 1024, labelsTotal: 16 * 1024, details: 16 * 1024, href: 2048 };

const jsonLength = (value: unknown): number => {
  try {
    return JSON.stringify(value).length;
  } catch {
    return Number.POSITIVE_INFINITY; // cyclic or too deep to write out: refused as too large
  }
};

const Labels = z
  .record(
    z
      .string()
      .max(INCIDENT_LIMITS.labelName, `label names may have at most ${INCIDENT_LIMITS.labelName} characters`)
      .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'label names hold letters, digits, _ . - and start with a letter or _'),
    z.string().max(INCIDENT_LIMITS.labelValue, `a label value may have at most ${INCIDENT_LIMITS.labelValue} characters`),
  )
  .refine((labels) => Object.keys(labels).length <= INCIDENT_LIMITS.labels, {
    message: `at most ${INCIDENT_LIMITS.labels} labels; put the rest in details`,
  })
  .refine((labels) => jsonLength(labels) <= INCIDENT_LIMITS.labelsTotal, {
    message: `labels may total at most ${INCIDENT_LIMITS.labelsTotal} characters as JSON; put long values in details or behind a link`,
  })
  .meta({
    maxProperties: INCIDENT_LIMITS.labels,
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$', maxLength: INCIDENT_LIMITS.labelName },
    description: `At most ${INCIDENT_LIMITS.labels} labels, names up to ${INCIDENT_LIMITS.labelName} and values up to ${INCIDENT_LIMITS.labelValue} characters, ${INCIDENT_LIMITS.labelsTotal} characters in all as JSON.`,
  });

const Details = z
  .record(z.string(), z.unknown())
  .refine((details) => jsonLength(details) <= INCIDENT_LIMITS.details, {
    message: `details may be at most ${INCIDENT_LIMITS.details} characters as JSON; link to large payloads (logs, dumps) instead`,
  })
  .meta({ description: `Free-form context, at most ${INCIDENT_LIMITS.details} characters as JSON.` });

/** How the OpenAPI document says what trimming does: blank text is refused. */
const NOT_BLANK = { pattern: '\\S', description: 'surrounding whitespace is trimmed; must not be blank' };

/** The severity field as the OpenAPI document shows it: a level or an alias (case-insensitive too). */
const SeverityField = SeverityName.meta({
  type: 'string',
  enum: [...SEVERITIES, ...Object.keys(SEVERITY_ALIASES)],
  description: `${SEVERITIES.join(', ')} or an alias (${Object.keys(SEVERITY_ALIASES).join(', ')}); case-insensitive`,
});

/** Links a caller sends: http(s) only, since they become Slack buttons and email links. */
const HttpLink = z.strictObject({
  href: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .max(INCIDENT_LIMITS.href)
    .meta({ pattern: '^https?://[^\\s/?#]+', description: 'an http:// or https:// URL (no javascript:, data: ...)' }),
  text: z.string().max(200).optional(),
});

/** Keys become workflow ids (`incident-<key>`): keep them short and free of whitespace. */
export const IncidentKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@/-]+$/, 'may hold letters, digits and . _ : @ / - only (no spaces)');

/** What a service sends to open an incident: the API body, the client library's and the CLI's input. */
export const IncidentInput = z.strictObject({
  summary: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').meta(NOT_BLANK),
  severity: SeverityField,
  source: z.string().trim().min(1).max(200).meta(NOT_BLANK).optional(),
  service: z.string().trim().min(1).max(200).meta(NOT_BLANK).optional(),
  key: IncidentKey.optional(),
  labels: Labels.optional(),
  details: Details.optional(),
  links: z.array(HttpLink).max(20).optional(),
  policy: z.string().min(1).max(200).optional(),
});
/** What callers write (severity aliases, optional key). */
export type IncidentInputBody = z.input<typeof IncidentInput>;
/** After validation (canonical severity). */
export type IncidentInput = z.output<typeof IncidentInput>;

export const Actor = z.string().trim().min(1, 'must name who did it').max(200).meta(NOT_BLANK);

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
  /** `fallback`: the policy's fallback targets, paged because a level reached nobody; `breach`: `onBreach`, paged for a broken SLA. */
  kind: z.enum(['page', 'repeat', 'update', 'fallback', 'breach']),
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
  /** What the provider said later about a page it accepted (Twilio's status callback). */
  receipt: z.enum(['delivered', 'undelivered', 'failed']).optional(),
  receiptDetail: z.string().optional(),
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
  /** Shadow mode: pages are recorded (`skipped`, `would page ...`), never sent. */
  shadow?: boolean;
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
  /** Automated responses its levels ran (policies[].levels[].actions), with their outcomes. */
  actions?: ActionRecord[];
  /** Response-time SLAs this incident broke (config `slas`), each recorded once. */
  slaBreaches?: ('respond' | 'resolve')[];
  /** The responders' latest working status while acknowledged (domain/working-status.ts). */
  workingStatus?: WorkingStatusEntry;
  /** A maintenance window holds its paging until then (domain/maintenance.ts). */
  maintenance?: { name: string; until: string };
  timeline: TimelineEntry[];
  notifications: NotificationRecord[];
}
