import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { slackSignature } from '../../client/api/slack-signature.js';
import { startApiStack, type ApiStack } from '../helpers/api.js';

const SECRET = 'slack-signing-secret-for-tests';
const DANA_SLACK_ID = 'U012AB3CD';

let stack: ApiStack | undefined;
let closeResponsePeer: (() => void) | undefined;
afterEach(async () => {
  closeResponsePeer?.();
  await stack?.stop();
  stack = undefined;
});

const slackConfig = (url = 'http://127.0.0.1:9/unused') => ({
  providers: { slack: { token: 'xoxb-test-token', signingSecret: SECRET } },
  directory: { users: [{ id: 'dana', contacts: [{ channel: 'slack', address: DANA_SLACK_ID }] }] },
  policies: [{ name: 'default', levels: [{ targets: [{ type: 'webhook', url }] }, { delay: '30s', targets: [{ type: 'webhook', url }] }] }],
});

/** A real HTTP server standing in for Slack's response_url. */
async function responsePeer(): Promise<{ url: string; received: unknown[] }> {
  const received: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeResponsePeer = () => server.close();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/actions/T1/123/abc`, received };
}

function signed(form: Record<string, string>, options: { secret?: string; ageSeconds?: number } = {}) {
  const body = new URLSearchParams(form).toString();
  const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(options.secret ?? SECRET, timestamp, body),
    },
  };
}

const buttonPress = (workflowId: string, responseUrl: string, actionId = 'incident_acknowledge') => ({
  payload: JSON.stringify({
    type: 'block_actions',
    user: { id: DANA_SLACK_ID, username: 'dana.lee', name: 'dana.lee' },
    actions: [{ type: 'button', block_id: 'incident_actions', action_id: actionId, value: workflowId, action_ts: '1700000000.000100' }],
    response_url: responseUrl,
    container: { type: 'message', message_ts: '1700000000.000001', channel_id: 'C123' },
  }),
});

async function post(path: string, request: { body: string; headers: Record<string, string> }) {
  const response = await fetch(`${stack!.api.url}${path}`, { method: 'POST', body: request.body, headers: request.headers });
  return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('POST /v1/chat/slack/interactions', () => {
  it('acknowledges the incident as the directory user behind the Slack id and answers through response_url', async () => {
    const peer = await responsePeer();
    stack = await startApiStack(slackConfig(), { isSlackResponseUrlAllowed: (url) => url.startsWith('http://127.0.0.1:') });
    await stack.incidents.startIncident({ summary: 'slack ack', severity: 'critical', key: 'slack-ack' });
    await stack.waitForState('slack-ack', 'ACTIVE');
    const answer = await post('/v1/chat/slack/interactions', signed(buttonPress('incident-slack-ack', peer.url)));
    expect(answer.status).toBe(200);
    expect(answer.body.text).toContain('acknowledged by <@U012AB3CD>');
    expect(await stack.incidents.getIncident('slack-ack')).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' });
    await stack.eventually(
      async () => peer.received.length,
      (n) => n === 1,
      5_000,
    );
    expect(peer.received[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });

    // A second press is another request (its own action_ts); the same signed request again would be a replay.
    // Pressed again by the same person it is the same acknowledgement; by someone else it is refused.
    const secondPress = { payload: buttonPress('incident-slack-ack', peer.url).payload.replace('1700000000.000100', '1700000000.000200') };
    const repeated = await post('/v1/chat/slack/interactions', signed(secondPress));
    expect(repeated.status).toBe(200);
    expect(repeated.body.text).toContain('now ACKNOWLEDGED');
    const otherPress = JSON.parse(secondPress.payload.replace('1700000000.000200', '1700000000.000300')) as { user: { id: string } };
    otherPress.user.id = 'U999OTHER';
    const refused = await post('/v1/chat/slack/interactions', signed({ payload: JSON.stringify(otherPress) }));
    expect(refused.status).toBe(200);
    expect(refused.body.text).toContain('already ACKNOWLEDGED');
    const after = await stack.incidents.getIncident('slack-ack');
    expect(after.timeline.filter((e) => e.kind === 'move' && e.to === 'ACKNOWLEDGED')).toHaveLength(1);
  });

  it('resolves with the Resolve button, as slack:<id> for a user outside the directory', async () => {
    stack = await startApiStack(slackConfig());
    await stack.incidents.startIncident({ summary: 'slack resolve', severity: 'critical', key: 'slack-resolve' });
    const press = JSON.parse(buttonPress('incident-slack-resolve', 'https://hooks.slack.com/actions/x', 'incident_resolve').payload) as {
      user: { id: string };
    };
    press.user.id = 'U999OTHER';
    const answer = await post('/v1/chat/slack/interactions', signed({ payload: JSON.stringify(press) }));
    expect(answer.status).toBe(200);
    expect(await stack.incidents.getIncident('slack-resolve')).toMatchObject({ state: 'RESOLVED', resolvedBy: 'slack:U999OTHER' });
  });

  it('sets the working status with a status button of the acknowledged message', async () => {
    stack = await startApiStack(slackConfig());
    await stack.incidents.startIncident({ summary: 'slack status', severity: 'critical', key: 'slack-status' });
    await stack.waitForState('slack-status', 'ACTIVE');
    await stack.incidents.acknowledge('slack-status', 'dana');
    const answer = await post(
      '/v1/chat/slack/interactions',
      signed(buttonPress('incident-slack-status', 'https://hooks.slack.com/actions/x', 'incident_status_monitoring')),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.text).toContain('incident-slack-status is monitoring');
    expect((await stack.incidents.getIncident('slack-status')).workingStatus).toMatchObject({ status: 'monitoring', by: 'dana' });
  });

  it('answers 401 to a wrong signature and to a stale timestamp, and changes nothing', async () => {
    stack = await startApiStack(slackConfig());
    await stack.incidents.startIncident({ summary: 'slack refused', severity: 'critical', key: 'slack-refused' });
    await stack.waitForState('slack-refused', 'ACTIVE');
    const press = buttonPress('incident-slack-refused', 'https://hooks.slack.com/actions/x');
    const wrong = await post('/v1/chat/slack/interactions', signed(press, { secret: 'not-the-secret' }));
    expect(wrong.status).toBe(401);
    expect(wrong.body.details[0].message).toContain('does not match');
    const stale = await post('/v1/chat/slack/interactions', signed(press, { ageSeconds: 6 * 60 }));
    expect(stale.status).toBe(401);
    expect(stale.body.details[0].message).toContain('more than 5 minutes');
    const unsigned = await post('/v1/chat/slack/interactions', {
      body: new URLSearchParams(press).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(unsigned.status).toBe(401);
    expect((await stack.incidents.getIncident('slack-refused')).state).toBe('ACTIVE');
  });
});

describe('POST /v1/chat/slack/commands', () => {
  it('acknowledges, shows and lists with /incident', async () => {
    stack = await startApiStack(slackConfig());
    await stack.incidents.startIncident({ summary: 'slash command', severity: 'critical', service: 'db', key: 'slack-cmd' });
    await stack.waitForState('slack-cmd', 'ACTIVE');
    const command = (text: string) =>
      signed({
        command: '/incident',
        text,
        user_id: DANA_SLACK_ID,
        user_name: 'dana.lee',
        response_url: 'https://hooks.slack.com/commands/x',
      });
    const ack = await post('/v1/chat/slack/commands', command('ack slack-cmd looking now'));
    expect(ack.body).toMatchObject({ response_type: 'in_channel' });
    expect(ack.body.text).toContain('acknowledged');
    const status = await post('/v1/chat/slack/commands', command('status slack-cmd identified the replica is behind'));
    expect(status.body).toMatchObject({ response_type: 'in_channel', text: expect.stringContaining('is identified') });
    expect((await stack.incidents.getIncident('slack-cmd')).workingStatus).toMatchObject({
      status: 'identified',
      by: 'dana',
      note: 'the replica is behind',
    });
    expect((await post('/v1/chat/slack/commands', command('status slack-cmd napping'))).body.text).toContain('usage');
    const show = await post('/v1/chat/slack/commands', command('show slack-cmd'));
    expect(show.body.text).toContain('ACKNOWLEDGED');
    expect(show.body.text).toContain('acknowledged by dana');
    const list = await stack.eventually(
      () => post('/v1/chat/slack/commands', command('list')),
      (answer) => String(answer.body.text).includes('slack-cmd') && String(answer.body.text).includes('ACKNOWLEDGED'),
    );
    expect(list.body.response_type).toBe('ephemeral');
    expect((await post('/v1/chat/slack/commands', command('resolve nobody-here'))).body.text).toContain('no incident');
    expect((await post('/v1/chat/slack/commands', command('dance'))).body.text).toContain('usage');
  });

  it('answers 401 to an unsigned command', async () => {
    stack = await startApiStack(slackConfig());
    const body = new URLSearchParams({ command: '/incident', text: 'list', user_id: DANA_SLACK_ID }).toString();
    expect((await post('/v1/chat/slack/commands', { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(
      401,
    );
  });
});
