import type { DeliveryRequest } from '../../domain/delivery.js';
import type { Channel } from '../../domain/policy.js';
import type { Severity } from '../../domain/severity.js';

/** What a provider needs from the activity it runs in; passed in so providers stay testable alone. */
export interface SendContext {
  /** `Context.current().info.attempt`: 1 for the first try; goes into every failure's details. */
  attempt: number;
  /** The activity's cancellation signal: hand it to the HTTP call. */
  signal: AbortSignal;
}

export interface SendResult {
  /** The provider's own id for the message, when it gives one (kept in the record). */
  providerMessageId?: string;
}

/**
 * One channel's way out (goalert's `nfydest`): built by a factory from config, it sends one
 * notification and resolves when the provider accepted it. Every failure is an ApplicationFailure
 * classified by `activities/errors.ts`, so the retry policy knows whether to try again.
 * `request.idempotencyKey` goes in the provider's own dedup field, so a retried send is not a
 * second page.
 */
export interface NotificationProvider {
  channel: Channel;
  /**
   * Pages (not updates) for incidents below this severity are skipped, not sent, unless the
   * delivery carries its own floor (a contact's `minSeverity`). Applied by the deliver activity.
   */
  minSeverity?: Severity;
  send(request: DeliveryRequest, ctx: SendContext): Promise<SendResult>;
}
