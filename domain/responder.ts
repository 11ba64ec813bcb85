import { z } from 'zod';
import { Duration } from './duration.js';
import { stableHash } from './hash.js';

/**
 * Answering from wherever the page landed (issue 13): signed one-click links, SMS replies and
 * voice keypads. Pure: the HMAC itself is handed in (runtime/responder-crypto.ts computes it with
 * node:crypto), so every decision here has a table test.
 */

export const DEFAULT_LINK_TTL_MS = 24 * 3_600_000;

/** `responders:` in escalation.yaml. Secrets usually come from the environment (see README). */
export const Responders = z.strictObject({
  /** Put signed one-click links (`/v1/act/{token}`) in email, SMS and webhook pages. */
  links: z.boolean().default(false),
  /** Signs the links; ESCALATION_LINK_SECRET overrides it. Required when `links` is on. */
  linkSecret: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  /** How long a link acts (default 24h). */
  linkTtl: Duration.default(DEFAULT_LINK_TTL_MS),
  /** The API's address as phones and Twilio reach it; ESCALATION_PUBLIC_URL overrides it. */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
});
export type Responders = z.infer<typeof Responders>;

/** What a link may do: the three answers a responder gives from a phone. */
export const RESPONDER_ACTIONS = ['acknowledge', 'escalate', 'resolve'] as const;
export type ResponderAction = (typeof RESPONDER_ACTIONS)[number];

/** Who may act on which incident until when: what a link's token carries. */
export interface LinkClaims {
  workflowId: string;
  user: string;
  /** Epoch seconds after which the link acts no more. */
  expiresAt: number;
}

/** HMAC-SHA256 of the payload, as base64url; injected so this module stays pure. */
export type Sign = (payload: string) => string;

/** The claims for a link made now: the incident, the paged user, now + ttl. */
export function linkClaims(workflowId: string, user: string, nowMs: number, ttlMs: number): LinkClaims {
  return { workflowId, user, expiresAt: Math.floor((nowMs + ttlMs) / 1000) };
}

/**
 * `<payload>.<signature>`: the payload is base64url of `workflowId\nuser\nexpiresAt` (a newline
 * cannot appear in either id's token position unnoticed: parse refuses extra fields), the
 * signature is the HMAC of the payload text.
 */
export function encodeLinkToken(claims: LinkClaims, sign: Sign): string {
  const payload = base64url(`${claims.workflowId}\n${claims.user}\n${claims.expiresAt}`);
  return `${payload}.${sign(payload)}`;
}

export type LinkCheck =
  { ok: true; claims: LinkClaims } | { ok: false; why: 'malformed' | 'tampered' | 'expired'; reason: string; claims?: LinkClaims };

/** Checks a token's shape, signature and expiry; a refusal says why in words for the page. */
export function checkLinkToken(token: string, sign: Sign, nowMs: number): LinkCheck {
  const parts = token.split('.');
  const [payload, signature] = parts;
  if (parts.length !== 2 || !payload || !signature) {
    return { ok: false, why: 'malformed', reason: 'this link is not one the escalation engine made (it is cut short or mangled)' };
  }
  if (!sameText(sign(payload), signature)) {
    return {
      ok: false,
      why: 'tampered',
      reason: 'this link was changed after it was sent (its signature does not match), or the link secret changed since',
    };
  }
  const fields = fromBase64url(payload)?.split('\n');
  const [workflowId, user, expires] = fields ?? [];
  const expiresAt = Number(expires);
  if (fields?.length !== 3 || !workflowId || !user || !Number.isInteger(expiresAt)) {
    return { ok: false, why: 'malformed', reason: 'this link carries no incident, user and expiry' };
  }
  const claims = { workflowId, user, expiresAt };
  if (nowMs >= expiresAt * 1000) {
    return {
      ok: false,
      why: 'expired',
      reason: `this link expired at ${new Date(expiresAt * 1000).toISOString()}; answer from Slack, the CLI or a newer page`,
      claims,
    };
  }
  return { ok: true, claims };
}

/** Compares in time independent of where the texts differ (signatures). */
export function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

// Unambiguous on a phone keypad and by ear: no 0/o, 1/l/i.
const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const REPLY_CODE_LENGTH = 3;

/**
 * The short code an SMS reply names its incident by (`#k7q`): derived from the workflow id alone,
 * so the worker that texts and the API that reads the reply agree with no shared store. The API
 * sets it as the IncidentCode search attribute when the incident starts, and finds the incident by
 * it through visibility. 31^3 codes: two open incidents rarely share one, and a reply naming a
 * shared code is refused, not guessed.
 */
export function replyCode(workflowId: string): string {
  let n = Number.parseInt(stableHash(workflowId).slice(0, 8), 16);
  let code = '';
  for (let i = 0; i < REPLY_CODE_LENGTH; i += 1) {
    code += CODE_ALPHABET[n % CODE_ALPHABET.length];
    n = Math.floor(n / CODE_ALPHABET.length);
  }
  return code;
}

/** The digits an SMS reply and a voice keypad answer with. SMS: 1 ack, 2 resolve, 3 escalate. */
export const SMS_DIGITS: Readonly<Record<string, ResponderAction>> = { '1': 'acknowledge', '2': 'resolve', '3': 'escalate' };
/** Voice, as the call says it: 1 acknowledge, 2 escalate, 3 resolve. */
export const VOICE_DIGITS: Readonly<Record<string, ResponderAction>> = { '1': 'acknowledge', '2': 'escalate', '3': 'resolve' };

/** The line every SMS page ends with. */
export function smsReplyHint(code: string): string {
  return `Reply 1 ack, 2 resolve, 3 escalate #${code}`;
}

const WORDS: Readonly<Record<string, ResponderAction>> = {
  ack: 'acknowledge',
  acknowledge: 'acknowledge',
  resolve: 'resolve',
  escalate: 'escalate',
};

export type SmsReply = { ok: true; action: ResponderAction; code: string } | { ok: false; reason: string };

/**
 * Reads `1 #k7q`, `#k7q 1`, `ack k7q`, `1k7q`: one answer (digit or word) and one code, in any
 * order, case and spacing. Anything else is refused with the expected form.
 */
export function parseSmsReply(body: string): SmsReply {
  const usage = 'reply with the digit and the code from the page, such as "1 #k7q" (1 ack, 2 resolve, 3 escalate)';
  const shown = body.trim().slice(0, 40);
  // `1k7q` and `k7q1`: a digit glued to a code.
  const text = body
    .trim()
    .toLowerCase()
    .replace(/^([123])(#?[a-z2-9]{3})$/, '$1 $2')
    .replace(/^(#?[a-z2-9]{3})([123])$/, '$1 $2');
  const actions: ResponderAction[] = [];
  const codes: string[] = [];
  for (const word of text.split(/[\s,.;:!]+/).filter(Boolean)) {
    const action = word.startsWith('#') ? undefined : (SMS_DIGITS[word] ?? WORDS[word]);
    const code = /^#?([a-z2-9]{3})$/.exec(word)?.[1];
    if (action) actions.push(action);
    else if (code) codes.push(code);
  }
  if (actions.length === 0) return { ok: false, reason: `no answer in "${shown}"; ${usage}` };
  if (actions.length > 1) return { ok: false, reason: `more than one answer in "${shown}"; ${usage}` };
  if (codes.length !== 1) return { ok: false, reason: `no single incident code in "${shown}"; ${usage}` };
  return { ok: true, action: actions[0] as ResponderAction, code: codes[0] as string };
}

/**
 * The text Twilio signs (X-Twilio-Signature): the full URL as Twilio called it, then each POST
 * parameter's name and value, sorted by name, with nothing between them. The signature is
 * base64(HMAC-SHA1(authToken, this)).
 */
export function twilioSignedText(url: string, params: Readonly<Record<string, string>>): string {
  const names = Object.keys(params).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return url + names.map((name) => `${name}${params[name] ?? ''}`).join('');
}

/** The public URL of a path: base (without a trailing slash) + path. */
export function publicUrlOf(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** XML text and attribute values (TwiML). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Twilio's final call and message statuses, and what each means for the page. */
export type TwilioDelivery = 'delivered' | 'undelivered' | 'failed';

/** Maps MessageStatus / CallStatus to a receipt; undefined for interim states (queued, sent, ringing). */
export function twilioReceipt(status: string): TwilioDelivery | undefined {
  switch (status) {
    case 'delivered':
    case 'completed':
      return 'delivered';
    case 'undelivered':
    case 'no-answer':
    case 'busy':
    case 'canceled':
      return 'undelivered';
    case 'failed':
      return 'failed';
    default:
      return undefined;
  }
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}
