import { z } from '@hono/zod-openapi';
import type { IncidentInputBody, Link } from '../../domain/incident.js';
import { IncidentInput } from '../../domain/incident.js';
import { fieldErrors, type FieldError } from '../../domain/errors.js';
import { defaultIncidentKey } from '../../domain/routing.js';
import { IncidentMoveRefusedError, IncidentNotFoundError, InvalidIncidentRequestError } from '../incidents.js';
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
  action: z.enum(['created', 'occurrence', 'not_escalated', 'resolved', 'already_closed', 'not_found', 'invalid']),
  reason: z.string().optional(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type AlertResult = z.infer<typeof AlertResult>;
export const AlertResults = z.object({ results: z.array(AlertResult) }).openapi('AlertResults');

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

const AT_ONCE = 8;

/** Handles every alert of one delivery; a Temporal outage fails the delivery (the sender retries). */
export async function processAlerts(deps: ApiDeps, source: Source, payload: z.infer<typeof AlertmanagerPayload>): Promise<AlertResult[]> {
  const results: AlertResult[] = [];
  for (let i = 0; i < payload.alerts.length; i += AT_ONCE) {
    const batch = payload.alerts.slice(i, i + AT_ONCE);
    results.push(...(await Promise.all(batch.map((alert) => processAlert(deps, source, alert, payload)))));
  }
  return results;
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
    const result = await deps.incidents.startIncident(parsed.data);
    if (!result.escalated) {
      deps.metrics.incidentsStarted.inc({ source, outcome: 'gated' });
      return { ...base, action: 'not_escalated', reason: result.reason };
    }
    deps.metrics.incidentsStarted.inc({ source, outcome: result.created ? 'created' : 'occurrence' });
    return { ...base, incidentId: result.incidentId, action: result.created ? 'created' : 'occurrence' };
  } catch (error) {
    if (error instanceof IncidentNotFoundError) return { ...base, action: 'not_found', reason: 'no incident was open for this alert' };
    if (error instanceof IncidentMoveRefusedError) return { ...base, action: 'already_closed', reason: error.message };
    if (isUnavailable(error)) throw error;
    if (error instanceof InvalidIncidentRequestError) return { ...base, action: 'invalid', details: plain(error.errors) };
    throw error;
  }
}

const plain = (errors: FieldError[]) => errors.map(({ path, message }) => ({ path, message }));
