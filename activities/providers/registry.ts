import { ApplicationFailure, type Logger } from '@temporalio/common';
import type { Providers } from '../../domain/config.js';
import { CHANNEL_PROVIDER } from '../../domain/config-checks.js';
import { DELIVERY_FAILURE, type DeliveryRequest } from '../../domain/delivery.js';
import type { Channel } from '../../domain/policy.js';
import { failureDetails } from '../errors.js';
import { createLogProvider } from './log.js';
import type { NotificationProvider } from './types.js';
import { createEmailProvider } from './email.js';
import { createOpsgenieProvider } from './opsgenie.js';
import { createPagerDutyProvider } from './pagerduty.js';
import { createSlackProvider } from './slack.js';
import { createTwilioProvider } from './twilio.js';
import { createTwilioVoiceProvider } from './twilio-voice.js';
import { createWebhookProvider } from './webhook.js';

/**
 * Channel → provider, built once from `providers:` in escalation.yaml when the worker starts.
 *
 * `log` and `webhook` need no credentials, so they are always there (with the schema's defaults
 * when their section is missing): a `webhook` target carries its own URL. slack, email,
 * pagerduty, opsgenie and sms (Twilio) exist when their section of `providers:` is set; voice
 * (Twilio too) when it is set and the worker knows the API's public URL, where the call's TwiML is.
 */
export interface ProviderRegistry {
  get(channel: Channel): NotificationProvider | undefined;
  readonly channels: readonly Channel[];
}

export interface RegistryDeps {
  userAgent: string;
  now?: () => number;
  /** Overrides the activity logger for the log provider. */
  logger?: Logger;
  /** The API's public URL (ESCALATION_PUBLIC_URL): Twilio's callbacks (call TwiML, delivery receipts) go there. */
  publicUrl?: string;
}

/**
 * The providers this version has. Each returns undefined when its section of `providers:` is
 * missing and it cannot work without one (log and webhook have usable defaults).
 */
const FACTORIES: Partial<Record<Channel, (providers: Providers, deps: RegistryDeps) => NotificationProvider | undefined>> = {
  log: (providers, deps) =>
    createLogProvider({ settings: providers.log ?? { level: 'info' }, ...(deps.logger ? { logger: deps.logger } : {}) }),
  webhook: (providers, deps) =>
    createWebhookProvider({
      settings: providers.webhook ?? { timeout: 10_000 },
      userAgent: deps.userAgent,
      ...(deps.now ? { now: deps.now } : {}),
    }),
  slack: (providers, deps) =>
    providers.slack &&
    createSlackProvider({ settings: providers.slack, userAgent: deps.userAgent, ...(deps.now ? { now: deps.now } : {}) }),
  email: (providers, deps) => providers.email && createEmailProvider({ settings: providers.email, userAgent: deps.userAgent }),
  pagerduty: (providers, deps) =>
    providers.pagerduty &&
    createPagerDutyProvider({ settings: providers.pagerduty, userAgent: deps.userAgent, ...(deps.now ? { now: deps.now } : {}) }),
  opsgenie: (providers, deps) =>
    providers.opsgenie &&
    createOpsgenieProvider({ settings: providers.opsgenie, userAgent: deps.userAgent, ...(deps.now ? { now: deps.now } : {}) }),
  sms: (providers, deps) =>
    providers.twilio &&
    createTwilioProvider({
      settings: providers.twilio,
      userAgent: deps.userAgent,
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}),
    }),
  voice: (providers, deps) =>
    providers.twilio && deps.publicUrl
      ? createTwilioVoiceProvider({
          settings: providers.twilio,
          userAgent: deps.userAgent,
          publicUrl: deps.publicUrl,
          ...(deps.now ? { now: deps.now } : {}),
        })
      : undefined,
};

export function createProviderRegistry(providers: Providers, deps: RegistryDeps): ProviderRegistry {
  const byChannel = new Map<Channel, NotificationProvider>();
  for (const [channel, factory] of Object.entries(FACTORIES) as [Channel, NonNullable<(typeof FACTORIES)[Channel]>][]) {
    const provider = factory(providers, deps);
    if (provider) byChannel.set(channel, provider);
  }
  return {
    get: (channel) => byChannel.get(channel),
    channels: [...byChannel.keys()],
  };
}

/**
 * What `providers:` needs for `channel`, as the engineer would type it: the config checks' table
 * (domain/config-checks.ts); log and webhook need no section, but take one for their settings.
 */
function providerSection(channel: Channel): { key: keyof Providers; example: string } {
  const needs = CHANNEL_PROVIDER[channel];
  if (needs !== 'always') return { key: needs.section, example: needs.example };
  return channel === 'log'
    ? { key: 'log', example: 'log: { level: info }' }
    : { key: 'webhook', example: 'webhook: { secret: "${WEBHOOK_SECRET}" }' };
}

/** The non-retryable failure for a delivery on a channel with no provider: says what to add where. */
export function providerNotConfigured(request: DeliveryRequest, providers: Providers, attempt: number): ApplicationFailure {
  const { channel, target, address } = request.delivery;
  const section = providerSection(channel);
  const what = `cannot notify ${request.incident.workflowId} on ${channel} (${target} → ${address})`;
  const fix =
    channel === 'voice' && providers.twilio
      ? "voice calls need the API's public URL, where Twilio fetches what the call says: set ESCALATION_PUBLIC_URL for the worker and restart it"
      : FACTORIES[channel] === undefined
        ? `${providers[section.key] !== undefined ? `providers.${section.key} is set, but ` : ''}this version of the engine has no ${channel} provider yet; notify through a webhook or log target instead, ` +
          `or remove the ${channel} contact or target from escalation.yaml`
        : `no ${channel} provider is configured; add \`${section.example}\` under providers: in escalation.yaml ` +
          `and restart the worker, or remove the ${channel} contact or target`;
  return ApplicationFailure.create({
    type: DELIVERY_FAILURE.notConfigured,
    nonRetryable: true,
    message: `${what}: ${fix}.`,
    details: failureDetails({ channel, workflowId: request.incident.workflowId, destination: address, attempt }),
  });
}
