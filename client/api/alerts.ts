import { createHash, randomUUID } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { IncidentInputBody, Link } from '../../domain/incident.js';
import { IncidentInput } from '../../domain/incident.js';
import { fieldErrors, type FieldError } from '../../domain/errors.js';
import { defaultIncidentKey } from '../../domain/routing.js';
import { IncidentMoveRefusedError, IncidentNotFoundError, InvalidIncidentRequestError, WorkerUnavailableError } from '../incidents.js';
import { runMove, type ApiDeps } from './deps.js';
import { isUnavailable } from './errors.js';

/**
 * Monitoring webhooks (Alertmanager v4, Grafana alerting): one incident per alert, keyed by its
 * fingerprint. Firing opens it or counts an occurrence; resolved resolves it. Unknown fields pass:
 * both tools add fields between versions.
 */
const StringMap = z.record(z.string(), z.string()).default({});

export const WebhookAlert = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: StringMap,
  annotations: StringMap,
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
  // Grafana only
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  silenceURL: z.string().optional(),
  valueString: z.string().optional(),
});
export type WebhookAlert = z.infer<typeof WebhookAlert>;

export const AlertmanagerPayload = z
  .looseObject({
    version: z.string().optional().openapi({ example: '4' }),
    groupKey: z.string().optional(),
    truncatedAlerts: z.number().int().optional(),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string().optional(),
    groupLabels: StringMap,
    commonLabels: StringMap,
    commonAnnotations: StringMap,
    externalURL: z.string().optional(),
    alerts: z.array(WebhookAlert).min(1).max(1000),
  })
  .openapi('AlertmanagerWebhook');

export const GrafanaPayload = AlertmanagerPayload.extend({
  orgId: z.number().int().optional(),
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
}).openapi('GrafanaWebhook');

export const AlertResult = z.object({
  fingerprint: z.string().optional(),
  incidentId: z.string().optional(),
  action: z
    .enum(['created', 'occurrence', 'not_escalated', 'resolved', 'already_closed', 'not_found', 'invalid', 'failed'])
    .openapi({ description: 'failed: not handled now (Temporal or the worker unavailable); the answer is 503 and a retry is safe' }),
  reason: z.string().optional(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type AlertResult = z.infer<typeof AlertResult>;
export const AlertResults = z.object({ results: z.array(AlertResult) }).openapi('AlertResults');
/** 503: some alerts failed for now; the others were handled, and a retry of the whole delivery counts nothing twice. */
export const AlertsFailed = z
  .object({
    error: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
    results: z.array(AlertResult),
  })
  .openapi('AlertsFailed');

type Source = 'alertmanager' | 'grafana';

const isUrl = (value: string | undefined): value is string => !!value && z.url({ protocol: /^https?$/ }).safeParse(value).success;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The incident an alert stands for: labels severity/service/team, annotations summary/description/runbook_url. */
export function incidentFromAlert(
  source: Source,
  alert: WebhookAlert,
  common: { externalURL?: string | undefined; receiver?: string | undefined },
): IncidentInputBody {
  const { labels, annotations } = alert;
  const summary = (annotations.summary ?? annotations.title ?? labels.alertname ?? `${source} alert`).slice(0, 500);
  const links: Link[] = [];
  if (isUrl(annotations.runbook_url)) links.push({ href: annotations.runbook_url, text: 'Runbook' });
  if (isUrl(alert.generatorURL)) links.push({ href: alert.generatorURL, text: source === 'grafana' ? 'Alert rule' : 'Prometheus graph' });
  if (isUrl(alert.dashboardURL)) links.push({ href: alert.dashboardURL, text: 'Dashboard' });
  if (isUrl(alert.panelURL)) links.push({ href: alert.panelURL, text: 'Panel' });
  const service = labels.service ?? labels.job;
  const key = alert.fingerprint && /^[A-Za-z0-9._:@/-]{1,200}$/.test(alert.fingerprint) ? alert.fingerprint : undefined;
  return {
    summary,
    severity: labels.severity ?? labels.priority ?? 'warning',
    source,
    ...(service !== undefined && { service }),
    key: key ?? defaultIncidentKey({ source, service, summary: `${summary}\u0000${JSON.stringify(Object.entries(labels).sort())}` }),
    labels: Object.fromEntries(
      Object.entries(labels)
        .filter(([name]) => LABEL_NAME.test(name))
        .map(([name, value]) => [name, value.slice(0, 1024)]),
    ),
    details: {
      ...(annotations.description !== undefined && { description: annotations.description }),
      annotations,
      ...(alert.startsAt !== undefined && { startsAt: alert.startsAt }),
      ...(alert.valueString !== undefined && { value: alert.valueString }),
      ...(common.receiver !== undefined && { receiver: common.receiver }),
      ...(common.externalURL !== undefined && { externalURL: common.externalURL }),
    },
    links: links.slice(0, 20),
  };
}

/**
 * Alerts of one delivery handled at once. Each alert is a few Temporal calls; 32 at a time handles
 * a 1,000-alert batch in seconds without flooding the server.
 */
const AT_ONCE = 32;
/** Resolves (which wait on a worker) stop being tried after this long in a delivery: senders time out, and retry. */
const BATCH_BUDGET_MS = 20_000;

/**
 * An alert's occurrence id, from the alert itself: a retried delivery (same alert, same startsAt)
 * gives the same id, and the Temporal server takes a repeated id as the same request, so a retried
 * batch counts nothing twice. A later firing of the alert has a new startsAt, so a new id.
 */
export function alertOccurrenceId(source: Source, alert: WebhookAlert, payload: { groupKey?: string | undefined }): string {
  const hex = createHash('sha256')
    // The alert's own fields only: extra fields a sender adds (any shape, any depth) do not count.
    .update(
      JSON.stringify([
        source,
        payload.groupKey ?? '',
        alert.status,
        alert.fingerprint ?? '',
        alert.startsAt ?? '',
        Object.entries(alert.labels).sort(),
        Object.entries(alert.annotations).sort(),
      ]),
    )
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** What a delivery came to: one result per alert; `failed` ones should be sent again (retry is safe). */
export interface AlertsOutcome {
  results: AlertResult[];
  failed: number;
}

/**
 * Handles every alert of one delivery, each on its own: a bad alert is `invalid`, one that could
 * not be handled now (Temporal unreachable, no worker) is `failed`, and the others go through.
 */
export async function processAlerts(deps: ApiDeps, source: Source, payload: z.infer<typeof AlertmanagerPayload>): Promise<AlertsOutcome> {
  const results = new Array<AlertResult>(payload.alerts.length);
  const deadline = Date.now() + BATCH_BUDGET_MS;
  const common = { externalURL: payload.externalURL, receiver: payload.receiver };
  // Alerts of one incident go one after another (a batch may resolve one incident many times; the
  // server takes few answers in flight per incident), different incidents side by side.
  const chains = new Map<string, Promise<void>>();
  let next = 0;
  const lane = async () => {
    while (next < payload.alerts.length) {
      const index = next++;
      const alert = payload.alerts[index]!;
      const key = incidentFromAlert(source, alert, common).key ?? `#${index}`;
      const previous = chains.get(key);
      const run = (async (): Promise<AlertResult> => {
        if (previous) await previous;
        // A resolve waits for a worker's answer (up to 5 s each): past the budget, the remaining
        // resolves are left for the retry. A firing alert only needs the server, and always goes on.
        if (alert.status === 'resolved' && Date.now() > deadline) {
          return {
            ...(alert.fingerprint !== undefined && { fingerprint: alert.fingerprint }),
            action: 'failed',
            reason: `not handled within the delivery's ${BATCH_BUDGET_MS / 1000} s budget; send the delivery again (nothing counts twice)`,
          };
        }
        return processAlert(deps, source, alert, payload);
      })();
      chains.set(
        key,
        run.then(
          () => undefined,
          () => undefined,
        ),
      );
      results[index] = await run;
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, payload.alerts.length) }, lane));
  return { results, failed: results.filter((r) => r.action === 'failed').length };
}

async function processAlert(
  deps: ApiDeps,
  source: Source,
  alert: WebhookAlert,
  payload: z.infer<typeof AlertmanagerPayload>,
): Promise<AlertResult> {
  const input = incidentFromAlert(source, alert, { externalURL: payload.externalURL, receiver: payload.receiver });
  const parsed = IncidentInput.safeParse(input);
  const base = { ...(alert.fingerprint !== undefined && { fingerprint: alert.fingerprint }), incidentId: `incident-${input.key}` };
  if (!parsed.success) return { ...base, action: 'invalid', details: plain(fieldErrors(parsed.error)) };
  try {
    if (alert.status === 'resolved') {
      await runMove(deps, 'resolve', input.key!, source, `resolved in ${source}${alert.endsAt ? ` at ${alert.endsAt}` : ''}`);
      return { ...base, action: 'resolved' };
    }
    const result = await deps.incidents.startIncident(parsed.data, { occurrenceId: alertOccurrenceId(source, alert, payload) });
    if (!result.escalated) {
      deps.metrics.incidentsStarted.inc({ source, outcome: 'gated' });
      return { ...base, action: 'not_escalated', reason: result.reason };
    }
    deps.metrics.incidentsStarted.inc({ source, outcome: result.created ? 'created' : 'occurrence' });
    return { ...base, incidentId: result.incidentId, action: result.created ? 'created' : 'occurrence' };
  } catch (error) {
    if (error instanceof IncidentNotFoundError) return { ...base, action: 'not_found', reason: 'no incident was open for this alert' };
    if (error instanceof IncidentMoveRefusedError) return { ...base, action: 'already_closed', reason: error.message };
    if (error instanceof InvalidIncidentRequestError) return { ...base, action: 'invalid', details: plain(error.errors) };
    if (error instanceof WorkerUnavailableError) return { ...base, action: 'failed', reason: error.message };
    if (isUnavailable(error))
      return { ...base, action: 'failed', reason: 'Temporal is unreachable; send the alert again (a retry counts nothing twice)' };
    const errorId = randomUUID();
    deps.logger.error({ err: error, errorId, incident: base.incidentId }, `${source} alert failed`);
    return { ...base, action: 'failed', reason: `internal error ${errorId} (in the API log); send the alert again` };
  }
}

const plain = (errors: FieldError[]) => errors.map(({ path, message }) => ({ path, message }));
