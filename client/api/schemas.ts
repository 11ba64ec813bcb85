import { z } from '@hono/zod-openapi';
import { Actor, INCIDENT_STATES, IncidentInput } from '../../domain/incident.js';
import { SEVERITIES } from '../../domain/severity.js';
import { WorkingStatusBody } from '../../domain/working-status-schema.js';
import { ReassignTargets, SnoozeFor, ToLevel } from '../../domain/responder-requests.js';

/**
 * Wire schemas of the HTTP API. Request schemas come from domain/ (IncidentInput is the body of
 * POST /v1/incidents); the rest describe answers for the OpenAPI document.
 */
export const ErrorBody = z
  .object({
    error: z.string().openapi({ example: 'invalid request' }),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .openapi('Error');

export const errorResponse = (description: string) => ({ content: { 'application/json': { schema: ErrorBody } }, description });

// A clone: schemas built before @hono/zod-openapi was imported lack `.openapi`; the clone has it and
// validates exactly as the domain schema does.
export const IncidentBody = IncidentInput.clone().openapi('IncidentInput');

export const IncidentIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(220)
    .openapi({ param: { name: 'id', in: 'path' }, description: '<key> or incident-<key>', example: 'db-primary-down' }),
});

const State = z.enum(INCIDENT_STATES);
const Severity = z.enum(SEVERITIES);

export const IncidentRecordSchema = z
  .looseObject({
    id: z.string(),
    key: z.string(),
    workflowId: z.string(),
    state: State,
    severity: Severity,
    summary: z.string(),
    source: z.string().optional(),
    service: z.string().optional(),
    labels: z.record(z.string(), z.string()),
    shadow: z.boolean().optional().openapi({
      description: 'shadow mode: nothing is sent; each page is a skipped notification, reason "would page <target> via <channel>"',
    }),
    policy: z.string(),
    level: z.number().int(),
    repeat: z.number().int(),
    escalationCount: z.number().int(),
    notificationCount: z.number().int(),
    occurrences: z.number().int(),
    createdAt: z.string(),
    acknowledgedAt: z.string().optional(),
    acknowledgedBy: z.string().optional(),
    resolvedAt: z.string().optional(),
    resolvedBy: z.string().optional(),
    nextEscalationAt: z.string().optional(),
    maintenance: z.object({ name: z.string(), until: z.string() }).optional().openapi({
      description: 'a maintenance window holds its paging until then; it is paged at its level at the end if still unanswered',
    }),
    timeline: z.array(z.looseObject({ at: z.string(), kind: z.string(), by: z.string() })),
    notifications: z.array(
      z.looseObject({ target: z.string(), channel: z.string().optional(), status: z.string(), reason: z.string().optional() }),
    ),
  })
  .openapi('Incident');

export const StartAnswer = z
  .union([
    z.object({
      escalated: z.literal(true),
      accepted: z.literal(true).openapi({ description: 'the Temporal server has the alert: it pages when a worker runs it' }),
      created: z
        .boolean()
        .openapi({ description: 'true: it opened a new incident; false: counted as an occurrence of the open incident with this key' }),
      incidentId: z.string(),
      workflowId: z.string(),
      runId: z.string(),
      policy: z.string().openapi({
        description: 'the policy this alert routed to; an open incident keeps its own unless this alert raises its severity',
      }),
      policyVersion: z.string(),
      severity: Severity,
    }),
    z.object({
      escalated: z.literal(false),
      reason: z.string(),
      inhibitedBy: z.string().optional(),
      maintenance: z.string().optional().openapi({ description: 'the maintenance window that answered the alert (no incident opened)' }),
    }),
  ])
  .openapi('StartAnswer');

const by = Actor.optional().openapi({ description: 'who does it; default: api:<token name>', example: 'dana' });
const text = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .openapi({ pattern: '\\S', description: 'surrounding whitespace is trimmed; must not be blank' });
/** A sender's own id for one alert: the same POST sent again with it is one occurrence, not two. */
export const StartHeaders = z.object({
  'idempotency-key': z.string().min(1).max(200, 'must be at most 200 characters').optional().openapi({
    description:
      'Your id for this alert: the same request sent again with the same key (a retry after a timeout or a 503) is counted once on the incident',
    example: 'alert-7f3a9c',
  }),
});
export const NoteBody = z.strictObject({ by, note: text.optional() }).openapi('NoteBody');
export const ReasonBody = z.strictObject({ by, reason: text.optional() }).openapi('ReasonBody');
export const AnnotateBody = z.strictObject({ by, note: text }).openapi('AnnotateBody');
export const WorkingStatusSchema = WorkingStatusBody.clone().openapi('WorkingStatusBody');
export const EscalateBody = z
  .strictObject({
    by,
    reason: text.optional(),
    toLevel: ToLevel.clone()
      .openapi({
        description: 'the level to page now (1-based); default: the next level. An acknowledged incident becomes ACTIVE at it',
        example: 3,
      })
      .optional(),
  })
  .openapi('EscalateBody');
export const ReassignBody = z
  .strictObject({
    by,
    targets: ReassignTargets.clone().openapi({
      description: 'whom to page now, as a level lists its targets',
      example: [{ type: 'user', id: 'bob' }],
    }),
    reason: text.optional(),
  })
  .openapi('ReassignBody');
export const SnoozeBody = z
  .strictObject({
    by,
    for: SnoozeFor.clone().openapi({ description: 'how long: 30m, 2h, PT1H (at most 7d)', example: '30m' }),
    reason: text.optional(),
  })
  .openapi('SnoozeBody');

export const IncidentSummarySchema = z
  .object({
    id: z.string(),
    key: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    state: z.string().optional(),
    severity: z.string().optional(),
    service: z.string().optional(),
    policy: z.string().optional(),
    level: z.number().int().optional(),
    acknowledgedBy: z.string().optional(),
    shadow: z.boolean().optional().openapi({ description: 'true for an incident in shadow mode (pages recorded, not sent)' }),
    status: z.string(),
    startedAt: z.string().optional(),
    closedAt: z.string().optional(),
  })
  .openapi('IncidentSummary');

export const IncidentPageSchema = z
  .object({ incidents: z.array(IncidentSummarySchema), nextCursor: z.string().optional() })
  .openapi('IncidentPage');

const TimingSchema = z.object({
  count: z.number().int(),
  meanSeconds: z.number().optional(),
  medianSeconds: z.number().optional(),
  sampled: z.boolean(),
});
export const StatsSchema = z
  .object({
    window: z.string(),
    since: z.string(),
    total: z.number().int(),
    byState: z.record(z.string(), z.number().int()),
    bySeverity: z.record(z.string(), z.number().int()),
    open: z.number().int(),
    unreached: z.number().int().openapi({ description: 'Incidents in the window where a level (or its fallback) reached nobody' }),
    shadow: z.number().int().openapi({ description: 'Incidents in the window run in shadow mode (their pages were recorded, not sent)' }),
    slaBreached: z.number().int().openapi({ description: 'Incidents in the window that broke a response-time SLA' }),
    mtta: TimingSchema,
    mttr: TimingSchema,
    maintenance: z
      .object({ windows: z.number().int(), suppressed: z.number().int() })
      .optional()
      .openapi({ description: 'Maintenance windows open in the window, and the alerts they answered without opening an incident' }),
  })
  .openapi('Stats');
