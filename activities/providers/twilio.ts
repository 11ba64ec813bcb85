import type { Providers } from '../../domain/config.js';
import type { DeliveryRequest } from '../../domain/delivery.js';
import { replyCode, smsReplyHint } from '../../domain/responder.js';
import { httpFailure, providerRejected, type FailureSubject } from '../errors.js';
import { callProvider, isSuccess, joinUrl, replyJson } from './http.js';
import type { NotificationProvider, SendContext, SendResult } from './types.js';

/**
 * SMS through Twilio's Messages API: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * form-encoded `To`, `From`, `Body`, HTTP basic auth `AccountSid:AuthToken`. 201 means queued; the
 * result's id is the message SID (`SM...`).
 *
 * The page is one SMS segment: at most 160 characters of plain ASCII (a single non-GSM character
 * would make it a 70-character UCS-2 segment), ending with how to answer by reply, e.g.
 * `CRITICAL: primary database is down [db-down] L1 Reply 1 ack, 2 resolve, 3 escalate #k7q`.
 * With responders.links on, the recipient's one-click link follows on a line of its own (a second
 * segment). With a public URL, `StatusCallback` asks Twilio for delivery receipts
 * (`POST /v1/integrations/twilio/status`).
 *
 * Severity floor: texts wake people, so by default only error and critical incidents send them
 * (`providers.twilio.minSeverity`). A contact's or phone target's own `minSeverity` overrides it.
 * The provider declares the floor; the `deliver` activity applies it and records the delivery as
 * `skipped` with the reason, not as a failure (see activities/index.ts).
 *
 * Twilio answers errors as JSON `{code, message, more_info, status}`: 400 (bad number, unverified
 * trial recipient), 401 (credentials) and 404 (account) are not retried; 429 and 5xx are. Twilio's
 * Messages API has no idempotency key: a retry after a timeout may text twice, which beats not at all.
 */

export type TwilioSettings = NonNullable<Providers['twilio']>;

export const TWILIO_DEFAULT_BASE_URL = 'https://api.twilio.com';
export const SMS_MAX_LENGTH = 160;

export interface TwilioProviderOptions {
  settings: TwilioSettings;
  userAgent: string;
  now?: () => number;
  /** The API's public URL: where Twilio posts delivery receipts. Without it, none are asked for. */
  publicUrl?: string;
}

interface TwilioError {
  code?: number;
  message?: string;
  more_info?: string;
}

export function createTwilioProvider(options: TwilioProviderOptions): NotificationProvider {
  const { settings } = options;
  const post = twilioPoster(options, 'Messages.json');
  return {
    channel: 'sms',
    minSeverity: settings.minSeverity,
    async send(request: DeliveryRequest, ctx: SendContext): Promise<SendResult> {
      const form = new URLSearchParams({ To: request.delivery.address, From: settings.from, Body: smsBody(request) });
      if (options.publicUrl) form.set('StatusCallback', statusCallbackUrl(options.publicUrl, request));
      return post(request, form, ctx, 'SMS');
    },
  };
}

/**
 * One form-encoded POST to a Twilio account resource (Messages.json, Calls.json) with basic auth,
 * every failure classified: 429/5xx/408 retry, anything else is refused with a hint for the fix.
 */
export function twilioPoster(options: TwilioProviderOptions, resource: 'Messages.json' | 'Calls.json') {
  const { settings, userAgent } = options;
  const now = options.now ?? Date.now;
  const url = joinUrl(
    settings.baseUrl ?? TWILIO_DEFAULT_BASE_URL,
    `/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/${resource}`,
  );
  const authorization = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;
  return async (request: DeliveryRequest, form: URLSearchParams, ctx: SendContext, what: 'SMS' | 'call'): Promise<SendResult> => {
    const to = request.delivery.address;
    const subject: FailureSubject = {
      channel: request.delivery.channel,
      workflowId: request.incident.workflowId,
      destination: `Twilio (${what} to ${to})`,
      attempt: ctx.attempt,
    };
    const reply = await callProvider(
      {
        url,
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'user-agent': userAgent,
        },
        body: form.toString(),
        timeoutMs: settings.timeout,
        timeoutSetting: 'providers.twilio.timeout',
        subject,
      },
      ctx,
    );
    const answer = replyJson<TwilioError & { sid?: string }>(reply);
    if (isSuccess(reply)) return answer?.sid ? { providerMessageId: answer.sid } : {};
    if (reply.status === 429 || reply.status >= 500 || reply.status === 408) {
      throw httpFailure(
        subject,
        {
          status: reply.status,
          ...(reply.retryAfter ? { retryAfter: reply.retryAfter } : {}),
          ...(reply.text ? { body: reply.text } : {}),
        },
        { now: now() },
      );
    }
    const said = answer?.message
      ? `${answer.message}${answer.code !== undefined ? ` (Twilio error ${answer.code})` : ''}`
      : `HTTP ${reply.status}`;
    throw providerRejected(
      subject,
      `Twilio refused the ${what} for ${request.incident.workflowId} to ${to}: ${said}; ${twilioHint(reply.status, answer?.code)}.`,
      reply.status,
    );
  };
}

function twilioHint(status: number, code: number | undefined): string {
  if (status === 401 || code === 20003) return 'check providers.twilio.accountSid and authToken (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)';
  if (status === 404 || code === 20404) return 'check providers.twilio.accountSid: Twilio does not know this account';
  if (code === 21211 || code === 21614) return 'check the phone number in escalation.yaml (E.164, such as +15551234567)';
  if (code === 21608) return 'a Twilio trial account texts verified numbers only; verify this number or upgrade the account';
  if (code === 21606 || code === 21212) return 'providers.twilio.from is not a number this account can send from';
  return 'check providers.twilio and the phone number in escalation.yaml';
}

/**
 * Where Twilio posts this message's or call's status: signed by Twilio over the whole URL, so the
 * incident and the notification's idempotency key in the query cannot be changed on the way.
 */
export function statusCallbackUrl(publicUrl: string, request: DeliveryRequest): string {
  const query = new URLSearchParams({
    incident: request.incident.workflowId,
    key: request.idempotencyKey,
    channel: request.delivery.channel,
    ...(request.delivery.recipient !== undefined ? { user: request.delivery.recipient } : {}),
  });
  return `${publicUrl.replace(/\/+$/, '')}/v1/integrations/twilio/status?${query.toString()}`;
}

/** One SMS segment (severity, summary, short id, level, how to reply), then the one-click link if any. */
export function smsBody(request: DeliveryRequest): string {
  const page = smsSegment(request);
  return request.actUrl ? `${page}\n${request.actUrl}` : page;
}

function smsSegment(request: DeliveryRequest): string {
  const { incident } = request;
  const shortId = incident.key.length > 16 ? `${incident.key.slice(0, 15)}~` : incident.key;
  const tail = ` [${shortId}] L${request.level + 1}${request.repeat > 0 ? ` R${request.repeat}` : ''} ${smsReplyHint(replyCode(incident.workflowId))}`;
  const head = `${incident.severity.toUpperCase()}: `;
  const room = SMS_MAX_LENGTH - head.length - tail.length;
  const summary = ascii(incident.summary);
  const fitted = summary.length <= room ? summary : `${summary.slice(0, Math.max(0, room - 3))}...`;
  return `${head}${fitted}${tail}`.slice(0, SMS_MAX_LENGTH);
}

/** Plain ASCII: accents dropped, anything else as `?`, so the text stays a 160-character GSM segment. */
function ascii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, (ch) => (/\s/.test(ch) ? ' ' : '?'));
}
