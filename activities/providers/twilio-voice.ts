import type { DeliveryRequest } from '../../domain/delivery.js';
import { statusCallbackUrl, twilioPoster, type TwilioProviderOptions } from './twilio.js';
import type { NotificationProvider, SendContext, SendResult } from './types.js';

/**
 * Voice calls through Twilio's Calls API: `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`,
 * form-encoded `To`, `From`, `Url` (where Twilio fetches the call's TwiML), `StatusCallback` (the
 * call's final status), HTTP basic auth. 201 means queued; the result's id is the call SID (`CA...`).
 *
 * The call's words come from our API, not from here: Twilio posts to
 * `/v1/integrations/twilio/voice?incident=...&user=...` when the callee picks up, and the API reads
 * the incident as it is then (severity, summary, service) and gathers one digit: 1 acknowledge,
 * 2 escalate, 3 resolve. So a call answered after the incident moved says where it stands now.
 *
 * Severity floor and errors as the SMS provider (same `providers.twilio` section): a call wakes
 * people too, so it follows `providers.twilio.minSeverity` unless the contact sets its own.
 */
export function createTwilioVoiceProvider(options: TwilioProviderOptions & { publicUrl: string }): NotificationProvider {
  const { settings, publicUrl } = options;
  const post = twilioPoster(options, 'Calls.json');
  return {
    channel: 'voice',
    minSeverity: settings.minSeverity,
    async send(request: DeliveryRequest, ctx: SendContext): Promise<SendResult> {
      const form = new URLSearchParams({
        To: request.delivery.address,
        From: settings.from,
        Url: voiceTwimlUrl(publicUrl, request),
        Method: 'POST',
        StatusCallback: statusCallbackUrl(publicUrl, request),
        StatusCallbackMethod: 'POST',
        // Ring long enough to wake someone, short of most voicemail pickups.
        Timeout: '30',
      });
      return post(request, form, ctx, 'call');
    },
  };
}

/** Where Twilio fetches the call's TwiML; the query is covered by Twilio's signature. */
export function voiceTwimlUrl(publicUrl: string, request: DeliveryRequest): string {
  const query = new URLSearchParams({
    incident: request.incident.workflowId,
    ...(request.delivery.recipient !== undefined ? { user: request.delivery.recipient } : {}),
  });
  return `${publicUrl.replace(/\/+$/, '')}/v1/integrations/twilio/voice?${query.toString()}`;
}
