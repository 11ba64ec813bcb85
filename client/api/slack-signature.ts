import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses replays older than five minutes; so do we. */
export const SLACK_MAX_AGE_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the app's signing secret. */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export function verifySlackSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowMs: number;
}): SignatureCheck {
  if (!input.timestamp || !input.signature) return { ok: false, reason: 'X-Slack-Request-Timestamp and X-Slack-Signature are required' };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a Unix time' };
  const age = Math.abs(input.nowMs / 1000 - Number(input.timestamp));
  if (age > SLACK_MAX_AGE_SECONDS)
    return { ok: false, reason: `the request is ${Math.round(age)}s old (more than 5 minutes): replayed, or this host's clock is off` };
  const expected = Buffer.from(slackSignature(input.secret, input.timestamp, input.rawBody), 'utf8');
  const presented = Buffer.from(input.signature, 'utf8');
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
    return { ok: false, reason: "X-Slack-Signature does not match; check SLACK_SIGNING_SECRET (the app's Signing Secret, not its token)" };
  }
  return { ok: true };
}
