import { describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import {
  checkLinkToken,
  encodeLinkToken,
  linkClaims,
  parseSmsReply,
  replyCode,
  sameText,
  smsReplyHint,
  twilioReceipt,
  twilioSignedText,
  type Sign,
} from '../../domain/responder.js';
import { isTwilioSignatureValid, responderRuntime, twilioSignature } from '../../runtime/responder.js';

// A stand-in keyed "signature" for the pure token maths: any function of the payload will do here;
// the real HMAC is tested through runtime/responder.ts below.
const sign: Sign = (payload) => [...payload].reverse().join('') + 'k1';
const otherKey: Sign = (payload) => [...payload].reverse().join('') + 'k2';
const NOW = Date.parse('2026-01-05T03:00:00Z');
const DAY = 86_400_000;

describe('one-click link tokens', () => {
  const token = encodeLinkToken(linkClaims('incident-db-down', 'dana', NOW, DAY), sign);

  it('carries the incident, the user and an expiry ttl after now', () => {
    expect(checkLinkToken(token, sign, NOW)).toEqual({
      ok: true,
      claims: { workflowId: 'incident-db-down', user: 'dana', expiresAt: (NOW + DAY) / 1000 },
    });
  });

  const payload = token.split('.')[0] as string;
  const forged = encodeLinkToken(linkClaims('incident-db-down', 'mallory', NOW, DAY), otherKey);
  it.each([
    ['no dot', 'abc', 'malformed'],
    ['an empty signature', `${payload}.`, 'malformed'],
    ['three parts', `${token}.x`, 'malformed'],
    ['a changed signature', `${token.slice(0, -1)}x`, 'tampered'],
    ['another user spliced in', `${forged.split('.')[0]}.${token.split('.')[1]}`, 'tampered'],
    ['a token signed with another key', forged, 'tampered'],
    ['a well-signed payload that is not three fields', `${btoa('only-one')}.${sign(btoa('only-one'))}`, 'malformed'],
  ])('refuses %s as %s', (_what, candidate, why) => {
    const check = checkLinkToken(candidate, sign, NOW);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.why).toBe(why);
  });

  it.each([
    [NOW + DAY - 1000, true],
    [NOW + DAY, false],
    [NOW + 2 * DAY, false],
  ])('at %i acts: %s (expiry is exclusive)', (at, acts) => {
    const check = checkLinkToken(token, sign, at);
    expect(check.ok).toBe(acts);
    if (!check.ok) {
      expect(check.why).toBe('expired');
      expect(check.reason).toContain('2026-01-06T03:00:00.000Z');
    }
  });

  it('keeps ids with dots, colons and accents intact', () => {
    const odd = encodeLinkToken(linkClaims('incident-db.eu:primary', 'zoë', NOW, DAY), sign);
    const check = checkLinkToken(odd, sign, NOW);
    expect(check.ok && check.claims).toMatchObject({ workflowId: 'incident-db.eu:primary', user: 'zoë' });
  });

  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['', '', true],
  ])('sameText(%s, %s) is %s', (a, b, same) => expect(sameText(a, b)).toBe(same));
});

describe('SMS reply codes and replies', () => {
  it('derives a stable three-character code from the workflow id', () => {
    expect(replyCode('incident-db-down')).toBe(replyCode('incident-db-down'));
    expect(replyCode('incident-db-down')).toMatch(/^[a-hjkmnp-z2-9]{3}$/);
    const codes = new Set(Array.from({ length: 200 }, (_, i) => replyCode(`incident-${i}`)));
    expect(codes.size).toBeGreaterThan(190);
  });

  it('ends a page with the digits and the code', () => {
    expect(smsReplyHint('k7q')).toBe('Reply 1 ack, 2 resolve, 3 escalate #k7q');
  });

  it.each([
    ['1 #k7q', 'acknowledge', 'k7q'],
    ['2 #k7q', 'resolve', 'k7q'],
    ['3 #k7q', 'escalate', 'k7q'],
    ['  1   K7Q ', 'acknowledge', 'k7q'],
    ['#k7q 1', 'acknowledge', 'k7q'],
    ['1k7q', 'acknowledge', 'k7q'],
    ['k7q3', 'escalate', 'k7q'],
    ['ack #k7q', 'acknowledge', 'k7q'],
    ['Resolve k7q.', 'resolve', 'k7q'],
    ['1 #ack', 'acknowledge', 'ack'],
  ])('reads "%s" as %s of #%s', (body, action, code) => {
    expect(parseSmsReply(body)).toEqual({ ok: true, action, code });
  });

  it.each([
    ['thanks', 'no answer'],
    ['1', 'no single incident code'],
    ['1 2 #k7q', 'more than one answer'],
    ['1 #k7q #m2n', 'no single incident code'],
    ['4 #k7q', 'no answer'],
    ['', 'no answer'],
  ])('refuses "%s": %s', (body, reason) => {
    const reply = parseSmsReply(body);
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.reason).toContain(reason);
  });
});

describe('Twilio request signatures', () => {
  it('signs the URL followed by the parameters sorted by name, name and value run together', () => {
    expect(twilioSignedText('https://x.example/sms?a=1', { To: '+2', Body: '1 #k7q', From: '+1' })).toBe(
      'https://x.example/sms?a=1Body1 #k7qFrom+1To+2',
    );
  });

  // The example of Twilio's security documentation: token 12345, this URL and these parameters.
  it("matches Twilio's documented example signature", () => {
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    expect(twilioSignature('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(isTwilioSignatureValid('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', url, params)).toBe(true);
    expect(isTwilioSignatureValid('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', url, { ...params, Digits: '1' })).toBe(false);
    expect(isTwilioSignatureValid('12345', undefined, url, params)).toBe(false);
  });

  it.each([
    ['delivered', 'delivered'],
    ['completed', 'delivered'],
    ['undelivered', 'undelivered'],
    ['no-answer', 'undelivered'],
    ['busy', 'undelivered'],
    ['failed', 'failed'],
    ['queued', undefined],
    ['ringing', undefined],
  ])('reads status %s as %s', (status, receipt) => expect(twilioReceipt(status)).toBe(receipt));
});

describe('responder settings', () => {
  const base = { policies: [{ name: 'p', levels: [{ targets: [{ type: 'webhook', url: 'http://127.0.0.1:1/' }] }] }] };

  it('needs a link secret when links are on, and says where to set it', () => {
    const config = Config.parse({ ...base, responders: { links: true } });
    expect(() => responderRuntime(config, {}, 'http://127.0.0.1:8080')).toThrow(/ESCALATION_LINK_SECRET/);
  });

  it('takes the secret and the public URL from the environment over the config', () => {
    const config = Config.parse({ ...base, responders: { links: true, publicUrl: 'https://config.example/' } });
    const runtime = responderRuntime(
      config,
      { ESCALATION_LINK_SECRET: 's'.repeat(32), ESCALATION_PUBLIC_URL: 'https://oncall.example/' },
      'http://127.0.0.1:8080',
    );
    expect(runtime.publicUrl).toBe('https://oncall.example');
    expect(runtime.isPublic).toBe(true);
    const token = runtime.links?.token('incident-x', 'dana', NOW) ?? '';
    expect(runtime.links?.check(token, NOW)).toMatchObject({ ok: true });
    expect(runtime.links?.check(token, NOW + DAY)).toMatchObject({ ok: false, why: 'expired' });
  });

  it("defaults the public URL to the API's own address and makes no links when they are off", () => {
    const runtime = responderRuntime(Config.parse(base), {}, 'http://127.0.0.1:8080');
    expect(runtime).toEqual({ publicUrl: 'http://127.0.0.1:8080', isPublic: false });
  });
});
