import { createHmac, timingSafeEqual } from 'node:crypto';
import { request as httpRequest } from 'undici';
import type { AnnouncedEvent, DeliveryRequest, IncidentSnapshot } from '../../domain/delivery.js';
import type { Providers } from '../../domain/config.js';
import { httpFailure, transportFailure, type FailureSubject } from '../errors.js';
import { readCapped } from './http.js';
import type { NotificationProvider, SendContext } from './types.js';

/**
 * The generic webhook: one JSON POST per notification to the target's URL.
 *
 * Headers: `Content-Type: application/json`, `Idempotency-Key` (the same on every retry of one
 * notification: receivers drop repeats by it), `User-Agent: escalation-engine/<version>`,
 * `X-Escalation-Event` (`incident.page` or `incident.repeat`), then `providers.webhook.headers`
 * (for an `Authorization` header, say; they cannot replace the headers above).
 *
 * Signature, when `providers.webhook.secret` is set (the scheme Stripe and Slack use):
 *   X-Escalation-Timestamp: <unix seconds when sent>
 *   X-Escalation-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * A receiver recomputes the HMAC over the raw bytes it received (before parsing the JSON), compares
 * in constant time and refuses timestamps far from its clock, so a captured request cannot be
 * replayed later: `verifyWebhookSignature` below does all three. Every retry is signed afresh.
 *
 * Any 2xx means delivered; redirects are not followed.
 */

export type WebhookSettings = NonNullable<Providers['webhook']>;

/** The JSON body a receiver gets. Wire type: kept apart from the domain so either can change. */
export interface WebhookPayload {
  event: WebhookEvent;
  idempotencyKey: string;
  incident: IncidentSnapshot;
  /** 1-based, as the record and the UI show it. */
  level: number;
  repeat: number;
  target: string;
  recipient?: string;
  uiUrl?: string;
  /** The recipient's signed one-click page, when responders.links is on and the target is a user. */
  actUrl?: string;
  sentAt: string;
}

export const WEBHOOK_HEADERS = {
  event: 'x-escalation-event',
  timestamp: 'x-escalation-timestamp',
  signature: 'x-escalation-signature',
  idempotencyKey: 'idempotency-key',
} as const;

export interface WebhookProviderOptions {
  settings: WebhookSettings;
  /** `escalation-engine/<version>`. */
  userAgent: string;
  now?: () => number;
}

/** Longest piece of a refusing receiver's body quoted in the failure message. */
const BODY_EXCERPT_BYTES = 512;

export function createWebhookProvider(options: WebhookProviderOptions): NotificationProvider {
  const { settings, userAgent } = options;
  const now = options.now ?? Date.now;
  return {
    channel: 'webhook',
    async send(request: DeliveryRequest, ctx: SendContext) {
      const url = request.delivery.address;
      const sentAt = now();
      const body = JSON.stringify(webhookPayload(request, sentAt));
      const headers = webhookHeaders(request, body, sentAt, settings, userAgent);
      const subject: FailureSubject = {
        channel: 'webhook',
        workflowId: request.incident.workflowId,
        destination: displayUrl(url),
        attempt: ctx.attempt,
      };

      // Our own limit, so a hung receiver costs one attempt, not the activity's whole timeout;
      // 0 leaves only the activity's start-to-close timeout.
      const timeout = settings.timeout > 0 ? AbortSignal.timeout(settings.timeout) : undefined;
      const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
      let answer: { status: number; retryAfter?: string; excerpt?: string };
      try {
        const response = await httpRequest(url, { method: 'POST', headers, body, signal });
        if (response.statusCode >= 200 && response.statusCode < 300) {
          await response.body.dump();
          return {};
        }
        const retryAfter = response.headers['retry-after'];
        answer = {
          status: response.statusCode,
          ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
          excerpt: await readExcerpt(response.body),
        };
      } catch (error) {
        // A cancelled activity must end as cancelled, not as a provider failure.
        if (ctx.signal.aborted) throw ctx.signal.reason ?? error;
        if (timeout?.aborted) {
          throw transportFailure(subject, error, { timedOutAfterMs: settings.timeout, timeoutSetting: 'providers.webhook.timeout' });
        }
        throw transportFailure(subject, error);
      }
      throw httpFailure(
        subject,
        {
          status: answer.status,
          ...(answer.retryAfter ? { retryAfter: answer.retryAfter } : {}),
          ...(answer.excerpt ? { body: answer.excerpt } : {}),
        },
        { now: now(), rejectedHint: rejectedHint(answer.status, settings) },
      );
    },
  };
}

export function webhookPayload(request: DeliveryRequest, sentAt: number): WebhookPayload {
  return {
    event: webhookEvent(request),
    idempotencyKey: request.idempotencyKey,
    incident: request.incident,
    level: request.level + 1,
    repeat: request.repeat,
    target: request.delivery.target,
    ...(request.delivery.recipient !== undefined ? { recipient: request.delivery.recipient } : {}),
    ...(request.uiUrl !== undefined ? { uiUrl: request.uiUrl } : {}),
    ...(request.actUrl !== undefined ? { actUrl: request.actUrl } : {}),
    sentAt: new Date(sentAt).toISOString(),
  };
}

function webhookHeaders(
  request: DeliveryRequest,
  body: string,
  sentAt: number,
  settings: WebhookSettings,
  userAgent: string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.headers ?? {})) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  headers['user-agent'] = userAgent;
  headers[WEBHOOK_HEADERS.idempotencyKey] = request.idempotencyKey;
  headers[WEBHOOK_HEADERS.event] = webhookEvent(request);
  if (settings.secret) {
    const timestamp = String(Math.floor(sentAt / 1000));
    headers[WEBHOOK_HEADERS.timestamp] = timestamp;
    headers[WEBHOOK_HEADERS.signature] = signWebhookBody(settings.secret, timestamp, body);
  }
  return headers;
}

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: the X-Escalation-Signature value. */
export function signWebhookBody(secret: string, timestamp: string | number, body: string | Uint8Array): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(body);
  return `sha256=${hmac.digest('hex')}`;
}

export interface VerifyOptions {
  /** The receiver's clock, epoch ms (default: now). */
  now?: number;
  /** Refuse timestamps further than this from `now` (default 300 s; `Infinity` turns it off). */
  toleranceSeconds?: number;
}

/**
 * For receivers: true when `signature` (the X-Escalation-Signature header) signs `body` (the raw
 * request body, unparsed) at `timestamp` (the X-Escalation-Timestamp header) with `secret`, and the
 * timestamp is recent. Compares in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string | Uint8Array,
  signature: string | undefined,
  options: VerifyOptions = {},
): boolean {
  if (timestamp === undefined || signature === undefined) return false;
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(String(timestamp).trim()) || !Number.isSafeInteger(seconds)) return false;
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = (options.now ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - seconds) > tolerance) return false;
  const expected = Buffer.from(signWebhookBody(secret, String(timestamp).trim(), body));
  const given = Buffer.from(signature.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function rejectedHint(status: number, settings: WebhookSettings): string {
  if (status === 401 || status === 403) {
    return settings.secret
      ? "check the receiver's credentials in providers.webhook.headers and that it knows providers.webhook.secret"
      : 'the receiver wants credentials: set providers.webhook.headers (or secret) in escalation.yaml';
  }
  if (status === 404 || status === 405 || status === 410) return 'check the url of this webhook target in escalation.yaml';
  return "the receiver refused the payload; check the receiver's logs and the webhook target in escalation.yaml";
}

/** The URL without credentials or query string, which often carry tokens: messages end up in logs. */
function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return raw;
  }
}

async function readExcerpt(body: AsyncIterable<Uint8Array> & { destroy(): unknown }): Promise<string | undefined> {
  const text = (await readCapped(body, BODY_EXCERPT_BYTES)).trim();
  return text === '' ? undefined : text;
}

/** `incident.page`, `incident.repeat`, then `incident.acknowledged`, `.resolved`, `.cancelled`, `.reopened`. */
export type WebhookEvent = 'incident.page' | 'incident.repeat' | `incident.${AnnouncedEvent}`;

export function webhookEvent(request: DeliveryRequest): WebhookEvent {
  if (request.kind === 'update') return `incident.${request.event ?? 'resolved'}`;
  return request.kind === 'repeat' ? 'incident.repeat' : 'incident.page';
}
