import type { ActionRequest, ActionResult } from './actions.js';
import type { Channel, Target } from './policy.js';
import type { IncidentRecord } from './incident.js';
import type { Severity } from './severity.js';

/**
 * The contract between the workflow and the notification activities. Types only: the workflow
 * imports them with `import type`, the activities implement them.
 */

/** One address to notify, after a level's target was resolved through the directory. */
export interface Delivery {
  /** The level target it came from (`user:team-lead`, `team:sre`), for the record and the key. */
  target: string;
  channel: Channel;
  address: string;
  /** The directory id of the person the target resolved to (part of the idempotency key). */
  recipient?: string;
  /** Wait this long after the level fired before sending (per-user notification rules). */
  afterMs?: number;
  /** Skip pages for incidents less severe than this (a contact's or phone target's `minSeverity`). */
  minSeverity?: Severity;
}

export interface ResolveTargetsRequest {
  workflowId: string;
  level: number;
  targets: Target[];
  /** Due time of the notification (epoch ms): schedules resolve who is on call then. */
  at: number;
  /**
   * A level's page or repeat (not a fallback, breach or reminder): its round-robin people are
   * picked by the policy's rotation (activities/rotation.ts). Without it a round-robin team
   * picks from a hash of the incident, as before rotations existed.
   */
  rotation?: RotationContext;
}

/** What the resolve activity needs to find a level's rotation. */
export interface RotationContext {
  policy: string;
  /** The level's `notify` (domain/rotation-schema.ts); unset pages everyone (round-robin teams rotate on their own). */
  notify?: 'all' | 'round-robin';
  /** The incident's severity: a person whose every contact asks for more severe incidents is skipped. */
  severity?: Severity;
}

/** A level target that could not be resolved to anyone, and why (`user:bob`, "not in directory.users"). */
export interface UnresolvedTarget {
  target: string;
  reason: string;
}

/**
 * A level's targets, each resolved on its own: one that fails is listed in `unresolved` and the
 * others are still paged. (Histories recorded before this answered a bare `Delivery[]`.)
 */
export interface ResolvedLevel {
  deliveries: Delivery[];
  unresolved: UnresolvedTarget[];
  /** What the timeline should say about how targets were picked (a rotation's turn, who it skipped and why). */
  notes?: string[];
}

/** What a provider sees of the incident: the record without the list of notifications. */
export type IncidentSnapshot = Omit<IncidentRecord, 'notifications'>;

/** Moves the providers hear about after paging: PagerDuty acknowledge/resolve, Slack message updates, webhook events. */
export const ANNOUNCED_EVENTS = ['acknowledged', 'resolved', 'cancelled', 'reopened'] as const;
export type AnnouncedEvent = (typeof ANNOUNCED_EVENTS)[number];

/**
 * Channels whose providers can follow an incident after the page (the others only page): email
 * follows with a reply in the page's thread. SMS does not: a text per state change is noise.
 */
export const FOLLOWING_CHANNELS: readonly Channel[] = ['webhook', 'slack', 'email', 'pagerduty', 'opsgenie'];

export interface DeliveryRequest {
  idempotencyKey: string;
  /** `page` and `repeat` wake someone; `update` tells a provider the incident moved (see `event`). */
  kind: 'page' | 'repeat' | 'update';
  /** A reminder to whoever acknowledged (policy ackReminder): sent while the incident is ACKNOWLEDGED. */
  reminder?: boolean;
  /** With kind `update`: what happened. */
  event?: AnnouncedEvent;
  /** With kind `update`: the provider's id of the page being followed up (Slack `channel:ts`, email Message-ID). */
  providerMessageId?: string;
  incident: IncidentSnapshot;
  /** 0-based level index and repeat number. */
  level: number;
  repeat: number;
  delivery: Delivery;
  /** Link to the incident in the Temporal Web UI, when known. */
  uiUrl?: string;
  /** `send`: goes out even if the incident was answered meanwhile (an SLA breach report to managers). */
  whenAnswered?: 'send';
  /**
   * The recipient's signed one-click page (`/v1/act/{token}`): set by the deliver activity for pages
   * to a directory user when responders.links is on; the workflow never sets it.
   */
  actUrl?: string;
}

/**
 * `delivered`: the provider accepted it. `skipped`: deliberately not sent, and not a failure: the
 * incident is below the severity floor of the channel or contact (SMS: error and critical only by
 * default); `reason` says which rule, so the record shows why nobody was texted.
 */
export interface DeliveryResult {
  status: 'delivered' | 'skipped';
  reason?: string;
  attempt: number;
  at: string;
  providerMessageId?: string;
}

/** Details attached to a provider's ApplicationFailure so the record can say which attempt failed. */
export interface DeliveryFailureDetails {
  attempt: number;
  channel: Channel;
  status?: number;
}

/**
 * How long the server waits for a delivery's next heartbeat. A delivery beats every second from its
 * state read to the end of its request (activities/index.ts), so when its worker dies mid-page the
 * page is retried this long after its last beat, not after the whole attempt timeout (30 s by
 * default). Before `beatsFromStart` (patch 'delivery-heartbeat-timeout'), the heartbeat served only
 * to hear a cancellation and never timed out before the attempt: max(attemptTimeout, 10 s).
 */
export function deliveryHeartbeatTimeoutMs(attemptTimeoutMs: number, beatsFromStart: boolean): number {
  return beatsFromStart ? Math.min(attemptTimeoutMs, DELIVERY_HEARTBEAT_TIMEOUT_MS) : Math.max(attemptTimeoutMs, 10_000);
}

/** Five beats missed: a worker that stalls a second or two (a replay burst on two cores) is not taken for dead. */
export const DELIVERY_HEARTBEAT_TIMEOUT_MS = 5_000;

/** ApplicationFailure types the providers throw; the retry policy never retries the non-retryable ones. */
export const DELIVERY_FAILURE = {
  rejected: 'ProviderRejected',
  notConfigured: 'ProviderNotConfigured',
  unavailable: 'ProviderUnavailable',
  rateLimited: 'ProviderRateLimited',
} as const;

export interface NotificationActivities {
  resolveTargets(request: ResolveTargetsRequest): Promise<ResolvedLevel>;
  deliver(request: DeliveryRequest): Promise<DeliveryResult>;
  /** An automated response of a level (domain/actions.ts): never pages anyone. */
  runAction(request: ActionRequest): Promise<ActionResult>;
}
