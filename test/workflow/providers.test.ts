import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOpsgeniePeer, OPSGENIE_TEST_KEY, type OpsgeniePeer } from '../helpers/peers/opsgenie.js';
import { PD_TEST_ROUTING_KEY, startPagerDutyPeer, type PagerDutyPeer } from '../helpers/peers/pagerduty.js';
import { SLACK_TEST_TOKEN, startSlackPeer, type SlackPeer } from '../helpers/peers/slack.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/peers/smtp.js';
import { replyCode } from '../../domain/responder.js';
import { startTwilioPeer, TWILIO_TEST_FROM, type TwilioPeer } from '../helpers/peers/twilio.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Every provider on the real dev server: the production worker, its retry policy and the real
// protocols, each peer a local server speaking its service's API.
interface Peers {
  slack: SlackPeer;
  smtp: SmtpPeer;
  pd: PagerDutyPeer;
  og: OpsgeniePeer;
  twilio: TwilioPeer;
  webhook: WebhookPeer;
}
let peers: Peers;
let stack: Stack | undefined;

beforeEach(async () => {
  const [slack, smtp, pd, og, twilio, webhook] = await Promise.all([
    startSlackPeer(),
    startSmtpPeer(),
    startPagerDutyPeer(),
    startOpsgeniePeer(),
    startTwilioPeer(),
    startWebhookPeer(),
  ]);
  peers = { slack, smtp, pd, og, twilio, webhook };
});
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await Promise.all(Object.values(peers).map((peer) => peer.close()));
});

function providers() {
  return {
    slack: { token: SLACK_TEST_TOKEN, baseUrl: peers.slack.url, timeout: '2s' },
    email: { url: peers.smtp.url, from: 'oncall@example.com', timeout: '2s' },
    pagerduty: { routingKey: PD_TEST_ROUTING_KEY, baseUrl: peers.pd.url, timeout: '2s' },
    opsgenie: { apiKey: OPSGENIE_TEST_KEY, baseUrl: peers.og.url, timeout: '2s' },
    twilio: {
      accountSid: peers.twilio.accountSid,
      authToken: peers.twilio.authToken,
      from: TWILIO_TEST_FROM,
      baseUrl: peers.twilio.url,
      timeout: '2s',
    },
  };
}

const allChannels = () => [
  { type: 'channel', id: 'C0ALERTS', provider: 'slack' },
  { type: 'email', address: 'dana@example.com' },
  { type: 'pagerduty' },
  { type: 'opsgenie', responders: [{ type: 'team', name: 'sre' }] },
  { type: 'phone', address: '+15551234567' },
  { type: 'webhook', url: `${peers.webhook.url}?level=1` },
];

describe('notification providers on the real Temporal server', () => {
  it('delivers a level with targets on all six channels to every one of them', async () => {
    stack = await startStack({
      providers: providers(),
      policies: [{ name: 'six', levels: [{ targets: allChannels() }], finalWait: '30s' }],
    });
    await stack.incidents.startIncident({ summary: 'checkout is failing', severity: 'critical', service: 'payments', key: 'six-channels' });

    const record = await stack.waitForRecord(
      'six-channels',
      (r) => r.notifications.length === 6 && r.notifications.every((n) => n.status !== 'pending'),
    );
    expect(Object.fromEntries(record.notifications.map((n) => [n.channel, [n.status, n.attempt]]))).toEqual({
      slack: ['delivered', 1],
      email: ['delivered', 1],
      pagerduty: ['delivered', 1],
      opsgenie: ['delivered', 1],
      sms: ['delivered', 1],
      webhook: ['delivered', 1],
    });
    expect(peers.slack.calls('chat.postMessage')[0]?.json?.['channel']).toBe('C0ALERTS');
    expect(peers.smtp.mails[0]?.subject).toBe('[CRITICAL] checkout is failing (incident-six-channels)');
    expect(peers.pd.events('incident-six-channels')[0]?.json?.['event_action']).toBe('trigger');
    expect(peers.og.requests[0]?.json).toMatchObject({
      alias: 'incident-six-channels',
      priority: 'P1',
      responders: [{ type: 'team', name: 'sre' }],
    });
    expect(peers.twilio.messages()[0]?.form?.['Body']).toBe(
      `CRITICAL: checkout is failing [six-channels] L1 Reply 1 ack, 2 resolve, 3 escalate #${replyCode('incident-six-channels')}`,
    );
    expect(peers.webhook.keysFor('incident-six-channels')).toHaveLength(1);
    // The Slack message id is kept, so an update can edit that very message.
    expect(record.notifications.find((n) => n.channel === 'slack')?.providerMessageId).toBe('C0ALERTS:1767625200.000001');
  });

  it('retries PagerDuty through three 500s, delivers on the fourth attempt, and level 2 still fires on time', async () => {
    peers.pd.answerNext(
      { status: 500, body: { status: 'error' } },
      { status: 500, body: { status: 'error' } },
      { status: 500, body: { status: 'error' } },
    );
    stack = await startStack({
      providers: providers(),
      policies: [
        {
          name: 'pd-flaky',
          levels: [
            { targets: [{ type: 'pagerduty' }] },
            { delay: '1500ms', targets: [{ type: 'webhook', url: `${peers.webhook.url}?level=2` }] },
          ],
          finalWait: '30s',
        },
      ],
    });
    await stack.incidents.startIncident({ summary: 'pd flaky', severity: 'error', key: 'pd-flaky' });

    const record = await stack.waitForRecord(
      'pd-flaky',
      (r) => r.level === 2 && r.notifications.length === 2 && r.notifications.every((n) => n.status !== 'pending'),
    );
    const pd = record.notifications.find((n) => n.channel === 'pagerduty');
    expect(pd).toMatchObject({ status: 'delivered', attempt: 4 });
    expect(peers.pd.events('incident-pd-flaky')).toHaveLength(4);
    // Level 2 is due 1500ms after level 1, on the workflow's clock, however long PagerDuty took.
    const created = Date.parse(record.createdAt);
    const escalatedAfter = Date.parse(record.timeline.find((e) => e.to === 'ESCALATING')?.at ?? '') - created;
    expect(escalatedAfter).toBeGreaterThanOrEqual(1500);
    // Generous for a loaded CI machine; PagerDuty's retries (100+200+400ms of backoff) are not in front of it.
    expect(escalatedAfter).toBeLessThan(3000);
    expect(record.notifications.find((n) => n.channel === 'webhook')).toMatchObject({ status: 'delivered', level: 2 });
  });

  it('does not retry a 400 from PagerDuty and records it as a non-retryable failure', async () => {
    stack = await startStack({
      providers: providers(),
      policies: [{ name: 'pd-bad', levels: [{ targets: [{ type: 'pagerduty', routingKey: 'not-a-valid-key' }] }], finalWait: '30s' }],
    });
    await stack.incidents.startIncident({ summary: 'pd bad key', severity: 'critical', key: 'pd-bad-key' });

    const record = await stack.waitForRecord('pd-bad-key', (r) => r.notifications.length === 1 && r.notifications[0]?.status === 'failed');
    expect(record.notifications[0]).toMatchObject({ channel: 'pagerduty', status: 'failed', attempt: 1, retryable: false });
    expect(record.notifications[0]?.error).toContain('400');
    expect(record.notifications[0]?.error).not.toContain('not-a-valid-key');
    // Past the first retry's delay (100ms): still one request, and the incident is unharmed.
    await new Promise((r) => setTimeout(r, 500));
    expect(peers.pd.requests).toHaveLength(1);
    expect((await stack.incidents.getIncident('pd-bad-key')).state).toBe('ACTIVE');
  });

  it("acknowledging sends PagerDuty's and Opsgenie's acknowledge and updates the Slack message", async () => {
    stack = await startStack({
      providers: providers(),
      policies: [
        {
          name: 'followed',
          levels: [{ targets: [{ type: 'channel', id: 'C0ALERTS', provider: 'slack' }, { type: 'pagerduty' }, { type: 'opsgenie' }] }],
          finalWait: '30s',
        },
      ],
    });
    await stack.incidents.startIncident({ summary: 'followed', severity: 'critical', key: 'ack-follows' });
    const paged = await stack.waitForRecord(
      'ack-follows',
      (r) => r.notifications.length === 3 && r.notifications.every((n) => n.status === 'delivered'),
    );
    const slackTs = paged.notifications.find((n) => n.channel === 'slack')?.providerMessageId;

    await stack.incidents.acknowledge('ack-follows', 'dana');
    const record = await stack.waitForRecord(
      'ack-follows',
      (r) => r.notifications.filter((n) => n.kind === 'update' && n.status === 'delivered').length === 3,
    );

    expect(
      record.notifications
        .filter((n) => n.kind === 'update')
        .map((n) => n.channel)
        .sort(),
    ).toEqual(['opsgenie', 'pagerduty', 'slack']);
    expect(peers.pd.events('incident-ack-follows').map((e) => e.json?.['event_action'])).toEqual(['trigger', 'acknowledge']);
    expect(peers.og.requests.map((r) => r.path)).toEqual([
      '/v2/alerts',
      '/v2/alerts/incident-ack-follows/acknowledge?identifierType=alias',
    ]);
    const [update] = peers.slack.calls('chat.update');
    expect(`${String(update?.json?.['channel'])}:${String(update?.json?.['ts'])}`).toBe(slackTs);
    expect(update?.json?.['text']).toContain('acknowledged by dana');
  });
});
