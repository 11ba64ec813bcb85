import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'undici';
import { transportFailure, type FailureSubject } from '../errors.js';
import type { SendContext } from './types.js';

/**
 * One HTTP call to a provider's API, shared by Slack, PagerDuty, Opsgenie and Twilio: our own
 * timeout beside the activity's cancellation, no redirects, and every way of getting no answer
 * turned into a classified failure (`transportFailure`). Any answer comes back for the provider to
 * judge: their APIs say "no" in different ways (Slack with 200 and `ok: false`).
 */
export interface ProviderCall {
  url: string;
  method?: 'POST' | 'GET';
  headers: Record<string, string>;
  body: string;
  /** 0: only the activity's start-to-close timeout applies. */
  timeoutMs: number;
  /** Where the timeout is configured, for the message (`providers.slack.timeout`). */
  timeoutSetting: string;
  subject: FailureSubject;
}

export interface ProviderReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text, at most REPLY_LIMIT bytes (provider answers are small JSON). */
  text: string;
  /** The `Retry-After` header, when there is one. */
  retryAfter?: string;
}

const REPLY_LIMIT = 64 * 1024;

export async function callProvider(call: ProviderCall, ctx: SendContext): Promise<ProviderReply> {
  const timeout = call.timeoutMs > 0 ? AbortSignal.timeout(call.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
  try {
    const response = await httpRequest(call.url, { method: call.method ?? 'POST', headers: call.headers, body: call.body, signal });
    const text = await readCapped(response.body, REPLY_LIMIT);
    const retryAfter = response.headers['retry-after'];
    return { status: response.statusCode, headers: response.headers, text, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
  } catch (error) {
    // A cancelled activity must end as cancelled, not as a provider failure.
    if (ctx.signal.aborted) throw ctx.signal.reason ?? error;
    if (timeout?.aborted)
      throw transportFailure(call.subject, error, { timedOutAfterMs: call.timeoutMs, timeoutSetting: call.timeoutSetting });
    throw transportFailure(call.subject, error);
  }
}

/** The reply's JSON, or undefined when it is not JSON (a proxy's HTML error page, say). */
export function replyJson<T>(reply: ProviderReply): T | undefined {
  try {
    return JSON.parse(reply.text) as T;
  } catch {
    return undefined;
  }
}

export function isSuccess(reply: ProviderReply): boolean {
  return reply.status >= 200 && reply.status < 300;
}

/** `https://host/path` without credentials or query: messages end up in logs and the record. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return raw;
  }
}

/** `base` + `path`, keeping a base path (`http://proxy/slack/api` + `/chat.update`). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/**
 * At most `limit` bytes of a response body as text. A body cut short by the network is returned
 * as far as it came: the status already says what happened.
 */
export async function readCapped(body: AsyncIterable<Uint8Array> & { destroy(): unknown }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(Buffer.from(chunk));
      size += chunk.length;
      if (size >= limit) break;
    }
  } catch {
    // keep what arrived
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
