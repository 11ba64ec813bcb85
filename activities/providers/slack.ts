import { SLACK_ACTION_IDS, SLACK_ACTIONS_BLOCK_ID, SLACK_STATUS_ACTION_IDS } from '../../domain/chat-actions.js';
import { WORKING_STATUSES } from '../../domain/working-status.js';
import type { Providers } from '../../domain/config.js';
import type { DeliveryRequest, IncidentSnapshot } from '../../domain/delivery.js';
import { httpFailure, parseRetryAfter, providerRejected, providerUnavailable, type FailureSubject } from '../errors.js';
import { callProvider, isSuccess, joinUrl, replyJson, type ProviderReply } from './http.js';
import { eventSentence, isClosedEvent, levelText, pagedText, runbookUrl, SEVERITY_COLOR, SEVERITY_EMOJI, truncate } from './render.js';
import type { NotificationProvider, SendContext, SendResult } from './types.js';

/**
 * Slack through the Web API with a bot token (scope `chat:write`).
 *
 * A page is `chat.postMessage` to the delivery's address: a channel id (`C0123456789`, or a name
 * such as `#alerts` the bot is in) for `channel` targets, a user's Slack id (`U012AB3CD`) from the
 * directory for people, which Slack delivers as a direct message from the app. The message is a
 * Block Kit attachment coloured by severity (summary, service, level, who is paged, links to the
 * Temporal Web UI and the runbook) with three buttons. The result's providerMessageId is
 * `<channel>:<ts>` as Slack answered it (a DM's `D...` channel), so an `update` delivery can
 * `chat.update` that same message: state, who acknowledged or resolved, and no buttons once closed.
 *
 * Buttons (for the HTTP API's `POST /v1/chat/slack/interactions`): each is a `button` element with
 * `action_id` one of SLACK_ACTION_IDS and `value` the incident's workflow id (`incident-db-down`),
 * in an `actions` block whose `block_id` is `incident_actions`. `slackActionOperation` maps an
 * action_id back to the operation.
 *
 * Slack answers most errors with HTTP 200 and `{"ok": false, "error": "<code>"}`: `ratelimited`
 * and Slack's own trouble retry, everything else (channel_not_found, invalid_auth, not_in_channel)
 * is refused for good with a message saying what to fix. HTTP 429 honours Retry-After; 5xx retry.
 */

export type SlackSettings = NonNullable<Providers['slack']>;

export const SLACK_DEFAULT_BASE_URL = 'https://slack.com/api';

export { SLACK_ACTION_IDS, SLACK_ACTIONS_BLOCK_ID, slackActionOperation, type SlackActionId } from '../../domain/chat-actions.js';

export interface SlackProviderOptions {
  settings: SlackSettings;
  userAgent: string;
  now?: () => number;
}

/** Slack's `ok: false` codes that mean "try again later". */
const RETRYABLE_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export function createSlackProvider(options: SlackProviderOptions): NotificationProvider {
  const { settings, userAgent } = options;
  const now = options.now ?? Date.now;
  const base = settings.baseUrl ?? SLACK_DEFAULT_BASE_URL;

  async function call(method: 'chat.postMessage' | 'chat.update', body: object, subject: FailureSubject, ctx: SendContext) {
    const reply = await callProvider(
      {
        url: joinUrl(base, `/${method}`),
        headers: { authorization: `Bearer ${settings.token}`, 'content-type': 'application/json; charset=utf-8', 'user-agent': userAgent },
        body: JSON.stringify(body),
        timeoutMs: settings.timeout,
        timeoutSetting: 'providers.slack.timeout',
        subject,
      },
      ctx,
    );
    return judge(reply, method, subject, now());
  }

  return {
    channel: 'slack',
    async send(request: DeliveryRequest, ctx: SendContext): Promise<SendResult> {
      const address = request.delivery.address;
      const subject: FailureSubject = {
        channel: 'slack',
        workflowId: request.incident.workflowId,
        destination: `Slack ${address}`,
        attempt: ctx.attempt,
      };
      const message = slackMessage(request);
      const followed = request.kind === 'update' ? splitMessageId(request.providerMessageId) : undefined;
      if (followed) {
        const answer = await call('chat.update', { channel: followed.channel, ts: followed.ts, ...message }, subject, ctx);
        return { providerMessageId: `${answer.channel ?? followed.channel}:${answer.ts ?? followed.ts}` };
      }
      // A page, or an update whose page left no message id: a new message says the same.
      const answer = await call(
        'chat.postMessage',
        { channel: address, ...message, unfurl_links: false, unfurl_media: false },
        subject,
        ctx,
      );
      return answer.channel && answer.ts ? { providerMessageId: `${answer.channel}:${answer.ts}` } : {};
    },
  };
}

interface SlackAnswer {
  ok?: boolean;
  error?: string;
  channel?: string;
  ts?: string;
  needed?: string;
}

function judge(reply: ProviderReply, method: string, subject: FailureSubject, now: number): SlackAnswer {
  if (!isSuccess(reply)) {
    throw httpFailure(
      subject,
      { status: reply.status, ...(reply.retryAfter ? { retryAfter: reply.retryAfter } : {}), ...(reply.text ? { body: reply.text } : {}) },
      { now, rejectedHint: 'check providers.slack.token and providers.slack.baseUrl in escalation.yaml' },
    );
  }
  const answer = replyJson<SlackAnswer>(reply);
  if (answer?.ok === true) return answer;
  const code = answer?.error ?? 'unreadable_answer';
  if (RETRYABLE_ERRORS.has(code)) {
    const retryAfter = parseRetryAfter(reply.retryAfter, now);
    throw providerUnavailable(subject, `Slack could not take ${subject.workflowId} (${method} answered ${code})`, {
      status: reply.status,
      rateLimited: code.startsWith('rate'),
      ...(retryAfter ? { retryAfter } : {}),
    });
  }
  throw providerRejected(
    subject,
    `Slack refused ${subject.workflowId}: ${method} to ${subject.destination.replace(/^Slack /, '')} failed with ${code}; ${slackHint(code, subject, answer)}.`,
    reply.status,
  );
}

function slackHint(code: string, subject: FailureSubject, answer: SlackAnswer | undefined): string {
  const where = subject.destination.replace(/^Slack /, '');
  switch (code) {
    case 'channel_not_found':
      return `channel ${where} not found; check its id in escalation.yaml (a channel id such as C0123456789 the bot can see, or a user's Slack id such as U012AB3CD)`;
    case 'not_in_channel':
      return `the bot is not a member of ${where}; invite it there (/invite @<bot>) or use another channel`;
    case 'is_archived':
      return `channel ${where} is archived; unarchive it or point the target at another channel in escalation.yaml`;
    case 'user_not_found':
    case 'cannot_dm_bot':
      return `cannot message ${where}; check the user's Slack id in directory.users`;
    case 'invalid_auth':
    case 'not_authed':
    case 'account_inactive':
    case 'token_revoked':
    case 'token_expired':
      return 'the bot token is not valid; check providers.slack.token (SLACK_BOT_TOKEN) and reinstall the Slack app if it was revoked';
    case 'missing_scope':
      return `the bot token lacks the ${answer?.needed ?? 'chat:write'} scope; add it to the Slack app and reinstall it`;
    case 'message_not_found':
    case 'cant_update_message':
      return 'the page this update follows is gone from Slack (deleted?); nothing to update';
    default:
      return 'see https://api.slack.com/methods for this error and check providers.slack in escalation.yaml';
  }
}

/** `C0123:1712345678.000100` → channel and ts (the ts itself holds a dot, never a colon). */
function splitMessageId(id: string | undefined): { channel: string; ts: string } | undefined {
  if (!id) return undefined;
  const at = id.indexOf(':');
  if (at <= 0 || at === id.length - 1) return undefined;
  return { channel: id.slice(0, at), ts: id.slice(at + 1) };
}

/** The message body shared by postMessage and update: fallback text plus one coloured attachment. */
export function slackMessage(request: DeliveryRequest): { text: string; attachments: object[] } {
  const { incident } = request;
  const event = request.kind === 'update' ? request.event : undefined;
  const status = event ? `${event.toUpperCase()}: ${eventSentence(event, incident)}` : undefined;
  const headline = `${SEVERITY_EMOJI[incident.severity]} [${incident.severity.toUpperCase()}] ${incident.summary}`;
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headline, 150), emoji: true } },
    {
      type: 'section',
      fields: [
        field('Service', incident.service ?? '—'),
        field('Severity', incident.severity),
        field('Level', levelText(request)),
        field('Paged', pagedText(request)),
        field('State', incident.state),
        field('Source', incident.source ?? '—'),
      ],
    },
  ];
  if (status) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${escape(status)}*` } });
  const actions = actionElements(
    request,
    incident,
    event === undefined ? 'open' : isClosedEvent(event) ? 'closed' : event === 'acknowledged' ? 'acknowledged' : 'open',
  );
  if (actions.length > 0) blocks.push({ type: 'actions', block_id: SLACK_ACTIONS_BLOCK_ID, elements: actions });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${escape(incident.workflowId)} · policy ${escape(incident.policy)}` }],
  });
  const color = event && isClosedEvent(event) ? '#2EB67D' : SEVERITY_COLOR[incident.severity];
  return {
    // The notification text (push, lock screen) and what clients without blocks show.
    text: truncate(
      `${status ? `${status} · ` : ''}[${incident.severity.toUpperCase()}] ${incident.summary} (${incident.workflowId})`,
      3000,
    ),
    attachments: [{ color, fallback: truncate(headline, 300), blocks }],
  };
}

function actionElements(request: DeliveryRequest, incident: IncidentSnapshot, phase: 'open' | 'acknowledged' | 'closed'): object[] {
  const elements: object[] = [];
  const button = (text: string, actionId: string, style?: 'primary' | 'danger') => ({
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    value: incident.workflowId,
    ...(style ? { style } : {}),
  });
  if (phase === 'open') elements.push(button('Acknowledge', SLACK_ACTION_IDS.acknowledge, 'primary'));
  if (phase !== 'closed') {
    elements.push(button('Resolve', SLACK_ACTION_IDS.resolve));
    elements.push(button('Escalate', SLACK_ACTION_IDS.escalate, 'danger'));
  }
  // While someone works on it, one press tells the channel where they are (POST .../status).
  if (phase === 'acknowledged')
    for (const status of WORKING_STATUSES) elements.push(button(capitalise(status), SLACK_STATUS_ACTION_IDS[status]));
  // Link buttons stay after the incident closes: the history is still worth a click.
  if (request.uiUrl)
    elements.push({
      type: 'button',
      text: { type: 'plain_text', text: 'Open in Temporal' },
      url: request.uiUrl,
      action_id: 'incident_open_ui',
    });
  const runbook = runbookUrl(incident);
  if (runbook)
    elements.push({ type: 'button', text: { type: 'plain_text', text: 'Runbook' }, url: runbook, action_id: 'incident_open_runbook' });
  return elements;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function field(name: string, value: string): object {
  return { type: 'mrkdwn', text: `*${name}*\n${escape(truncate(value, 200))}` };
}

/** Slack's mrkdwn escaping: &, < and > only. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
