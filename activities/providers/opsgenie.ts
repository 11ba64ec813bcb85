import type { Providers } from '../../domain/config.js';
import type { DeliveryRequest } from '../../domain/delivery.js';
import type { Severity } from '../../domain/severity.js';
import { httpFailure, type FailureSubject } from '../errors.js';
import { callProvider, isSuccess, joinUrl, replyJson } from './http.js';
import { eventSentence, levelText, pagedText, runbookUrl, truncate } from './render.js';
import type { NotificationProvider, SendContext, SendResult } from './types.js';

/**
 * Opsgenie Alert API with an API integration key (`Authorization: GenieKey <apiKey>`).
 *
 * A page creates an alert, `POST /v2/alerts`, with `alias` = the incident's workflow id: Opsgenie
 * de-duplicates open alerts by alias, so repeats and retries raise its count, not a second alert.
 * Priority comes from the severity (critical P1 … debug P5), responders from the target. `update`
 * deliveries follow the incident: acknowledged → `POST /v2/alerts/{alias}/acknowledge`,
 * resolved and cancelled → `/close`, both with `identifierType=alias`; reopened creates the alert
 * again. Opsgenie answers 202 (processed asynchronously); the result's id is its `requestId`.
 * 401/403/404/422 are not retried; 429 and 5xx are, honouring Retry-After.
 */

export type OpsgenieSettings = NonNullable<Providers['opsgenie']>;

export const OPSGENIE_DEFAULT_BASE_URL = 'https://api.opsgenie.com';

export const OPSGENIE_PRIORITY: Record<Severity, 'P1' | 'P2' | 'P3' | 'P4' | 'P5'> = {
  critical: 'P1',
  error: 'P2',
  warning: 'P3',
  info: 'P4',
  debug: 'P5',
};

/** Responders as the target names them in escalation.yaml. */
interface TargetResponder {
  type: 'user' | 'team' | 'escalation' | 'schedule';
  name: string;
}

/** Wire type: Opsgenie names users by username (their email), the rest by name. */
export type OpsgenieResponder = { type: 'user'; username: string } | { type: 'team' | 'escalation' | 'schedule'; name: string };

export interface OpsgenieAlert {
  message: string;
  alias: string;
  description: string;
  responders?: OpsgenieResponder[];
  tags: string[];
  details: Record<string, string>;
  entity?: string;
  source: string;
  priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
}

export interface OpsgenieProviderOptions {
  settings: OpsgenieSettings;
  userAgent: string;
  now?: () => number;
}

export function createOpsgenieProvider(options: OpsgenieProviderOptions): NotificationProvider {
  const { settings, userAgent } = options;
  const now = options.now ?? Date.now;
  const base = settings.baseUrl ?? OPSGENIE_DEFAULT_BASE_URL;
  return {
    channel: 'opsgenie',
    async send(request: DeliveryRequest, ctx: SendContext): Promise<SendResult> {
      const { incident } = request;
      const alias = incident.workflowId;
      const { path, body } = opsgenieRequest(request);
      const url = joinUrl(base, path);
      const subject: FailureSubject = {
        channel: 'opsgenie',
        workflowId: alias,
        destination: `Opsgenie (${joinUrl(base, path.split('?')[0] ?? path)})`,
        attempt: ctx.attempt,
      };
      const reply = await callProvider(
        {
          url,
          headers: { authorization: `GenieKey ${settings.apiKey}`, 'content-type': 'application/json', 'user-agent': userAgent },
          body: JSON.stringify(body),
          timeoutMs: settings.timeout,
          timeoutSetting: 'providers.opsgenie.timeout',
          subject,
        },
        ctx,
      );
      if (isSuccess(reply)) {
        const answer = replyJson<{ requestId?: string }>(reply);
        return answer?.requestId ? { providerMessageId: answer.requestId } : {};
      }
      throw httpFailure(
        subject,
        {
          status: reply.status,
          ...(reply.retryAfter ? { retryAfter: reply.retryAfter } : {}),
          ...(reply.text ? { body: reply.text } : {}),
        },
        { now: now(), rejectedHint: rejectedHint(reply.status, request) },
      );
    },
  };
}

/** The path and body for one delivery: create for pages and re-opens, acknowledge or close for the rest. */
export function opsgenieRequest(request: DeliveryRequest): { path: string; body: object } {
  const { incident } = request;
  const alias = encodeURIComponent(incident.workflowId);
  if (request.kind === 'update' && request.event !== 'reopened') {
    const action = request.event === 'acknowledged' ? 'acknowledge' : 'close';
    const by = request.event === 'acknowledged' ? incident.acknowledgedBy : incident.resolvedBy;
    return {
      path: `/v2/alerts/${alias}/${action}?identifierType=alias`,
      body: {
        source: 'escalation-engine',
        ...(by !== undefined && { user: truncate(by, 100) }),
        note: truncate(`${incident.workflowId} ${eventSentence(request.event ?? 'resolved', incident)}`, 25_000),
      },
    };
  }
  return { path: '/v2/alerts', body: opsgenieAlert(request) };
}

export function opsgenieAlert(request: DeliveryRequest): OpsgenieAlert {
  const { incident } = request;
  const responders = parseResponders(request.delivery.address);
  const runbook = runbookUrl(incident);
  const description = [
    incident.summary,
    '',
    `Severity: ${incident.severity}`,
    ...(incident.service ? [`Service: ${incident.service}`] : []),
    `Policy: ${incident.policy}, ${levelText(request)}`,
    `Paged: ${pagedText(request)}`,
    ...(request.uiUrl ? [`Web UI: ${request.uiUrl}`] : []),
    ...(runbook ? [`Runbook: ${runbook}`] : []),
  ].join('\n');
  const details: Record<string, string> = { workflowId: incident.workflowId, policy: incident.policy, level: String(request.level + 1) };
  for (const [name, value] of Object.entries(incident.labels)) details[`label.${name}`] = value;
  if (request.uiUrl) details['uiUrl'] = request.uiUrl;
  if (runbook) details['runbook'] = runbook;
  return {
    message: truncate(incident.summary, 130),
    alias: incident.workflowId,
    description: truncate(description, 15_000),
    ...(responders.length > 0 && { responders }),
    tags: [incident.severity, ...(incident.service ? [incident.service] : [])],
    details,
    ...(incident.service !== undefined && { entity: incident.service }),
    source: incident.source ?? 'escalation-engine',
    priority: OPSGENIE_PRIORITY[incident.severity],
  };
}

/** The delivery's address is the target's responders as JSON (see resolve-targets), or `default`. */
function parseResponders(address: string): OpsgenieResponder[] {
  if (address === 'default' || address === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(address);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return (parsed as TargetResponder[]).map((r) =>
    r.type === 'user' ? { type: 'user', username: r.name } : { type: r.type, name: r.name },
  );
}

function rejectedHint(status: number, request: DeliveryRequest): string {
  if (status === 401 || status === 403)
    return 'Opsgenie refused the key; check providers.opsgenie.apiKey (an API integration key with create and update access)';
  if (status === 404 && request.kind === 'update')
    return `Opsgenie has no alert with alias ${request.incident.workflowId} (closed or deleted there?); nothing to update`;
  if (status === 422) return "Opsgenie refused the alert's fields; check the opsgenie target's responders in escalation.yaml";
  return 'check providers.opsgenie in escalation.yaml (baseUrl https://api.eu.opsgenie.com for EU accounts)';
}
