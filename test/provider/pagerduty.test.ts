import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../domain/config.js';
import { deliver, deliveryFailure, pageRequest, providerConfig, UI_URL, updateRequest } from '../helpers/deliver.js';
import { PD_TEST_ROUTING_KEY, startPagerDutyPeer, type PagerDutyPeer } from '../helpers/peers/pagerduty.js';

/** The PagerDuty provider against a local server answering as the Events API v2 does. */

let pd: PagerDutyPeer;
let config: Config;

beforeEach(async () => {
  pd = await startPagerDutyPeer();
  config = providerConfig({ pagerduty: { routingKey: PD_TEST_ROUTING_KEY, baseUrl: pd.url, timeout: '2s' } });
});

afterEach(async () => {
  await pd.close();
});

const page = () => pageRequest({ target: 'pagerduty:default', channel: 'pagerduty', address: 'default' });

describe('pagerduty provider', () => {
  it('triggers an event keyed by the workflow id with the mapped severity, details and links', async () => {
    const result = await deliver(config, page());

    expect(result).toMatchObject({ status: 'delivered', providerMessageId: 'incident-db-down' });
    const [event] = pd.requests;
    expect(event?.method).toBe('POST');
    expect(event?.pathname).toBe('/v2/enqueue');
    expect(event?.headers['content-type']).toBe('application/json');
    expect(event?.json).toMatchObject({
      routing_key: PD_TEST_ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'incident-db-down',
      payload: {
        summary: 'primary database is down',
        source: 'prometheus',
        severity: 'critical',
        component: 'payments',
        custom_details: { workflowId: 'incident-db-down', policy: 'production-critical', level: 'Level 1', labels: { region: 'eu-1' } },
      },
      client_url: UI_URL,
      links: [
        { href: UI_URL, text: 'Incident in Temporal Web UI' },
        { href: 'https://runbooks.example.com/db-down', text: 'Runbook' },
      ],
    });
  });

  it.each([
    ['warning', 'warning'],
    ['error', 'error'],
    ['info', 'info'],
    ['debug', 'info'],
  ] as const)('maps severity %s to PagerDuty %s', async (severity, expected) => {
    const request = page();
    await deliver(config, { ...request, incident: { ...request.incident, severity } });
    expect((pd.requests[0]?.json?.['payload'] as { severity: string }).severity).toBe(expected);
  });

  it("uses the target's own routing key over the configured one", async () => {
    const own = 'OWNKEY0123456789abcdefABCDEF0000';
    await deliver(config, pageRequest({ target: 'pagerduty:custom-key', channel: 'pagerduty', address: own }));
    expect(pd.requests[0]?.json?.['routing_key']).toBe(own);
  });

  it.each([
    ['acknowledged', 'acknowledge'],
    ['resolved', 'resolve'],
    ['cancelled', 'resolve'],
  ] as const)('follows %s with an %s event on the same dedup_key', async (event, action) => {
    await deliver(config, updateRequest(page(), event, { state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' }, 'incident-db-down'));
    expect(pd.requests[0]?.json).toEqual({ routing_key: PD_TEST_ROUTING_KEY, event_action: action, dedup_key: 'incident-db-down' });
  });

  it('triggers again when the incident is reopened', async () => {
    await deliver(config, updateRequest(page(), 'reopened', { state: 'ACTIVE' }));
    expect(pd.requests[0]?.json).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'incident-db-down',
      payload: { severity: 'critical' },
    });
  });

  it('does not retry a 400 and keeps the routing key out of the message', async () => {
    const bad = providerConfig({ pagerduty: { routingKey: 'too-short-key', baseUrl: pd.url } });
    const error = await deliveryFailure(bad, page());

    expect(error.type).toBe('ProviderRejected');
    expect(error.nonRetryable).toBe(true);
    expect(error.details).toEqual([{ attempt: 1, channel: 'pagerduty', status: 400 }]);
    expect(error.message).toContain('incident-db-down');
    expect(error.message).toContain("Length of 'routing_key' is incorrect");
    expect(error.message).not.toContain('too-short-key');
  });

  it('retries a 429 after its Retry-After', async () => {
    pd.answerNext({
      status: 429,
      headers: { 'retry-after': '5' },
      body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly' },
    });
    const error = await deliveryFailure(config, page());
    expect(error.type).toBe('ProviderRateLimited');
    expect(error.nextRetryDelay).toBe(5_000);
  });

  it('retries a 500 as ProviderUnavailable', async () => {
    pd.answerNext({ status: 500, body: { status: 'error' } });
    const error = await deliveryFailure(config, page(), 3);
    expect(error.type).toBe('ProviderUnavailable');
    expect(error.nonRetryable).toBe(false);
    expect(error.details).toEqual([{ attempt: 3, channel: 'pagerduty', status: 500 }]);
  });

  it('refuses without retrying when no routing key is configured anywhere', async () => {
    const none = providerConfig({ pagerduty: { baseUrl: pd.url } });
    const error = await deliveryFailure(none, page());
    expect(error.type).toBe('ProviderNotConfigured');
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain('providers.pagerduty.routingKey');
    expect(pd.requests).toHaveLength(0);
  });
});
