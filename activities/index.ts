import { Context } from '@temporalio/activity';
import type { Logger } from '@temporalio/common';
import type { Config } from '../domain/config.js';
import { holderOf, type ConfigSource } from '../runtime/config-holder.js';
import type { DeliveryRequest, DeliveryResult, NotificationActivities, ResolvedLevel, ResolveTargetsRequest } from '../domain/delivery.js';
import type { IncidentState } from '../domain/incident.js';
import { isAtLeast } from '../domain/severity.js';
import { createProviderRegistry, providerNotConfigured } from './providers/registry.js';
import type { NotificationProvider } from './providers/types.js';
import { resolveLevel } from './resolve-targets.js';
import { userAgent } from './version.js';

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
   * worker wires a query). Undefined, or no answer in time: the page goes out.
   */
  incidentState?: (workflowId: string) => Promise<IncidentState | undefined>;
}

/** States in which nobody needs paging any more: the answer came while this attempt was on its way. */
const ANSWERED: readonly IncidentState[] = ['ACKNOWLEDGED', 'RESOLVED', 'CANCELLED', 'FAILED'];

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
      });
      built = { config, registry };
    }
    return built;
  };
  current();
  const log = (): Logger => deps.logger ?? Context.current().log;

  return {
    async resolveTargets(request: ResolveTargetsRequest): Promise<ResolvedLevel> {
      const resolved = resolveLevel(current().config.directory, request);
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
      if (!provider) throw providerNotConfigured(request, config.providers, attempt);
      const answered = request.kind === 'update' ? undefined : await answeredSince(request, deps.incidentState);
      // A reminder is meant for an acknowledged incident; it stops once the incident is closed.
      if (answered && !(request.reminder && answered === 'ACKNOWLEDGED')) {
        log().info('page not sent: the incident was answered while it was on its way', {
          incidentWorkflowId: request.incident.workflowId,
          idempotencyKey: request.idempotencyKey,
          state: answered,
        });
        return {
          status: 'skipped',
          reason: `not sent: ${request.incident.workflowId} was ${answered} before this page went out`,
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

      const sent = await whileHeartbeating(context, () => provider.send(request, { attempt, signal: context.cancellationSignal }));
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
    },
  };
}

/**
 * The answer that makes this page moot, if the incident got one after the page was scheduled: the
 * workflow cancels its pending pages when answered, but an attempt already handed to a worker
 * would still send. Fails open: a page that cannot ask goes out (paging twice beats silence).
 */
async function answeredSince(request: DeliveryRequest, incidentState: ActivityDeps['incidentState']): Promise<IncidentState | undefined> {
  if (!incidentState) return undefined;
  const state = await incidentState(request.incident.workflowId).catch(() => undefined);
  return state !== undefined && ANSWERED.includes(state) ? state : undefined;
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

const PROVIDER_FLOOR_SETTING: Partial<Record<NotificationProvider['channel'], string>> = { sms: 'providers.twilio.minSeverity' };

/**
 * Temporal tells an activity it was cancelled (the incident was answered) only in reply to a
 * heartbeat, so a delivery heartbeats while its request is in flight and stops mid-request instead
 * of paging anyway. The SDK throttles what actually reaches the server.
 */
async function whileHeartbeating<T>(context: Context, work: () => Promise<T>): Promise<T> {
  context.heartbeat();
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
