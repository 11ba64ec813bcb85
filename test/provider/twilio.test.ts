import type { ApplicationFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../domain/config.js';
import { replyCode } from '../../domain/responder.js';
import { linkSigner, type ResponderRuntime } from '../../runtime/responder.js';
import { deliver, deliveryFailure, NOW, pageRequest, providerConfig, testIncident } from '../helpers/deliver.js';
import { startTwilioPeer, TWILIO_TEST_FROM, type TwilioPeer } from '../helpers/peers/twilio.js';

/** The SMS provider against a local server answering as Twilio's Messages API does. */

let twilio: TwilioPeer;
let config: Config;

beforeEach(async () => {
  twilio = await startTwilioPeer();
  config = twilioConfig();
});

afterEach(async () => {
  await twilio.close();
});

function twilioConfig(extra: Record<string, unknown> = {}): Config {
  return providerConfig({
    twilio: {
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      from: TWILIO_TEST_FROM,
      baseUrl: twilio.url,
      timeout: '2s',
      ...extra,
    },
  });
}

const sms = (overrides: Record<string, unknown> = {}) =>
  pageRequest({ target: 'user:alice', recipient: 'alice', channel: 'sms', address: '+15551234567', ...overrides });

describe('twilio sms provider', () => {
  it('posts a form-encoded message with basic auth and returns the message SID', async () => {
    const result = await deliver(config, sms());

    expect(result).toMatchObject({ status: 'delivered', providerMessageId: 'SM00000000000000000000000000000001' });
    const [message] = twilio.messages();
    expect(message?.pathname).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`);
    expect(message?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(message?.headers.authorization).toBe(`Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`);
    expect(message?.form).toEqual({
      To: '+15551234567',
      From: TWILIO_TEST_FROM,
      Body: `CRITICAL: primary database is down [db-down] L1 Reply 1 ack, 2 resolve, 3 escalate #${replyCode('incident-db-down')}`,
    });
  });

  it('keeps the body to one 160-character ASCII segment, keeping severity and short id', async () => {
    const incident = testIncident({
      severity: 'error',
      summary: `Dépôt ${'very long summary '.repeat(20)}`,
      key: 'a-rather-long-dedup-key-from-alertmanager-0123',
    });
    await deliver(config, { ...sms(), incident, repeat: 2 });
    const body = twilio.messages()[0]?.form?.['Body'] ?? '';

    expect(body.length).toBeLessThanOrEqual(160);
    expect(body).toMatch(/^ERROR: Depot very long summary/);
    expect(body).toMatch(/\.\.\. \[a-rather-long-d~\] L1 R2 Reply 1 ack, 2 resolve, 3 escalate #[a-z2-9]{3}$/);
    expect(body).toMatch(/^[\x20-\x7e]+$/);
  });

  it('skips, without failing, a warning incident: texts go out for error and critical by default', async () => {
    const result = await deliver(config, { ...sms(), incident: testIncident({ severity: 'warning' }) });

    expect(result.status).toBe('skipped');
    expect(result.reason).toContain('incident-db-down is warning');
    expect(result.reason).toContain('providers.twilio.minSeverity');
    expect(twilio.requests).toHaveLength(0);
  });

  it("texts a warning incident when the contact's own minSeverity allows it", async () => {
    const result = await deliver(config, { ...sms({ minSeverity: 'warning' }), incident: testIncident({ severity: 'warning' }) });
    expect(result.status).toBe('delivered');
    expect(twilio.messages()).toHaveLength(1);
  });

  it('follows providers.twilio.minSeverity, and a contact may ask for less than it', async () => {
    const criticalOnly = twilioConfig({ minSeverity: 'critical' });
    const error = { ...sms(), incident: testIncident({ severity: 'error' }) };
    expect((await deliver(criticalOnly, error)).status).toBe('skipped');
    expect((await deliver(criticalOnly, { ...error, delivery: { ...error.delivery, minSeverity: 'critical' } })).status).toBe('skipped');
    expect((await deliver(config, error)).status).toBe('delivered');
  });

  it('refuses bad credentials (401, code 20003) without retrying', async () => {
    const wrong = providerConfig({
      twilio: { accountSid: twilio.accountSid, authToken: 'wrong', from: TWILIO_TEST_FROM, baseUrl: twilio.url },
    });
    const error = await deliveryFailure(wrong, sms());
    expect(error.type).toBe('ProviderRejected');
    expect(error.nonRetryable).toBe(true);
    expect(error.details).toEqual([{ attempt: 1, channel: 'sms', status: 401 }]);
    expect(error.message).toContain('Authenticate (Twilio error 20003)');
    expect(error.message).toContain('providers.twilio.accountSid and authToken');
  });

  it('refuses an unknown account (404) and an invalid number (400) without retrying', async () => {
    twilio.answerNext({ status: 404, body: { code: 20404, message: 'The requested resource was not found', status: 404 } });
    const missing = await deliveryFailure(config, sms());
    expect(missing.nonRetryable).toBe(true);
    expect(missing.message).toContain('Twilio does not know this account');

    const invalid = await deliveryFailure(config, sms({ address: '+1' }));
    expect(invalid.type).toBe('ProviderRejected');
    expect(invalid.details).toEqual([{ attempt: 1, channel: 'sms', status: 400 }]);
    expect(invalid.message).toContain("Invalid 'To' Phone Number");
    expect(invalid.message).toContain('E.164');
  });

  it('retries a 429 after its Retry-After and a 503', async () => {
    twilio.answerNext(
      { status: 429, headers: { 'retry-after': '4' }, body: { code: 20429, message: 'Too Many Requests', status: 429 } },
      { status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } },
    );
    const limited = await deliveryFailure(config, sms());
    expect(limited.type).toBe('ProviderRateLimited');
    expect(limited.nextRetryDelay).toBe(4_000);
    const down = await deliveryFailure(config, sms());
    expect(down.type).toBe('ProviderUnavailable');
    expect(down.nonRetryable).toBe(false);
  });
});

const PUBLIC = 'https://oncall.example.com';
const responder: ResponderRuntime = { publicUrl: PUBLIC, isPublic: true, links: linkSigner('l'.repeat(32), 86_400_000) };

describe('twilio sms provider with responders on', () => {
  it("asks for delivery receipts and puts the recipient's signed link on a line after the page", async () => {
    await deliver(config, sms(), 1, { responder });
    const form = twilio.messages()[0]?.form ?? {};
    const [page, link] = (form['Body'] ?? '').split('\n');

    expect(page?.length).toBeLessThanOrEqual(160);
    expect(page).toMatch(/ #[a-z2-9]{3}$/);
    expect(link).toMatch(new RegExp(`^${PUBLIC}/v1/act/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    const token = link?.split('/').pop() ?? '';
    expect(responder.links?.check(token, NOW)).toEqual({
      ok: true,
      claims: { workflowId: 'incident-db-down', user: 'alice', expiresAt: (NOW + 86_400_000) / 1000 },
    });
    const callback = new URL(form['StatusCallback'] ?? '');
    expect(`${callback.origin}${callback.pathname}`).toBe(`${PUBLIC}/v1/integrations/twilio/status`);
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      incident: 'incident-db-down',
      key: 'incident-db-down/L1/R0/user:alice/sms',
      channel: 'sms',
      user: 'alice',
    });
  });

  it("asks Twilio for no callback to a public URL guessed from the API's own loopback address", async () => {
    await deliver(config, sms(), 1, { responder: { ...responder, publicUrl: 'http://127.0.0.1:8080', isPublic: false } });
    const form = twilio.messages()[0]?.form ?? {};
    expect(form['StatusCallback']).toBeUndefined();
    expect(form['Body']).toContain('http://127.0.0.1:8080/v1/act/');
  });

  it('links nobody for a bare phone target: there is no directory user to act as', async () => {
    await deliver(config, pageRequest({ target: 'phone:+15551234567', channel: 'sms', address: '+15551234567' }), 1, { responder });
    expect(twilio.messages()[0]?.form?.['Body']).not.toContain('/v1/act/');
  });
});

describe('twilio voice provider', () => {
  const call = (overrides: Record<string, unknown> = {}) =>
    pageRequest({ target: 'user:alice', recipient: 'alice', channel: 'voice', address: '+15551234567', ...overrides });

  it('places a call through the Calls API whose TwiML and status come from our API', async () => {
    const result = await deliver(config, call(), 1, { responder });

    expect(result).toMatchObject({ status: 'delivered', providerMessageId: 'CA00000000000000000000000000000001' });
    const [placed] = twilio.calls();
    expect(placed?.pathname).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Calls.json`);
    expect(placed?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(placed?.headers.authorization).toBe(`Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`);
    expect(placed?.form).toMatchObject({
      To: '+15551234567',
      From: TWILIO_TEST_FROM,
      Method: 'POST',
      Url: `${PUBLIC}/v1/integrations/twilio/voice?incident=incident-db-down&user=alice`,
      StatusCallbackMethod: 'POST',
    });
    expect(placed?.form?.['StatusCallback']).toMatch(
      new RegExp(`^${PUBLIC}/v1/integrations/twilio/status\\?incident=incident-db-down&key=.+&channel=voice&user=alice$`),
    );
  });

  it('has no voice provider without a public URL to serve the call from, and says what to set', async () => {
    const error = await deliveryFailure(config, call());
    expect(error.type).toBe('ProviderNotConfigured');
    expect(twilio.calls()).toHaveLength(0);
  });

  it('refuses an invalid number without retrying, naming the call', async () => {
    const refused = await deliver(config, call({ address: '+1' }), 1, { responder }).then(
      () => undefined,
      (e: unknown) => e as ApplicationFailure,
    );
    expect(refused?.nonRetryable).toBe(true);
    expect(refused?.message).toContain("Twilio refused the call for incident-db-down to +1: Invalid 'To' Phone Number");
  });
});
