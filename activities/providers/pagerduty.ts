import { ApplicationFailure } from '@temporalio/common';
import type { Providers } from '../../domain/config.js';
import { DELIVERY_FAILURE, type AnnouncedEvent, type DeliveryRequest } from '../../domain/delivery.js';
import type { Severity } from '../../domain/severity.js';
import { failureDetails, httpFailure, type FailureSubject } from '../errors.js';
import { callProvider, isSuccess, joinUrl, replyJson } from './http.js';
import { isHttpUrl, levelText, pagedText, runbookUrl, truncate } from './render.js';
import type { NotificationProvider, SendContext, SendResult } from './types.js';

/**
 * PagerDuty Events API v2: `POST /v2/enqueue`, one event per notification.
 *
 * `dedup_key` is the incident's workflow id, so every page, repeat and retry of one incident lands
 * on one PagerDuty alert (PagerDuty drops the duplicates), and acknowledging or resolving the
 * incident here acknowledges or resolves it there: `update` deliveries send `acknowledge` for
 * acknowledged, `resolve` for resolved and cancelled, a fresh `trigger` for reopened.
 *
 * The routing key (integration key) is the target's own, else `providers.pagerduty.routingKey`.
 * It is a credential: it never appears in a failure message. 202 means accepted; 400 is a bad
 * event (not retried); 429 and 5xx retry, honouring Retry-After.
 */

export type PagerDutySettings = NonNullable<Providers['pagerduty']>;

export const PAGERDUTY_DEFAULT_BASE_URL = 'https://events.pagerduty.com';

/** PagerDuty has four severities; debug pages as info. */
export const PAGERDUTY_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  error: 'error',
  warning: 'warning',
  info: 'info',
  debug: 'info',
};

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';

export function pagerDutyAction(request: DeliveryRequest): PagerDutyAction {
  if (request.kind !== 'update') return 'trigger';
  const event: AnnouncedEvent = request.event ?? 'resolved';
  switch (event) {
    case 'acknowledged':
      return 'acknowledge';
    case 'resolved':
    case 'cancelled':
      return 'resolve';
    case 'reopened':
      return 'trigger';
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

export interface PagerDutyProviderOptions {
  settings: PagerDutySettings;
  userAgent: string;
  now?: () => number;
}

/** Wire type: the event PagerDuty receives. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
  links?: { href: string; text: string }[];
}

export function createPagerDutyProvider(options: PagerDutyProviderOptions): NotificationProvider {
  const { settings, userAgent } = options;
  const now = options.now ?? Date.now;
  const url = joinUrl(settings.baseUrl ?? PAGERDUTY_DEFAULT_BASE_URL, '/v2/enqueue');
  return {
    channel: 'pagerduty',
    async send(request: DeliveryRequest, ctx: SendContext): Promise<SendResult> {
      const subject: FailureSubject = {
        channel: 'pagerduty',
        workflowId: request.incident.workflowId,
        destination: `PagerDuty Events API (${url})`,
        attempt: ctx.attempt,
      };
      const routingKey =
        request.delivery.address !== 'default' && request.delivery.address !== '' ? request.delivery.address : settings.routingKey;
      if (!routingKey) {
        throw ApplicationFailure.create({
          type: DELIVERY_FAILURE.notConfigured,
          nonRetryable: true,
          message: `cannot page ${request.incident.workflowId} on PagerDuty: the pagerduty target has no routingKey and providers.pagerduty.routingKey is not set; set one of them (e.g. routingKey: "\${PD_ROUTING_KEY}") in escalation.yaml.`,
          details: failureDetails(subject),
        });
      }
      const event = pagerDutyEvent(request, routingKey, now());
      const reply = await callProvider(
        {
          url,
          headers: { 'content-type': 'application/json', 'user-agent': userAgent },
          body: JSON.stringify(event),
          timeoutMs: settings.timeout,
          timeoutSetting: 'providers.pagerduty.timeout',
          subject,
        },
        ctx,
      );
      if (isSuccess(reply)) {
        const answer = replyJson<{ dedup_key?: string }>(reply);
        return { providerMessageId: answer?.dedup_key ?? event.dedup_key };
      }
      // PagerDuty does not echo keys, but a proxy might: keep the credential out of logs and the record.
      const body = reply.text.split(routingKey).join('<routing key>');
      throw httpFailure(
        subject,
        { status: reply.status, ...(reply.retryAfter ? { retryAfter: reply.retryAfter } : {}), ...(body ? { body } : {}) },
        {
          now: now(),
          rejectedHint:
            reply.status === 400
              ? 'PagerDuty refused the event as invalid; check the routing key (an Events API v2 integration key) of this target or providers.pagerduty.routingKey'
              : 'check the routing key and providers.pagerduty.baseUrl in escalation.yaml',
        },
      );
    },
  };
}

export function pagerDutyEvent(request: DeliveryRequest, routingKey: string, sentAt: number): PagerDutyEvent {
  const { incident } = request;
  const action = pagerDutyAction(request);
  const event: PagerDutyEvent = { routing_key: routingKey, event_action: action, dedup_key: incident.workflowId };
  // acknowledge and resolve carry the key alone; a trigger (page, repeat, reopen) the whole alert.
  if (action !== 'trigger') return event;
  const runbook = runbookUrl(incident);
  const links = [
    ...(request.uiUrl ? [{ href: request.uiUrl, text: 'Incident in Temporal Web UI' }] : []),
    ...(runbook ? [{ href: runbook, text: 'Runbook' }] : []),
    ...incident.links.filter((l) => l.href !== runbook && isHttpUrl(l.href)).map((l) => ({ href: l.href, text: l.text ?? l.href })),
  ];
  return {
    ...event,
    payload: {
      summary: truncate(incident.summary, 1024),
      source: incident.source ?? incident.service ?? 'escalation-engine',
      severity: PAGERDUTY_SEVERITY[incident.severity],
      timestamp: new Date(sentAt).toISOString(),
      ...(incident.service !== undefined && { component: incident.service }),
      ...(incident.labels['group'] !== undefined && { group: incident.labels['group'] }),
      ...(incident.labels['alertname'] !== undefined && { class: incident.labels['alertname'] }),
      custom_details: {
        workflowId: incident.workflowId,
        policy: incident.policy,
        level: levelText(request),
        paged: pagedText(request),
        state: incident.state,
        occurrences: incident.occurrences,
        labels: incident.labels,
        ...(incident.details !== undefined && { details: incident.details }),
      },
    },
    client: 'escalation-engine',
    ...(request.uiUrl !== undefined && { client_url: request.uiUrl }),
    ...(links.length > 0 && { links }),
  };
}
