import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_ACTION_IDS, slackActionOperation } from '../../activities/index.js';
import type { Config } from '../../domain/config.js';
import { deliver, deliveryFailure, pageRequest, providerConfig, UI_URL, updateRequest } from '../helpers/deliver.js';
import { startSlackPeer, SLACK_TEST_TOKEN, type SlackPeer } from '../helpers/peers/slack.js';

/** The Slack provider against a local server answering as Slack's Web API does. */

let slack: SlackPeer;
let config: Config;

beforeEach(async () => {
  slack = await startSlackPeer();
  config = providerConfig({ slack: { token: SLACK_TEST_TOKEN, baseUrl: slack.url, timeout: '2s' } });
});

afterEach(async () => {
  await slack.close();
});

const channelPage = () => pageRequest({ target: 'channel:slack:C0ALERTS', channel: 'slack', address: 'C0ALERTS' });

interface Block {
  type: string;
  block_id?: string;
  elements?: { type: string; action_id?: string; value?: string; url?: string; text?: { text: string } }[];
  fields?: { text: string }[];
  text?: { text: string };
}
function blocksOf(body: Record<string, unknown> | undefined): Block[] {
  const attachments = body?.['attachments'] as { color: string; blocks: Block[] }[];
  return attachments[0]?.blocks ?? [];
}
function buttons(body: Record<string, unknown> | undefined) {
  return blocksOf(body).find((b) => b.type === 'actions')?.elements ?? [];
}

describe('slack provider', () => {
  it('posts a Block Kit page with the bot token and returns channel:ts as the message id', async () => {
    const result = await deliver(config, channelPage());

    expect(result).toMatchObject({ status: 'delivered', attempt: 1, providerMessageId: 'C0ALERTS:1767625200.000001' });
    const [post] = slack.calls('chat.postMessage');
    expect(post?.headers.authorization).toBe(`Bearer ${SLACK_TEST_TOKEN}`);
    expect(post?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(post?.json).toMatchObject({
      channel: 'C0ALERTS',
      text: expect.stringContaining('[CRITICAL] primary database is down (incident-db-down)'),
    });
    const attachment = (post?.json?.['attachments'] as { color: string }[])[0];
    expect(attachment?.color).toBe('#D00000');
    const blocks = blocksOf(post?.json);
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: '🔴 [CRITICAL] primary database is down' } });
    const fields = blocks[1]?.fields?.map((f) => f.text);
    expect(fields).toEqual(expect.arrayContaining(['*Service*\npayments', '*Level*\nLevel 1', '*Paged*\nchannel:slack:C0ALERTS']));
  });

  it('carries the workflow id in Acknowledge, Resolve and Escalate buttons, with Web UI and runbook links', async () => {
    await deliver(config, channelPage());
    const elements = buttons(slack.calls('chat.postMessage')[0]?.json);

    expect(elements.filter((e) => e.value).map((e) => [e.action_id, e.value])).toEqual([
      ['incident_acknowledge', 'incident-db-down'],
      ['incident_resolve', 'incident-db-down'],
      ['incident_escalate', 'incident-db-down'],
    ]);
    expect(elements.filter((e) => e.url).map((e) => e.url)).toEqual([UI_URL, 'https://runbooks.example.com/db-down']);
    expect(slackActionOperation(SLACK_ACTION_IDS.escalate)).toBe('escalate');
    expect(slackActionOperation('incident_open_ui')).toBeUndefined();
  });

  it("sends a person's page as a direct message to their Slack id", async () => {
    const result = await deliver(config, pageRequest({ target: 'user:alice', recipient: 'alice', channel: 'slack', address: 'U0ALICE' }));

    expect(slack.calls('chat.postMessage')[0]?.json?.['channel']).toBe('U0ALICE');
    // Slack answers with the DM channel; the update must go there.
    expect(result.providerMessageId).toBe('D0ALICE:1767625200.000001');
    const fields = blocksOf(slack.calls('chat.postMessage')[0]?.json)[1]?.fields?.map((f) => f.text);
    expect(fields).toContain('*Paged*\nalice');
  });

  it('updates the same message with chat.update when acknowledged, keeping Resolve and Escalate and offering the working statuses', async () => {
    const page = channelPage();
    const { providerMessageId } = await deliver(config, page);
    const result = await deliver(
      config,
      updateRequest(page, 'acknowledged', { state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' }, providerMessageId),
    );

    expect(result.providerMessageId).toBe(providerMessageId);
    const [update] = slack.calls('chat.update');
    expect(update?.json).toMatchObject({ channel: 'C0ALERTS', ts: '1767625200.000001' });
    expect(update?.json?.['text']).toContain('ACKNOWLEDGED: acknowledged by dana');
    expect(buttons(update?.json).map((e) => e.action_id)).toEqual([
      'incident_resolve',
      'incident_escalate',
      'incident_status_investigating',
      'incident_status_identified',
      'incident_status_monitoring',
      'incident_status_mitigated',
      'incident_open_ui',
      'incident_open_runbook',
    ]);
  });

  it('drops the action buttons once the incident is resolved', async () => {
    const page = channelPage();
    const { providerMessageId } = await deliver(config, page);
    await deliver(config, updateRequest(page, 'resolved', { state: 'RESOLVED', resolvedBy: 'dana' }, providerMessageId));

    const [update] = slack.calls('chat.update');
    expect(update?.json?.['text']).toContain('RESOLVED: resolved by dana');
    expect(buttons(update?.json).map((e) => e.action_id)).toEqual(['incident_open_ui', 'incident_open_runbook']);
    const attachment = (update?.json?.['attachments'] as { color: string }[])[0];
    expect(attachment?.color).toBe('#2EB67D');
  });

  it('refuses channel_not_found without retrying, naming the incident, the channel and the fix', async () => {
    const error = await deliveryFailure(config, pageRequest({ target: 'channel:slack:C0GONE', channel: 'slack', address: 'C0GONE' }));

    expect(error.type).toBe('ProviderRejected');
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain('Slack refused incident-db-down');
    expect(error.message).toContain('channel C0GONE not found');
    expect(error.message).toContain('escalation.yaml');
    expect(error.details).toEqual([{ attempt: 1, channel: 'slack', status: 200 }]);
  });

  it('refuses a bad token (invalid_auth) without retrying and points at providers.slack.token', async () => {
    const wrong = providerConfig({ slack: { token: 'xoxb-wrong', baseUrl: slack.url } });
    const error = await deliveryFailure(wrong, channelPage());

    expect(error.type).toBe('ProviderRejected');
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain('invalid_auth');
    expect(error.message).toContain('providers.slack.token');
    expect(error.message).not.toContain('xoxb-wrong');
  });

  it('retries ok:false ratelimited after its Retry-After', async () => {
    slack.answerNext({ status: 200, headers: { 'retry-after': '3' }, body: { ok: false, error: 'ratelimited' } });
    const error = await deliveryFailure(config, channelPage());

    expect(error.type).toBe('ProviderRateLimited');
    expect(error.nonRetryable).toBe(false);
    expect(error.nextRetryDelay).toBe(3_000);
  });

  it('retries HTTP 429 after its Retry-After', async () => {
    slack.answerNext({ status: 429, headers: { 'retry-after': '12' } });
    const error = await deliveryFailure(config, channelPage(), 2);

    expect(error.type).toBe('ProviderRateLimited');
    expect(error.nextRetryDelay).toBe(12_000);
    expect(error.details).toEqual([{ attempt: 2, channel: 'slack', status: 429 }]);
  });

  it('retries a 503 from Slack as ProviderUnavailable', async () => {
    slack.answerNext({ status: 503, body: 'upstream connect error' });
    const error = await deliveryFailure(config, channelPage());
    expect(error.type).toBe('ProviderUnavailable');
    expect(error.nonRetryable).toBe(false);
  });
});
