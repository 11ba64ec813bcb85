import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { Delivery, DeliveryFailureDetails } from '../domain/delivery.js';
import type { Send } from './rounds.js';

/** `L2 → team:sre → alice via slack`, `L1 R1 → webhook via webhook`, `fallback for L3 → channel:…`, `acknowledged → pagerduty`. */
export function deliverySummary(send: Send, delivery: Delivery): string {
  const who = delivery.recipient && !delivery.target.endsWith(`:${delivery.recipient}`) ? ` → ${delivery.recipient}` : '';
  if (send.kind === 'update') return `${send.event ?? 'update'} → ${delivery.target}${who} via ${delivery.channel}`;
  const level = send.repeat > 0 ? `L${send.level + 1} R${send.repeat}` : `L${send.level + 1}`;
  const round = send.kind === 'fallback' ? `fallback for ${level}` : send.kind === 'breach' ? 'SLA breach' : level;
  return `${round} → ${delivery.target}${who} via ${delivery.channel}`;
}

function rootCause(error: unknown): unknown {
  return error instanceof ActivityFailure && error.cause ? error.cause : error;
}

export function failureMessage(error: unknown): string {
  const cause = rootCause(error);
  if (cause instanceof TimeoutFailure) {
    // No verdict ever came back: the worker died mid-send, or the provider hung past the attempt's timeout.
    const which = cause.timeoutType ? cause.timeoutType.toLowerCase().replace(/_/g, '-') : 'its';
    return `no outcome: the last attempt did not report back within ${which} timeout (a worker that died mid-send, or a provider that hung); it may have reached the provider (look for its idempotency key there)`;
  }
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

export function isNonRetryable(error: unknown): boolean {
  const cause = rootCause(error);
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}

export function failureAttempt(error: unknown): number | undefined {
  const cause = rootCause(error);
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as Partial<DeliveryFailureDetails> | undefined;
    if (typeof details?.attempt === 'number') return details.attempt;
  }
  return undefined;
}
