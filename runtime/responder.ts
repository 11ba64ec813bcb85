import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../domain/config.js';
import {
  checkLinkToken,
  encodeLinkToken,
  linkClaims,
  publicUrlOf,
  twilioSignedText,
  type LinkCheck,
  type Sign,
} from '../domain/responder.js';

/**
 * The responder settings a process runs with: `responders:` of the config, with
 * ESCALATION_LINK_SECRET and ESCALATION_PUBLIC_URL from the environment on top. The worker needs
 * them to put links and callbacks in pages, the API to check what comes back.
 */
export interface ResponderRuntime {
  /** Where phones and Twilio reach the API (no trailing slash). */
  publicUrl: string;
  /**
   * True when the public URL was set (ESCALATION_PUBLIC_URL or responders.publicUrl), not guessed
   * from the API's own address: only then do pages ask Twilio to call back (voice, receipts).
   */
  isPublic: boolean;
  /** Set when one-click links are on. */
  links?: LinkSigner;
}

export interface LinkSigner {
  ttlMs: number;
  /** A token for this user on this incident, valid ttlMs from now. */
  token(workflowId: string, user: string, nowMs: number): string;
  check(token: string, nowMs: number): LinkCheck;
}

export interface ResponderEnv {
  ESCALATION_LINK_SECRET?: string | undefined;
  ESCALATION_PUBLIC_URL?: string | undefined;
}

/** The settings were asked for (links on) but cannot work: the process must not start. */
export class ResponderSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponderSettingsError';
  }
}

/**
 * Reads the settings once at start. `ownUrl` is the API's own address, the default public URL.
 * Throws ResponderSettingsError naming what to set when links are on without a secret.
 */
export function responderRuntime(config: Config, env: ResponderEnv, ownUrl: string): ResponderRuntime {
  const settings = config.responders;
  const configured = env.ESCALATION_PUBLIC_URL ?? settings.publicUrl;
  const publicUrl = (configured ?? ownUrl).replace(/\/+$/, '');
  const isPublic = configured !== undefined;
  if (!settings.links) return { publicUrl, isPublic };
  const secret = env.ESCALATION_LINK_SECRET ?? settings.linkSecret;
  if (!secret) {
    throw new ResponderSettingsError(
      'responders.links is on, but no link secret is set: set ESCALATION_LINK_SECRET (at least 32 characters, e.g. `openssl rand -hex 32`) ' +
        'for the API and every worker, or responders.linkSecret in escalation.yaml; or turn responders.links off',
    );
  }
  if (secret.length < 32) {
    throw new ResponderSettingsError(
      'ESCALATION_LINK_SECRET is shorter than 32 characters; use a longer random secret (`openssl rand -hex 32`)',
    );
  }
  return { publicUrl, isPublic, links: linkSigner(secret, settings.linkTtl) };
}

export function linkSigner(secret: string, ttlMs: number): LinkSigner {
  const sign: Sign = (payload) => createHmac('sha256', secret).update(payload).digest('base64url');
  return {
    ttlMs,
    token: (workflowId, user, nowMs) => encodeLinkToken(linkClaims(workflowId, user, nowMs, ttlMs), sign),
    check: (token, nowMs) => checkLinkToken(token, sign, nowMs),
  };
}

/** The one-click page of a token. */
export function actUrl(runtime: ResponderRuntime, token: string): string {
  return publicUrlOf(runtime.publicUrl, `/v1/act/${token}`);
}

/** X-Twilio-Signature for a request to this URL with these POST parameters. */
export function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>>): string {
  return createHmac('sha1', authToken).update(twilioSignedText(url, params), 'utf8').digest('base64');
}

export function isTwilioSignatureValid(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Readonly<Record<string, string>>,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
