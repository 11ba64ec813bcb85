import type { RouteHandler } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { User } from '../../../domain/config.js';
import { isTerminal } from '../../../domain/incident.js';
import { escapeXml, parseSmsReply, publicUrlOf, twilioReceipt, VOICE_DIGITS, type ResponderAction } from '../../../domain/responder.js';
import { isTwilioSignatureValid } from '../../../runtime/responder.js';
import { IncidentMoveRefusedError, IncidentNotFoundError, WorkerUnavailableError } from '../../incidents.js';
import { openIncidentsByCode } from '../../visibility.js';
import { runMove, type ApiDeps } from '../deps.js';
import type { ApiEnv } from '../env.js';
import type * as routes from './responder.routes.js';

const PAST: Record<ResponderAction, string> = { acknowledge: 'Acknowledged', escalate: 'Escalated', resolve: 'Resolved' };
const twiml = (c: Context<ApiEnv>, inner: string) =>
  c.body(`<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`, 200, { 'content-type': 'text/xml; charset=utf-8' });
const message = (c: Context<ApiEnv>, text: string) => twiml(c, `<Message>${escapeXml(text)}</Message>`);
const say = (text: string) => `<Say>${escapeXml(text)}</Say>`;

/**
 * Refuses anything Twilio did not sign before acting on it: X-Twilio-Signature over the public URL
 * (ESCALATION_PUBLIC_URL + path + query, as Twilio called it) and the sorted POST parameters, keyed
 * with providers.twilio.authToken. A forged or replayed-elsewhere request changes nothing.
 */
export function verifyTwilio(deps: ApiDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const authToken = deps.config.providers.twilio?.authToken;
    if (!authToken) return c.text('Twilio is not configured on this API: set providers.twilio in escalation.yaml', 503);
    const requested = new URL(c.req.url);
    const url = publicUrlOf(deps.responder.publicUrl, `${requested.pathname}${requested.search}`);
    const params = Object.fromEntries(new URLSearchParams(await c.req.text())); // cached for the form validator
    if (!isTwilioSignatureValid(authToken, c.req.header('x-twilio-signature'), url, params)) {
      deps.logger.warn(
        { url, from: params['From'] },
        'Twilio webhook refused: X-Twilio-Signature does not match; check ESCALATION_PUBLIC_URL',
      );
      return c.text(`not signed by Twilio for ${url}; nothing changed`, 403);
    }
    return next();
  };
}

/** The directory user owning this phone number (an sms or voice contact), compared digits only. */
function userByPhone(users: readonly User[], phone: string | undefined): User | undefined {
  const digits = (text: string) => text.replace(/[^\d+]/g, '');
  if (!phone) return undefined;
  return users.find((u) => u.contacts.some((c) => (c.channel === 'sms' || c.channel === 'voice') && digits(c.address) === digits(phone)));
}

export function twilioHandlers(deps: ApiDeps) {
  /** One answer as a directory user; the sentence says what happened or why nothing did. */
  const answer = async (action: ResponderAction, workflowId: string, user: string, how: string): Promise<string> => {
    try {
      const record = await runMove(deps, action, workflowId, user, how);
      deps.logger.info({ incident: workflowId, user, action }, `answered ${how}`);
      return `${PAST[action]} ${record.workflowId} as ${user}: now ${record.state}${action === 'escalate' ? `, level ${record.level}` : ''}.`;
    } catch (error) {
      if (error instanceof IncidentMoveRefusedError || error instanceof IncidentNotFoundError) return `Nothing changed: ${error.message}.`;
      if (error instanceof WorkerUnavailableError)
        return `Not confirmed: no escalation worker answered in time; it may still take effect. Check ${workflowId} before answering again.`;
      throw error;
    }
  };

  const smsReply: RouteHandler<typeof routes.smsReply, ApiEnv> = async (c) => {
    const form = c.req.valid('form');
    const user = userByPhone(deps.config.directory.users, form['From']);
    if (!user)
      return message(c, `Nothing changed: ${form['From'] ?? 'this number'} is not a phone contact of anyone in the escalation directory.`);
    const reply = parseSmsReply(form['Body'] ?? '');
    if (!reply.ok) return message(c, `Nothing changed: ${reply.reason}.`);
    const open = await openIncidentsByCode(deps.scope, reply.code);
    if (open.length === 0) return message(c, `Nothing changed: no open incident has code #${reply.code} (resolved already, or mistyped).`);
    if (open.length > 1)
      return message(
        c,
        `Nothing changed: #${reply.code} names ${open.length} open incidents (${open.map((i) => i.key).join(', ')}); answer from the link or Slack.`,
      );
    const incident = open[0]?.workflowId ?? '';
    return message(c, await answer(reply.action, incident, user.id, 'by SMS reply'));
  };

  /** The user a call page acts as: the one it was placed for, else the owner of the called number. */
  const caller = (query: { user?: string | undefined }, form: Record<string, string>): string | undefined => {
    const byId = query.user !== undefined ? deps.config.directory.users.find((u) => u.id === query.user) : undefined;
    return (byId ?? userByPhone(deps.config.directory.users, form['To']))?.id;
  };

  const voice: RouteHandler<typeof routes.voice, ApiEnv> = async (c) => {
    const query = c.req.valid('query');
    let record;
    try {
      record = await deps.incidents.getIncident(query.incident);
    } catch (error) {
      if (error instanceof IncidentNotFoundError || error instanceof WorkerUnavailableError)
        return twiml(
          c,
          say(`This is the escalation engine. Incident ${query.incident} cannot be read right now. Please check Slack. Goodbye.`),
        );
      throw error;
    }
    const about = `${record.severity} incident${record.service ? ` on ${record.service}` : ''}: ${record.summary}.`;
    if (isTerminal(record.state) || record.state === 'ACKNOWLEDGED')
      return twiml(c, say(`This is the escalation engine. The ${about} It is already ${record.state.toLowerCase()}. Goodbye.`));
    const action = publicUrlOf(deps.responder.publicUrl, `/v1/integrations/twilio/voice/answer${new URL(c.req.url).search}`);
    return twiml(
      c,
      `<Gather numDigits="1" timeout="10" method="POST" action="${escapeXml(action)}">` +
        say(`This is the escalation engine. ${about} Press 1 to acknowledge. Press 2 to escalate. Press 3 to resolve.`) +
        `</Gather>${say('No key was pressed. Nothing changed. Goodbye.')}`,
    );
  };

  const voiceAnswer: RouteHandler<typeof routes.voiceAnswer, ApiEnv> = async (c) => {
    const query = c.req.valid('query');
    const form = c.req.valid('form');
    const action = VOICE_DIGITS[form['Digits'] ?? ''];
    if (!action) return twiml(c, say(`Key ${form['Digits'] ?? 'none'} means nothing here. Nothing changed. Goodbye.`));
    const user = caller(query, form);
    if (!user) return twiml(c, say('This phone is not in the escalation directory. Nothing changed. Goodbye.'));
    return twiml(c, say(`${await answer(action, query.incident, user, 'by phone keypad')} Goodbye.`));
  };

  /**
   * A text's or call's final status goes on its notification (`receipt`) and the timeline through
   * the workflow's recordDeliveryReceipt update. Interim statuses (queued, sent, ringing) are
   * acknowledged and dropped. A closed incident takes no more: the receipt stays in the log.
   */
  const status: RouteHandler<typeof routes.status, ApiEnv> = async (c) => {
    const query = c.req.valid('query');
    const form = c.req.valid('form');
    const said = form['MessageStatus'] ?? form['CallStatus'] ?? '';
    const receipt = twilioReceipt(said);
    if (!receipt) return c.body(null, 204);
    const detail = `Twilio says ${said}${form['ErrorCode'] ? ` (Twilio error ${form['ErrorCode']})` : ''}`;
    const context = { incident: query.incident, key: query.key, channel: query.channel, to: form['To'], receipt };
    (receipt === 'delivered' ? deps.logger.info : deps.logger.warn).call(deps.logger, context, `delivery receipt: ${detail}`);
    try {
      await deps.incidents.recordReceipt(query.incident, { by: 'twilio', idempotencyKey: query.key, receipt, detail });
    } catch (e) {
      if (!(e instanceof IncidentMoveRefusedError || e instanceof IncidentNotFoundError || e instanceof WorkerUnavailableError)) throw e;
      deps.logger.info({ ...context, reason: e.message }, 'delivery receipt not recorded on the incident');
    }
    return c.body(null, 204);
  };

  return { smsReply, voice, voiceAnswer, status };
}
