import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses replays older than five minutes; so do we. */
export const SLACK_MAX_AGE_SECONDS = 5 * 60;
/** Clock skew tolerated for a timestamp ahead of this host's clock; further ahead is refused. */
export const SLACK_MAX_FUTURE_SECONDS = 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the app's signing secret. */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * What can be checked before the body is read: both headers present and well formed, and the
 * timestamp neither stale (a replay) nor from the future. A request failing these is refused
 * without reading its body.
 */
export function checkSlackHeaders(input: { timestamp: string | undefined; signature: string | undefined; nowMs: number }): SignatureCheck {
  if (!input.timestamp || !input.signature) return { ok: false, reason: 'X-Slack-Request-Timestamp and X-Slack-Signature are required' };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a Unix time' };
  if (!/^v0=[0-9a-f]{64}$/.test(input.signature)) return { ok: false, reason: 'X-Slack-Signature is not a v0= HMAC-SHA256 signature' };
  const age = input.nowMs / 1000 - Number(input.timestamp);
  if (age > SLACK_MAX_AGE_SECONDS)
    return { ok: false, reason: `the request is ${Math.round(age)}s old (more than 5 minutes): replayed, or this host's clock is off` };
  if (-age > SLACK_MAX_FUTURE_SECONDS)
    return { ok: false, reason: `the request is dated ${Math.round(-age)}s in the future: forged, or this host's clock is off` };
  return { ok: true };
}

export function verifySlackSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowMs: number;
}): SignatureCheck {
  const headers = checkSlackHeaders(input);
  if (!headers.ok) return headers;
  const expected = Buffer.from(slackSignature(input.secret, input.timestamp ?? '', input.rawBody), 'utf8');
  const presented = Buffer.from(input.signature ?? '', 'utf8');
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
    return { ok: false, reason: "X-Slack-Signature does not match; check SLACK_SIGNING_SECRET (the app's Signing Secret, not its token)" };
  }
  return { ok: true };
}

/**
 * Signed requests already acted on, by signature, for as long as their timestamp stays fresh: a
 * replay of one (or a retry Slack sends) is answered without acting twice. Per API process.
 */
export class SlackReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 50_000) {}

  /** True the first time a signature is seen within its freshness window; false for a replay. */
  firstTime(signature: string, nowMs: number): boolean {
    const expiry = this.seen.get(signature);
    if (expiry !== undefined && expiry > nowMs) return false;
    if (this.seen.size >= this.maxEntries) this.prune(nowMs);
    // Oldest first: when pruning leaves it full, the oldest entry goes.
    if (this.seen.size >= this.maxEntries) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    this.seen.set(signature, nowMs + (SLACK_MAX_AGE_SECONDS + SLACK_MAX_FUTURE_SECONDS) * 1000);
    return true;
  }

  /** Forgets a request that failed on this side (5xx), so Slack's retry of it may act. */
  forget(signature: string): void {
    this.seen.delete(signature);
  }

  private prune(nowMs: number): void {
    for (const [signature, expiry] of this.seen) if (expiry <= nowMs) this.seen.delete(signature);
  }
}
