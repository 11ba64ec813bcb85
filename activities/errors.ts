import { STATUS_CODES } from 'node:http';
import { ApplicationFailure } from '@temporalio/common';
import { DELIVERY_FAILURE, type DeliveryFailureDetails } from '../domain/delivery.js';
import { formatDuration } from '../domain/duration.js';
import type { Channel } from '../domain/policy.js';

/**
 * Turns what went wrong on the way to a provider into the ApplicationFailure the retry policy acts
 * on (DESIGN.md section 5): network trouble, 5xx and 408 retry; 429 retries when the provider asks;
 * other 4xx and bad configuration do not. Pure: the caller passes the attempt and the clock, so
 * these run in unit tests without an activity context.
 *
 * Every message is written for the on-call engineer reading it at 3 a.m.: what happened, to which
 * incident, what to do.
 */

/** The longest wait a Retry-After may impose: beyond it the page is worth more than politeness. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;
/** A Retry-After of 0 still waits this long, so a confused provider is not hammered. */
const MIN_RETRY_AFTER_MS = 1_000;

/** Which notification failed, as the failure's message and details name it. */
export interface FailureSubject {
  channel: Channel;
  /** The incident's workflow id (`incident-db-down`). */
  workflowId: string;
  /** Where the request went, as the engineer knows it from escalation.yaml: a URL, `#alerts`. */
  destination: string;
  /** `Context.current().info.attempt`: 1 for the first try. */
  attempt: number;
}

export interface HttpAnswer {
  status: number;
  statusText?: string;
  /** The `Retry-After` header, if any: seconds or an HTTP date. */
  retryAfter?: string;
  /** The start of the response body, for the message (trimmed and shortened here). */
  body?: string;
}

export interface HttpFailureOptions {
  now?: number;
  /** What to check when the provider refused (4xx): defaults to the destination's settings. */
  rejectedHint?: string;
}

/** An HTTP answer outside 2xx, classified. */
export function httpFailure(subject: FailureSubject, answer: HttpAnswer, options: HttpFailureOptions = {}): ApplicationFailure {
  const { channel, workflowId, destination } = subject;
  const answered = `${destination} answered ${answer.status} ${answer.statusText ?? STATUS_CODES[answer.status] ?? ''}`.trimEnd();
  const said = answer.body ? ` (${shorten(answer.body)})` : '';
  const details = failureDetails(subject, answer.status);
  const retryAfterMs = parseRetryAfter(answer.retryAfter, options.now ?? Date.now());

  if (answer.status === 429) {
    const wait =
      retryAfterMs === undefined
        ? 'retrying with the usual backoff'
        : `retrying in ${formatDuration(retryAfterMs.ms)}${retryAfterMs.capped ? ` (it asked for ${formatDuration(retryAfterMs.asked)}; the engine waits at most ${formatDuration(MAX_RETRY_AFTER_MS)})` : ' as its Retry-After asks'}`;
    return ApplicationFailure.create({
      type: DELIVERY_FAILURE.rateLimited,
      nonRetryable: false,
      message: `${channel} rate-limited ${workflowId}: ${answered}${said} on attempt ${subject.attempt}; ${wait}. If this repeats, the provider's rate limit is too low for this policy.`,
      details,
      ...(retryAfterMs ? { nextRetryDelay: retryAfterMs.ms } : {}),
    });
  }
  if (answer.status >= 500 || answer.status === 408) {
    return ApplicationFailure.create({
      type: DELIVERY_FAILURE.unavailable,
      nonRetryable: false,
      message: `${channel} unavailable for ${workflowId}: ${answered}${said} on attempt ${subject.attempt}; retrying. If it keeps failing, check the receiving service's health.`,
      details,
      ...(retryAfterMs ? { nextRetryDelay: retryAfterMs.ms } : {}),
    });
  }
  const hint =
    answer.status >= 300 && answer.status < 400
      ? 'redirects are not followed; put the final address in escalation.yaml'
      : (options.rejectedHint ?? `check ${destination} in escalation.yaml`);
  return ApplicationFailure.create({
    type: DELIVERY_FAILURE.rejected,
    nonRetryable: true,
    message: `${channel} refused ${workflowId}: ${answered}${said}; ${hint}. Not retried: the same request would be refused again.`,
    details,
  });
}

export interface TransportFailureOptions {
  /** Set when our own time limit ran out (not the activity's cancellation). */
  timedOutAfterMs?: number;
  /** Where the timeout is configured, for the message (`providers.webhook.timeout`). */
  timeoutSetting?: string;
}

/** A request that got no HTTP answer: refused connection, reset, DNS, TLS, our timeout. */
export function transportFailure(subject: FailureSubject, error: unknown, options: TransportFailureOptions = {}): ApplicationFailure {
  const { channel, workflowId, destination } = subject;
  const details = failureDetails(subject);
  const cause = error instanceof Error ? error : undefined;

  if (options.timedOutAfterMs !== undefined) {
    const setting = options.timeoutSetting ? `raise ${options.timeoutSetting} in escalation.yaml or ` : '';
    return ApplicationFailure.create({
      type: DELIVERY_FAILURE.unavailable,
      nonRetryable: false,
      message: `${channel} timed out for ${workflowId}: ${destination} did not answer within ${formatDuration(options.timedOutAfterMs)} on attempt ${subject.attempt}; retrying. If it keeps happening, ${setting}check why the receiver is slow.`,
      details,
      ...(cause ? { cause } : {}),
    });
  }

  const code = errorCode(error);
  if (code !== undefined && BAD_REQUEST_CODES.has(code)) {
    return ApplicationFailure.create({
      type: DELIVERY_FAILURE.rejected,
      nonRetryable: true,
      message: `${channel} could not send ${workflowId} to ${destination}: ${describe(error)}; the request itself is invalid, so check the address and headers for ${channel} in escalation.yaml. Not retried.`,
      details,
      ...(cause ? { cause } : {}),
    });
  }
  // Anything else that kept us from an answer is treated as the provider being unavailable: a page
  // that might get through on the next attempt is worth the retry.
  if (!isNetworkError(error)) {
    return ApplicationFailure.create({
      type: DELIVERY_FAILURE.unavailable,
      nonRetryable: false,
      message: `${channel} failed for ${workflowId}: sending to ${destination} threw ${describe(error)} on attempt ${subject.attempt}; retrying. If it keeps failing, this is likely a bug in the ${channel} provider: report it with this message.`,
      details,
      ...(cause ? { cause } : {}),
    });
  }
  const hint =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `check the host name in ${destination}`
      : code !== undefined && TLS_CODES.test(code)
        ? `check the receiver's TLS certificate`
        : 'check that the receiver is up and reachable from the worker';
  return ApplicationFailure.create({
    type: DELIVERY_FAILURE.unavailable,
    nonRetryable: false,
    message: `${channel} unreachable for ${workflowId}: could not reach ${destination} (${describe(error)}) on attempt ${subject.attempt}; retrying. ${capitalize(hint)}.`,
    details,
    ...(cause ? { cause } : {}),
  });
}

/** Codes for requests that can never succeed as built (bad header names or values, bad URL). */
const BAD_REQUEST_CODES = new Set(['UND_ERR_INVALID_ARG', 'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR', 'ERR_INVALID_URL']);
const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/;

/** Network errors as Node and undici name them: retryable whenever they reach a provider. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
]);

/** True for errors that mean "no answer from the network", searched through causes and AggregateErrors. */
export function isNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && (NETWORK_ERROR_CODES.has(code) || code.startsWith('UND_ERR_') || TLS_CODES.test(code))) return true;
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** The first `code` found on the error, its causes or (for Node's happy eyeballs) its `errors`. */
export function errorCode(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const withCode = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof withCode.code === 'string' && withCode.code !== '') return withCode.code;
  const fromCause = errorCode(withCode.cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  if (Array.isArray(withCode.errors)) {
    for (const inner of withCode.errors) {
      const code = errorCode(inner, depth + 1);
      if (code !== undefined) return code;
    }
  }
  return undefined;
}

export interface RetryAfter {
  /** The wait to use: at least 1s, at most MAX_RETRY_AFTER_MS. */
  ms: number;
  /** What the provider asked for. */
  asked: number;
  capped: boolean;
}

/** `Retry-After` as seconds (`7`) or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): RetryAfter | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let asked: number;
  if (/^\d+$/.test(text)) {
    asked = Number(text) * 1000;
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    asked = Math.max(0, date - now);
  }
  const ms = Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, asked));
  return { ms, asked, capped: asked > MAX_RETRY_AFTER_MS };
}

export function failureDetails(subject: FailureSubject, status?: number): [DeliveryFailureDetails] {
  return [{ attempt: subject.attempt, channel: subject.channel, ...(status !== undefined ? { status } : {}) }];
}

function describe(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code && message && !message.includes(code)) return `${code}: ${shorten(message)}`;
  if (!code && error instanceof Error && error.name !== 'Error') return `${error.name}: ${shorten(message)}`;
  return shorten(message || code || 'unknown error');
}

/** One line, at most 200 characters: bodies and error messages go into a page-sized message. */
function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A refusal the provider put in words of its own (Slack's `ok: false`, Twilio's error codes, an
 * SMTP 5xx): not retried. `message` is the whole sentence, naming the incident and what to fix.
 */
export function providerRejected(subject: FailureSubject, message: string, status?: number, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({
    type: DELIVERY_FAILURE.rejected,
    nonRetryable: true,
    message: `${message} Not retried: the same request would be refused again.`,
    details: failureDetails(subject, status),
    ...(cause ? { cause } : {}),
  });
}

export interface UnavailableOptions {
  status?: number;
  /** The provider said "slow down" (Slack `ratelimited`, SMTP 421/450): ProviderRateLimited. */
  rateLimited?: boolean;
  /** The provider's Retry-After, already parsed. */
  retryAfter?: RetryAfter;
  cause?: Error;
}

/** A failure the provider reported as temporary in words of its own (Slack `internal_error`, SMTP 4xx): retried. */
export function providerUnavailable(subject: FailureSubject, message: string, options: UnavailableOptions = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type: options.rateLimited ? DELIVERY_FAILURE.rateLimited : DELIVERY_FAILURE.unavailable,
    nonRetryable: false,
    message: `${message} on attempt ${subject.attempt}; retrying${options.retryAfter ? ` in ${formatDuration(options.retryAfter.ms)}` : ''}.`,
    details: failureDetails(subject, options.status),
    ...(options.retryAfter ? { nextRetryDelay: options.retryAfter.ms } : {}),
    ...(options.cause ? { cause: options.cause } : {}),
  });
}
