import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../domain/config.js';
import { deliver, deliveryFailure, pageRequest, providerConfig, testIncident, UI_URL, updateRequest } from '../helpers/deliver.js';
import { OPSGENIE_TEST_KEY, startOpsgeniePeer, type OpsgeniePeer } from '../helpers/peers/opsgenie.js';

/** The Opsgenie provider against a local server answering as the Alert API does. */

let og: OpsgeniePeer;
let config: Config;

beforeEach(async () => {
  og = await startOpsgeniePeer();
  config = providerConfig({ opsgenie: { apiKey: OPSGENIE_TEST_KEY, baseUrl: og.url, timeout: '2s' } });
});

afterEach(async () => {
  await og.close();
});

const responders = [
  { type: 'team', name: 'sre' },
  { type: 'user', name: 'dana@example.com' },
];
const page = () =>
  pageRequest({ target: 'opsgenie:team=sre,user=dana@example.com', channel: 'opsgenie', address: JSON.stringify(responders) });

describe('opsgenie provider', () => {
  it('creates an alert with GenieKey auth, alias = workflow id, P1 for critical and the responders', async () => {
    const result = await deliver(config, page());

    expect(result.status).toBe('delivered');
    expect(result.providerMessageId).toMatch(/^[0-9a-f-]{36}$/);
    const [create] = og.requests;
    expect(create?.pathname).toBe('/v2/alerts');
    expect(create?.headers.authorization).toBe(`GenieKey ${OPSGENIE_TEST_KEY}`);
    expect(create?.json).toMatchObject({
      message: 'primary database is down',
      alias: 'incident-db-down',
      priority: 'P1',
      responders: [
        { type: 'team', name: 'sre' },
        { type: 'user', username: 'dana@example.com' },
      ],
      entity: 'payments',
      source: 'prometheus',
      tags: ['critical', 'payments'],
      details: { workflowId: 'incident-db-down', 'label.region': 'eu-1', uiUrl: UI_URL },
    });
    expect(create?.json?.['description']).toContain(`Web UI: ${UI_URL}`);
  });

  it.each([
    ['error', 'P2'],
    ['warning', 'P3'],
    ['info', 'P4'],
    ['debug', 'P5'],
  ] as const)('gives severity %s priority %s', async (severity, priority) => {
    await deliver(config, { ...page(), incident: testIncident({ severity }) });
    expect(og.requests[0]?.json?.['priority']).toBe(priority);
  });

  it('cuts the message to 130 characters', async () => {
    await deliver(config, { ...page(), incident: testIncident({ summary: 'x'.repeat(300) }) });
    const message = og.requests[0]?.json?.['message'] as string;
    expect([...message]).toHaveLength(130);
    expect(message.endsWith('…')).toBe(true);
  });

  it('acknowledges the alert by alias when the incident is acknowledged', async () => {
    await deliver(config, page());
    await deliver(config, updateRequest(page(), 'acknowledged', { state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' }));

    const ack = og.requests[1];
    expect(ack?.pathname).toBe('/v2/alerts/incident-db-down/acknowledge');
    expect(ack?.query.get('identifierType')).toBe('alias');
    expect(ack?.headers.authorization).toBe(`GenieKey ${OPSGENIE_TEST_KEY}`);
    expect(ack?.json).toMatchObject({ user: 'dana', source: 'escalation-engine', note: expect.stringContaining('acknowledged by dana') });
  });

  it.each(['resolved', 'cancelled'] as const)('closes the alert by alias when the incident is %s', async (event) => {
    await deliver(config, page());
    await deliver(config, updateRequest(page(), event, { state: 'RESOLVED', resolvedBy: 'dana' }));
    expect(og.requests[1]?.path).toBe('/v2/alerts/incident-db-down/close?identifierType=alias');
  });

  it('refuses a wrong key (401) without retrying and points at providers.opsgenie.apiKey', async () => {
    const wrong = providerConfig({ opsgenie: { apiKey: 'not-the-key', baseUrl: og.url } });
    const error = await deliveryFailure(wrong, page());
    expect(error.type).toBe('ProviderRejected');
    expect(error.nonRetryable).toBe(true);
    expect(error.details).toEqual([{ attempt: 1, channel: 'opsgenie', status: 401 }]);
    expect(error.message).toContain('providers.opsgenie.apiKey');
    expect(error.message).not.toContain('not-the-key');
  });

  it('retries a 429 after its Retry-After and a 502 as unavailable', async () => {
    og.answerNext(
      { status: 429, headers: { 'retry-after': '2' }, body: { message: 'Rate limit exceeded' } },
      { status: 502, body: 'bad gateway' },
    );
    const limited = await deliveryFailure(config, page());
    expect(limited.type).toBe('ProviderRateLimited');
    expect(limited.nextRetryDelay).toBe(2_000);
    const down = await deliveryFailure(config, page());
    expect(down.type).toBe('ProviderUnavailable');
    expect(down.nonRetryable).toBe(false);
  });
});
