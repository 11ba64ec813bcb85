import type { RouteHandler } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { slackActionOperation, slackActionWorkingStatus } from '../../../domain/chat-actions.js';
import { isWorkingStatus, WORKING_STATUSES } from '../../../domain/working-status.js';
import type { IncidentRecord } from '../../../domain/incident.js';
import { IncidentMoveRefusedError, IncidentNotFoundError, InvalidIncidentRequestError } from '../../incidents.js';
import { listIncidents } from '../../visibility.js';
import { countMove, runMove, runWorkingStatus, type ApiDeps, type MoveOperation, type TextMove } from '../deps.js';
import type { ApiEnv } from '../env.js';
import { BODY_LIMITS, limitBody } from '../body-limits.js';
import { errorBody } from '../errors.js';
import { checkSlackHeaders, SlackReplayGuard, verifySlackSignature } from '../slack-signature.js';
import type * as routes from './slack.routes.js';

/**
 * Refuses before the body is read: no secret (503), missing, malformed, stale or future-dated
 * signature headers (401). Then the body (bounded by the API's body limit) must match the
 * signature, and a signed request already acted on is answered without acting again.
 */
export function verifySlack(deps: ApiDeps, guard = new SlackReplayGuard()): MiddlewareHandler<ApiEnv> {
  const refuse = (c: Context<ApiEnv>, reason: string) =>
    c.json(errorBody('the request is not signed by Slack', [{ path: 'X-Slack-Signature', message: reason }]), 401);
  const limit = limitBody(BODY_LIMITS.chat);
  return async (c, next) => {
    const secret = deps.slack.signingSecret;
    if (!secret)
      return c.json(
        errorBody('Slack is not configured on this API: set SLACK_SIGNING_SECRET or providers.slack.signingSecret', [
          { path: 'X-Slack-Signature', message: 'no signing secret to check it with' },
        ]),
        503,
      );
    const timestamp = c.req.header('x-slack-request-timestamp');
    const signature = c.req.header('x-slack-signature');
    const nowMs = deps.now();
    const headers = checkSlackHeaders({ timestamp, signature, nowMs });
    if (!headers.ok) return refuse(c, headers.reason);
    const checked = await limit(c, async () => {
      const rawBody = await c.req.text(); // cached: the form validator reads the same bytes afterwards
      const check = verifySlackSignature({ secret, timestamp, signature, rawBody, nowMs });
      if (!check.ok) {
        c.res = refuse(c, check.reason);
        return;
      }
      if (!signature || !guard.firstTime(signature, nowMs)) {
        deps.logger.warn({ path: c.req.path }, 'a signed Slack request came again (replay or retry); not acting on it twice');
        c.res = c.json(
          { response_type: 'ephemeral' as const, text: 'This request was already handled (a retry or a replay); nothing was done again.' },
          200,
        );
        return;
      }
      await next();
      if (c.res.status >= 500) guard.forget(signature);
    });
    return checked ?? c.res;
  };
}

const BlockActions = z.looseObject({
  type: z.string(),
  user: z.looseObject({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.string().optional() })).default([]),
  response_url: z.string().optional(),
});

type ChatMove = Exclude<MoveOperation, 'status'>;
const PAST: Record<ChatMove, string> = {
  acknowledge: 'acknowledged',
  resolve: 'resolved',
  escalate: 'escalated',
  cancel: 'cancelled',
  annotate: 'annotated',
  unacknowledge: 'un-acknowledged',
  reassign: 'reassigned',
  snooze: 'snoozed',
};

export function slackHandlers(deps: ApiDeps) {
  /** A Slack user whose id is a directory contact acts as that directory user; anyone else as slack:<id>. */
  const actorFor = (userId: string): string => {
    const user = deps.config.directory.users.find((u) =>
      u.contacts.some((contact) => contact.channel === 'slack' && contact.address === userId),
    );
    return user ? user.id : `slack:${userId}`;
  };

  const answer = async (
    operation: MoveOperation,
    userId: string,
    work: (by: string) => Promise<IncidentRecord>,
  ): Promise<{ ok: boolean; text: string }> => {
    try {
      const record = await work(actorFor(userId));
      const who = `<@${slackText(userId)}>`;
      if (operation === 'status') {
        return { ok: true, text: `${slackText(record.workflowId)} is ${record.workingStatus?.status ?? 'updated'} (set by ${who})` };
      }
      const where = operation === 'escalate' ? `, level ${record.level}` : operation === 'snooze' ? ` until ${record.snoozed?.until}` : '';
      return { ok: true, text: `${slackText(record.workflowId)} ${PAST[operation]} by ${who}: now ${record.state}${where}` };
    } catch (error) {
      if (
        error instanceof IncidentMoveRefusedError ||
        error instanceof IncidentNotFoundError ||
        error instanceof InvalidIncidentRequestError
      )
        return { ok: false, text: `:warning: ${slackText(error.message)}` };
      throw error;
    }
  };

  const interactions: RouteHandler<typeof routes.interactions, ApiEnv> = async (c) => {
    let raw: unknown;
    try {
      raw = JSON.parse(c.req.valid('form').payload);
    } catch {
      return c.json(errorBody('invalid request', [{ path: 'payload', message: 'is not JSON' }]), 400);
    }
    const parsed = BlockActions.safeParse(raw);
    if (!parsed.success) return c.json(errorBody('invalid request', [{ path: 'payload', message: z.prettifyError(parsed.error) }]), 400);
    const payload = parsed.data;
    // Link buttons (Open in Temporal, Runbook) send interactions too: nothing to do for them.
    const action = payload.actions
      .map((a) => ({ operation: slackActionOperation(a.action_id) ?? slackActionWorkingStatus(a.action_id), value: a.value }))
      .find((a) => a.operation);
    if (payload.type !== 'block_actions' || !action?.operation || !action.value) return c.json({}, 200);
    const { operation, value } = action;
    const result = isWorkingStatus(operation)
      ? await answer('status', payload.user.id, (by) => runWorkingStatus(deps, value, by, operation))
      : await answer(operation, payload.user.id, (by) => runMove(deps, operation, value, by));
    const message = { response_type: 'ephemeral' as const, replace_original: false, text: result.text };
    if (payload.response_url) postToResponseUrl(deps, payload.response_url, message);
    return c.json(message, 200);
  };

  const commands: RouteHandler<typeof routes.commands, ApiEnv> = async (c) => {
    const form = c.req.valid('form');
    const [verb = 'help', id, ...words] = form.text.trim().split(/\s+/).filter(Boolean);
    // `/escalate ID level 3 [note]`: escalate to that level.
    const levelWord = verb.toLowerCase() === 'escalate' && words[0]?.toLowerCase() === 'level' ? words[1] : undefined;
    if (levelWord !== undefined && !/^[1-9]\d*$/.test(levelWord))
      return c.json(
        { response_type: 'ephemeral' as const, text: `usage: ${slackText(form.command)} escalate <incident id> level <n> [note]` },
        200,
      );
    const options = levelWord !== undefined ? { toLevel: Number(levelWord) } : {};
    const rest = levelWord !== undefined ? words.slice(2) : words;
    const note = rest.join(' ').slice(0, 2000) || undefined; // as the API's notes: at most 2,000 characters
    const ephemeral = (text: string) => c.json({ response_type: 'ephemeral' as const, text }, 200);
    const operations: Record<string, TextMove> = {
      ack: 'acknowledge',
      acknowledge: 'acknowledge',
      unack: 'unacknowledge',
      unacknowledge: 'unacknowledge',
      resolve: 'resolve',
      escalate: 'escalate',
    };
    const operation = operations[verb.toLowerCase()];
    const said = (result: { ok: boolean; text: string }) =>
      c.json({ response_type: result.ok ? ('in_channel' as const) : ('ephemeral' as const), text: result.text }, 200);
    if (operation) {
      if (!id) return ephemeral(slackText(`usage: ${form.command} ${verb} <incident id> [note]`));
      return said(await answer(operation, form.user_id, (by) => runMove(deps, operation, id, by, note, options)));
    }
    if (verb.toLowerCase() === 'snooze') {
      // `/incident snooze ID 30m [note]`
      const [duration, ...reason] = words;
      if (!id || !duration) return ephemeral(slackText(`usage: ${form.command} snooze <incident id> <duration such as 30m> [note]`));
      const text = reason.join(' ').slice(0, 2000) || undefined;
      return said(
        await answer('snooze', form.user_id, (by) => countMove(deps, 'snooze', () => deps.incidents.snooze(id, by, duration, text))),
      );
    }
    if (verb.toLowerCase() === 'status') {
      const [status, ...statusNote] = rest;
      if (!id || !isWorkingStatus(status))
        return ephemeral(slackText(`usage: ${form.command} status <incident id> ${WORKING_STATUSES.join('|')} [note]`));
      const text = statusNote.join(' ').slice(0, 2000) || undefined;
      return said(await answer('status', form.user_id, (by) => runWorkingStatus(deps, id, by, status, text)));
    }
    if (verb === 'show' && id) {
      try {
        return ephemeral(describe(await deps.incidents.getIncident(id)));
      } catch (error) {
        if (error instanceof IncidentNotFoundError) return ephemeral(`:warning: ${slackText(error.message)}`);
        throw error;
      }
    }
    if (verb === 'list') {
      const page = await listIncidents(deps.scope, { limit: 20 }, ['ExecutionStatus = "Running"']);
      if (page.incidents.length === 0) return ephemeral('No open incidents.');
      return ephemeral(
        page.incidents
          .map((i) => slackText(`• \`${i.key}\` ${i.state ?? '?'} ${i.severity ?? ''} ${i.service ?? ''} level ${i.level ?? 0}`))
          .join('\n'),
      );
    }
    return ephemeral(
      slackText(
        `usage: ${form.command} ack|unack|resolve|escalate|show <incident id> [note]  ·  ${form.command} escalate <incident id> level <n>  ·  ` +
          `${form.command} snooze <incident id> <30m>  ·  ${form.command} status <incident id> <status> [note]  ·  ${form.command} list`,
      ),
    );
  };

  return { interactions, commands };
}

function describe(record: IncidentRecord): string {
  const lines = [
    `*${slackText(record.summary)}* (\`${slackText(record.key)}\`)`,
    `${record.state} · ${record.severity} · policy ${slackText(record.policy)} · level ${record.level}`,
  ];
  if (record.acknowledgedBy) lines.push(`acknowledged by ${slackText(record.acknowledgedBy)}`);
  if (record.nextEscalationAt) lines.push(`next escalation ${record.nextEscalationAt}`);
  return lines.join('\n');
}

/** Slack waits three seconds for the HTTP answer; the response_url post goes on after it. */
function postToResponseUrl(deps: ApiDeps, url: string, message: object): void {
  if (!deps.slack.isResponseUrlAllowed(url)) {
    deps.logger.warn({ url }, 'Slack response_url is not a Slack host; not posting to it');
    return;
  }
  void fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(5_000),
  })
    .then((response) => {
      if (!response.ok) deps.logger.warn({ status: response.status }, 'Slack refused the response_url message');
    })
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not post to the Slack response_url'));
}

/** Slack mrkdwn escaping (&, <, >): text from incidents or users never becomes a mention, a link or <!channel>. */
function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
