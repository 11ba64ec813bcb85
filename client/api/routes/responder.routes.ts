import { createRoute, z } from '@hono/zod-openapi';

/** Answering from the page itself: one-click links and Twilio's webhooks (issue 13). */

const html = (description: string) => ({ content: { 'text/html': { schema: z.string() } }, description });
const twiml = (description: string) => ({ content: { 'text/xml': { schema: z.string() } }, description });

const Token = z.object({
  token: z
    .string()
    .min(1)
    .max(2048)
    .openapi({ param: { name: 'token', in: 'path' }, description: 'the signed token of the link' }),
});

export const actPage = createRoute({
  method: 'get',
  path: '/v1/act/{token}',
  tags: ['responders'],
  summary: 'One-click page of a paged responder: the incident, its timeline, Acknowledge / Escalate / Resolve',
  description:
    'The token (in email, SMS and webhook pages when responders.links is on) is an HMAC over incident, user and expiry; it is the only credential.',
  request: { params: Token },
  responses: {
    200: html('the incident and its buttons'),
    403: html('the link was changed or is not one this engine made; nothing was read'),
    404: html('the incident does not exist'),
    410: html('the link expired'),
    503: html('no escalation worker answered in time'),
  },
});

export const act = createRoute({
  method: 'post',
  path: '/v1/act/{token}',
  tags: ['responders'],
  summary: 'A button of the one-click page: acts as the linked user through the usual answer path',
  request: {
    params: Token,
    body: {
      content: { 'application/x-www-form-urlencoded': { schema: z.object({ action: z.string().default('') }) } },
      required: true,
    },
  },
  responses: {
    200: html('done: the page shows the incident as it is now'),
    400: html('the button named no known action; nothing changed'),
    403: html('the link was changed or is not one this engine made; nothing changed'),
    404: html('the incident does not exist'),
    409: html('the incident refused the move (already resolved, nothing left to escalate to); nothing changed'),
    410: html('the link expired; nothing changed'),
    503: html('no escalation worker answered in time; the answer may still take effect'),
  },
});

const signed = {
  description:
    'Signed by Twilio: X-Twilio-Signature, base64 HMAC-SHA1 with the account auth token over the public URL (ESCALATION_PUBLIC_URL + path + query) and the POST parameters sorted by name.',
};
const TwilioForm = z.record(z.string(), z.string());
const form = { content: { 'application/x-www-form-urlencoded': { schema: TwilioForm } }, required: true };
const refusals = {
  403: twiml('missing or wrong X-Twilio-Signature; nothing was read'),
  503: twiml('providers.twilio is not configured on this API'),
};

export const smsReply = createRoute({
  method: 'post',
  path: '/v1/integrations/twilio/sms',
  tags: ['responders'],
  summary: 'Twilio inbound SMS: a reply such as "1 #k7q" acknowledges (2 resolves, 3 escalates) as the sender',
  ...signed,
  request: { body: form },
  responses: { 200: twiml('TwiML <Message> saying what happened, or why nothing did'), ...refusals },
});

const CallQuery = z.object({ incident: z.string().min(1).max(300), user: z.string().max(200).optional() });

export const voice = createRoute({
  method: 'post',
  path: '/v1/integrations/twilio/voice',
  tags: ['responders'],
  summary: "A voice page's TwiML: reads severity, summary and service, gathers one digit (1 ack, 2 escalate, 3 resolve)",
  ...signed,
  request: { query: CallQuery, body: form },
  responses: { 200: twiml('TwiML <Gather numDigits="1"> with <Say>'), ...refusals },
});

export const voiceAnswer = createRoute({
  method: 'post',
  path: '/v1/integrations/twilio/voice/answer',
  tags: ['responders'],
  summary: 'The digit pressed on a voice page: acts as the called user and says what happened',
  ...signed,
  request: { query: CallQuery, body: form },
  responses: { 200: twiml('TwiML <Say> confirming the answer, or why nothing changed'), ...refusals },
});

export const status = createRoute({
  method: 'post',
  path: '/v1/integrations/twilio/status',
  tags: ['responders'],
  summary: "Twilio's status callback for a text or call page: delivered, undelivered or failed goes on the incident's timeline",
  ...signed,
  request: {
    query: z.object({
      incident: z.string().min(1).max(300),
      key: z.string().min(1).max(500),
      channel: z.enum(['sms', 'voice']),
      user: z.string().max(200).optional(),
    }),
    body: form,
  },
  responses: { 204: { description: 'recorded (or an interim status, nothing to record)' }, ...refusals },
});
