import { Context } from '@temporalio/activity';
import { CancelledFailure, type Logger } from '@temporalio/common';
import type { Config } from '../domain/config.js';
import { holderOf, type ConfigSource } from '../runtime/config-holder.js';
import type { DeliveryRequest, DeliveryResult, NotificationActivities, ResolvedLevel, ResolveTargetsRequest } from '../domain/delivery.js';
import type { IncidentState } from '../domain/incident.js';
import { isAnsweredState } from '../domain/incident-state.js';
import { isAtLeast } from '../domain/severity.js';
import { actUrl, type ResponderRuntime } from '../runtime/responder.js';
import { createProviderRegistry, providerNotConfigured } from './providers/registry.js';
import type { NotificationProvider } from './providers/types.js';
import { resolveLevel } from './resolve-targets.js';
import { rotateTargets, type RotationPicker } from './rotation.js';
import { pickIdOf } from '../domain/rotation.js';
import { userAgent } from './version.js';
import { runAction } from './actions.js';
import type { ActionRequest, ActionResult } from '../domain/actions.js';

/**
 * The notification activities, built once by the worker from the config it owns (the
 * `activities-dependency-injection` shape): `resolveTargets` turns a level's targets into
 * addresses, `deliver` sends one notification through its channel's provider.
 *
 * Both throw ApplicationFailures of the DELIVERY_FAILURE types: ProviderNotConfigured and
 * ProviderRejected are not retryable, ProviderUnavailable and ProviderRateLimited are (the latter
 * with the provider's Retry-After as `nextRetryDelay`). Each delivery failure carries one
 * DeliveryFailureDetails.
 */
export interface ActivityDeps {
  /** A fixed config, or a holder a reload may replace: providers and directory follow it. */
  config: ConfigSource;
  /** Where the activities and the log provider write; default the activity logger (`Context.current().log`), which the worker maps to pino. */
  logger?: Logger;
  /** The clock for `sentAt`, signatures and results (epoch ms); tests pin it. */
  now?: () => number;
  /** Sent as `User-Agent: escalation-engine/<version>`; default package.json's version. */
  version?: string;
  /**
   * The incident's state as its workflow sees it now, asked just before a page goes out (the
   * worker reads the server's copy, or queries the workflow while a task is pending:
   * worker/incident-state.ts). Undefined, or no answer in time: the page goes out.
   */
  incidentState?: (workflowId: string, timeoutMs: number) => Promise<IncidentState | undefined>;
  /**
   * Links and callbacks back to the API (runtime/responder.ts): one-click links in pages to
   * directory users, Twilio's TwiML and status URLs. Undefined: pages carry neither, no voice.
   */
  responder?: ResponderRuntime;
  /**
   * Round-robin rotations' picks (the worker asks each rotation's entity workflow, see
   * worker/rotation.ts). Undefined, or no answer in time: a hash of the incident picks.
   */
  rotation?: RotationPicker;
}

/** This activity attempt's pick id: its retries share it, so a rotation answers them alike. */
function currentPickId(): string {
  const { workflowExecution, activityId } = Context.current().info;
  // Always set for an activity a workflow scheduled (the only kind this worker runs).
  return pickIdOf(workflowExecution?.workflowId ?? 'standalone', workflowExecution?.runId ?? 'standalone', activityId);
}

export function createActivities(deps: ActivityDeps): NotificationActivities {
  const now = deps.now ?? Date.now;
  const holder = holderOf(deps.config);
  // Providers are built once per config, not per call: rebuilt only after a reload replaced it.
  let built: { config: Config; registry: ReturnType<typeof createProviderRegistry> } | undefined;
  const current = () => {
    const config = holder.current;
    if (built?.config !== config) {
      const registry = createProviderRegistry(config.providers, {
        userAgent: userAgent(deps.version),
        now,
        ...(deps.logger ? { logger: deps.logger } : {}),
        // Twilio calls back (call words, receipts) only to a URL set as public, never a guessed loopback one.
        ...(deps.responder?.isPublic ? { publicUrl: deps.responder.publicUrl } : {}),
      });
      built = { config, registry };
    }
    return built;
  };
  current();
  const log = (): Logger => deps.logger ?? Context.current().log;

  return {
    async runAction(request: ActionRequest): Promise<ActionResult> {
      const result = await runAction(request, userAgent(deps.version));
      log().info('action done', {
        incidentWorkflowId: request.incident.workflowId,
        action: request.action.name,
        httpStatus: result.httpStatus,
        durationMs: result.durationMs,
      });
      return result;
    },

    async resolveTargets(request: ResolveTargetsRequest): Promise<ResolvedLevel> {
      const { config, registry } = current();
      const { directory } = config;
      const rotated = request.rotation
        ? await rotateTargets(directory, request, deps.rotation, currentPickId(), (channel) => registry.get(channel)?.minSeverity)
        : undefined;
      const level = resolveLevel(directory, rotated ? { ...request, targets: rotated.targets } : request);
      const resolved: ResolvedLevel = rotated
        ? { ...level, unresolved: [...rotated.unresolved, ...level.unresolved], ...(rotated.notes.length > 0 && { notes: rotated.notes }) }
        : level;
      for (const note of resolved.notes ?? []) log().info(note, { incidentWorkflowId: request.workflowId, level: request.level + 1 });
      log().debug('targets resolved', {
        incidentWorkflowId: request.workflowId,
        level: request.level + 1,
        targets: request.targets.length,
        deliveries: resolved.deliveries.map((d) => `${d.target} → ${d.channel}:${d.address}${d.afterMs ? ` after ${d.afterMs}ms` : ''}`),
      });
      for (const miss of resolved.unresolved) {
        log().warn('a level target reaches nobody; the level’s other targets are still paged', {
          incidentWorkflowId: request.workflowId,
          level: request.level + 1,
          target: miss.target,
          reason: miss.reason,
        });
      }
      return resolved;
    },

    async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
      const context = Context.current();
      const attempt = context.info.attempt;
      const { config, registry } = current();
      const provider = registry.get(request.delivery.channel);
      // Shadow mode: its time is when the page was due to go out (on the time-skipping server of
      // `escalate policy replay` too, whose clock the worker's does not follow).
      if (request.incident.shadow === true)
        return shadowed(request, provider, attempt, context.info.currentAttemptScheduledTimestampMs || now(), log());
      if (!provider) throw providerNotConfigured(request, config.providers, attempt);
      // From here on the attempt beats every second, through the state read and the request: the
      // workflow gives up on a delivery whose beats stop (its worker died) well before its timeout.
      return whileHeartbeating(context, () => checkThenSend(context, request, provider, attempt));
    },
  };

  /** The state check, then the request: the page goes out only if nobody answered the incident meanwhile. */
  async function checkThenSend(
    context: Context,
    request: DeliveryRequest,
    provider: NotificationProvider,
    attempt: number,
  ): Promise<DeliveryResult> {
    const answered =
      request.kind === 'update' || request.whenAnswered === 'send'
        ? undefined
        : await answeredSince(request, deps.incidentState, askingTime(context), log());
    // A reminder is meant for an acknowledged incident; it stops once the incident is closed.
    if (answered && !(request.reminder && answered === 'ACKNOWLEDGED')) {
      log().info('page not sent: the incident was answered while it was on its way', {
        incidentWorkflowId: request.incident.workflowId,
        idempotencyKey: request.idempotencyKey,
        state: answered,
      });
      return {
        status: 'skipped',
        // An earlier attempt lost with its worker may have reached the provider: say so rather than claim silence.
        reason:
          attempt > 1
            ? `not sent by attempt ${attempt}: ${request.incident.workflowId} was ${answered} by then (an earlier attempt may have reached the provider; look for the idempotency key there)`
            : `not sent: ${request.incident.workflowId} was ${answered} before this page went out`,
        attempt,
        at: new Date(now()).toISOString(),
      };
    }
    const skipped = belowFloor(request, provider);
    if (skipped) {
      log().info('notification skipped', {
        incidentWorkflowId: request.incident.workflowId,
        level: request.level + 1,
        target: request.delivery.target,
        channel: request.delivery.channel,
        reason: skipped,
      });
      return { status: 'skipped', reason: skipped, attempt, at: new Date(now()).toISOString() };
    }

    stillWorthSending(context, request);
    const page = withActLink(request, deps.responder, now());
    const sent = await provider.send(page, { attempt, signal: context.cancellationSignal });
    log().info('notification delivered', {
      incidentWorkflowId: request.incident.workflowId,
      level: request.level + 1,
      repeat: request.repeat,
      target: request.delivery.target,
      channel: request.delivery.channel,
      attempt,
      idempotencyKey: request.idempotencyKey,
      ...(sent.providerMessageId ? { providerMessageId: sent.providerMessageId } : {}),
    });
    return {
      status: 'delivered',
      attempt,
      at: new Date(now()).toISOString(),
      ...(sent.providerMessageId ? { providerMessageId: sent.providerMessageId } : {}),
    };
  }
}

/**
 * Shadow mode: nothing is sent, whatever the channel. The result is `skipped`, so the record keeps
 * who would have been paged and the escalation goes on as if the page had gone out. A page the
 * live engine would not send either (below a severity floor) says so instead; a channel without a
 * configured provider is noted, since cutting over would fail there.
 */
function shadowed(
  request: DeliveryRequest,
  provider: NotificationProvider | undefined,
  attempt: number,
  at: number,
  logger: Logger,
): DeliveryResult {
  const { target, channel, recipient, address } = request.delivery;
  const person = recipient && !target.endsWith(`:${recipient}`) ? ` → ${recipient}` : '';
  const who = `${target}${person}${target.includes(address) ? '' : ` (${address})`}`;
  const floor = provider ? belowFloor(request, provider) : undefined;
  const verb = request.kind === 'update' ? `would send ${request.event ?? 'an update'} to` : 'would page';
  const missing = provider ? '' : `; no ${channel} provider is configured, so a live page would fail`;
  const reason = floor ? `${floor} (shadow mode)` : `${verb} ${who} via ${channel} (shadow mode${missing})`;
  logger.info('shadow mode: notification recorded, not sent', {
    incidentWorkflowId: request.incident.workflowId,
    level: request.level + 1,
    target,
    channel,
    reason,
  });
  return { status: 'skipped', reason, attempt, at: new Date(at).toISOString() };
}

/**
 * The answer that makes this page moot, if the incident got one after the page was scheduled: the
 * workflow cancels its pending pages when answered, but an attempt already handed to a worker
 * would still send. Fails open: a page that cannot ask goes out (paging twice beats silence), and
 * says so in the log. One read only: reading again when a read was slow tripled the reads exactly
 * when the server was slowest, and the failure runs showed more failed reads, not fewer late pages.
 */
async function answeredSince(
  request: DeliveryRequest,
  incidentState: ActivityDeps['incidentState'],
  timeoutMs: number,
  logger: Logger,
): Promise<IncidentState | undefined> {
  if (!incidentState) return undefined;
  const askedAt = performance.now();
  try {
    const state = await incidentState(request.incident.workflowId, timeoutMs);
    return isAnsweredState(state) ? state : undefined;
  } catch (error) {
    logger.warn('could not read whether the incident was answered; paging anyway (a second page beats none)', {
      incidentWorkflowId: request.incident.workflowId,
      idempotencyKey: request.idempotencyKey,
      waitedMs: Math.round(performance.now() - askedAt),
      problem: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

/**
 * How long a page may wait to hear whether its incident was answered: a quarter of its attempt's
 * timeout, so that a state nobody can read (the incident's worker is gone) costs a slice of the
 * attempt and the page still goes out, rather than every attempt running out asking.
 */
function askingTime(context: Context): number {
  const limit = context.info.startToCloseTimeoutMs;
  return limit > 0 ? Math.max(100, Math.floor(limit / 4)) : 2_000;
}

/**
 * The last look before the request goes out: a cancellation heard meanwhile (the incident was
 * answered and the workflow withdrew this page) stops it.
 */
function stillWorthSending(context: Context, request: DeliveryRequest): void {
  if (context.cancellationSignal.aborted)
    throw new CancelledFailure(`${request.idempotencyKey} withdrawn before it was sent: ${request.incident.workflowId} was answered`);
}

/**
 * The page with the recipient's one-click link, when links are on and it pages a directory user
 * (a link acts as that user; a bare webhook or phone target has nobody to act as). Updates carry none.
 */
function withActLink(request: DeliveryRequest, responder: ResponderRuntime | undefined, nowMs: number): DeliveryRequest {
  const user = request.delivery.recipient;
  if (!responder?.links || user === undefined || request.kind === 'update') return request;
  return { ...request, actUrl: actUrl(responder, responder.links.token(request.incident.workflowId, user, nowMs)) };
}

/**
 * Why a page is deliberately not sent, or undefined to send it. A delivery's own floor (the
 * contact's or phone target's `minSeverity`) beats the provider's (`providers.twilio.minSeverity`).
 * Updates always go out: they follow a page that was sent.
 */
function belowFloor(request: DeliveryRequest, provider: NotificationProvider): string | undefined {
  if (request.kind === 'update') return undefined;
  const own = request.delivery.minSeverity;
  const floor = own ?? provider.minSeverity;
  if (floor === undefined || isAtLeast(request.incident.severity, floor)) return undefined;
  const rule =
    own !== undefined
      ? `${request.delivery.address} asks for ${floor} and above`
      : `${request.delivery.channel} pages ${floor} and above (${PROVIDER_FLOOR_SETTING[request.delivery.channel] ?? 'provider setting'})`;
  return `not sent: ${request.incident.workflowId} is ${request.incident.severity} and ${rule}; set minSeverity on the contact or phone target to change it`;
}

const PROVIDER_FLOOR_SETTING: Partial<Record<NotificationProvider['channel'], string>> = {
  sms: 'providers.twilio.minSeverity',
  voice: 'providers.twilio.minSeverity',
};

/**
 * A delivery beats every second from its state read to the end of its request, for two reasons.
 * Temporal tells an activity it was cancelled (the incident was answered) only in reply to a
 * heartbeat, so a request in flight can stop instead of paging anyway. And the workflow retries a
 * delivery whose beats stop (deliveryHeartbeatTimeoutMs in domain/delivery.ts) long before its attempt
 * timeout runs out, which is how a page held by a worker that died goes out again. The SDK
 * throttles what actually reaches the server. The first beat is a second in: most pages are done
 * by then, and an answer given before the request went out was seen by the state check (the same
 * workflow task records the answer and cancels the page), so a beat at once would only cost every
 * page a server call.
 */
async function whileHeartbeating<T>(context: Context, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => context.heartbeat(), 1_000);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export type { NotificationProvider, SendContext, SendResult } from './providers/types.js';
export { signWebhookBody, verifyWebhookSignature, WEBHOOK_HEADERS, type WebhookPayload } from './providers/webhook.js';
export { SLACK_ACTION_IDS, SLACK_ACTIONS_BLOCK_ID, slackActionOperation, type SlackActionId } from './providers/slack.js';
