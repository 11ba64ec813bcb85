import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { slackSignature } from '../../client/api/slack-signature.js';
import { startApiStack, type ApiStack } from '../helpers/api.js';
import { runEscalate, type CliResult } from '../helpers/cli.js';
import { webhookLevel } from '../helpers/stack.js';

// What responders ask of an incident beyond ack and resolve (issue 12), through the HTTP API, the
// OpenAPI document, Slack's slash command and the CLI, on the run's Temporal server.
const SECRET = 'slack-signing-secret-for-tests';
const DANA_SLACK_ID = 'U012AB3CD';

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** Three levels 30 s apart (nothing moves by itself during a test), each its own webhook at the peer. */
function threeLevels(): Promise<ApiStack> {
  return startApiStack((url) => ({
    providers: { slack: { token: 'xoxb-test-token', signingSecret: SECRET } },
    directory: { users: [{ id: 'dana', contacts: [{ channel: 'slack', address: DANA_SLACK_ID }] }] },
    policies: [
      {
        name: 'default',
        levels: [webhookLevel(url, '1'), webhookLevel(url, '2', { delay: '30s' }), webhookLevel(url, '3', { delay: '30s' })],
      },
    ],
  }));
}

/** A slash command signed as Slack signs it, from the Slack user who is dana in the directory. */
async function slackCommand(name: string, text: string): Promise<{ response_type: string; text: string }> {
  const body = new URLSearchParams({ command: name, text, user_id: DANA_SLACK_ID, user_name: 'dana.lee' }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${stack!.api.url}/v1/chat/slack/commands`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(SECRET, timestamp, body),
    },
  });
  return (await response.json()) as { response_type: string; text: string };
}

/** The real `escalate` binary against this stack's task queue. */
function cliFor(running: ApiStack): (args: string[]) => Promise<CliResult> {
  const dir = mkdtempSync(join(tmpdir(), 'escalate-responders-'));
  const configFile = join(dir, 'escalation.json');
  writeFileSync(configFile, JSON.stringify({ policies: [{ name: 'default', levels: [{ targets: [{ type: 'log' }] }] }] }));
  const common = ['--address', inject('temporalAddress'), '--namespace', inject('temporalNamespace'), '--task-queue', running.taskQueue];
  return (args) => runEscalate([...common, '--config', configFile, ...args]);
}

async function openIncident(key: string): Promise<void> {
  await stack!.incidents.startIncident({ summary: `incident ${key}`, severity: 'critical', key });
  await stack!.waitForState(key, 'ACTIVE');
}

describe('POST /v1/incidents/{id}/escalate with toLevel', () => {
  it('pages the level asked for, answers 400 for a level that is no number and 409 for one the policy lacks', async () => {
    stack = await threeLevels();
    await openIncident('api-to-level');
    const jumped = await stack.call('POST', '/v1/incidents/api-to-level/escalate', { body: { by: 'dana', toLevel: 3 } });
    expect(jumped.status).toBe(200);
    expect(jumped.body).toMatchObject({ state: 'ACTIVE', level: 3, escalationCount: 1 });

    const zero = await stack.call('POST', '/v1/incidents/api-to-level/escalate', { body: { by: 'dana', toLevel: 0 } });
    expect(zero.status).toBe(400);
    expect(zero.body.details).toContainEqual({ path: 'toLevel', message: 'levels count from 1' });

    const missing = await stack.call('POST', '/v1/incidents/api-to-level/escalate', { body: { by: 'dana', toLevel: 4 } });
    expect(missing.status).toBe(409);
    expect(missing.body.error).toBe('incident-api-to-level: policy default has levels 1 to 3; there is no level 4');
    expect((await stack.incidents.getIncident('api-to-level')).level).toBe(3);
  });

  it('documents toLevel in the OpenAPI document', async () => {
    stack = await startApiStack();
    const doc = await stack.call('GET', '/openapi.json', { token: null });
    const body = doc.body.paths['/v1/incidents/{id}/escalate'].post.requestBody.content['application/json'].schema;
    expect(body).toEqual({ $ref: '#/components/schemas/EscalateBody' });
    expect(doc.body.components.schemas.EscalateBody.properties.toLevel).toMatchObject({ type: 'integer', minimum: 1 });
  });
});

describe('/escalate ID level N in Slack', () => {
  const command = (text: string) => slackCommand('/escalate', text);

  it('escalates to that level as the directory user behind the Slack id, and explains a bad level', async () => {
    stack = await threeLevels();
    await openIncident('slack-level');
    const answer = await command('escalate slack-level level 3 db team needed');
    expect(answer).toEqual({
      response_type: 'in_channel',
      text: `incident-slack-level escalated by <@${DANA_SLACK_ID}>: now ACTIVE, level 3`,
    });
    const record = await stack.incidents.getIncident('slack-level');
    expect(record.timeline.find((e) => e.from === 'ACTIVE' && e.to === 'ESCALATING')).toMatchObject({
      by: 'dana',
      reason: 'db team needed',
    });
    expect((await command('escalate slack-level level three')).text).toBe('usage: /escalate escalate <incident id> level <n> [note]');
    expect((await command('escalate slack-level level 5')).text).toBe(
      ':warning: incident-slack-level: policy default has levels 1 to 3; there is no level 5',
    );
  });
});

describe('escalate escalate <incident> --to-level', () => {
  it('pages the level asked for, and exits 4 with the reason for a level the policy lacks', async () => {
    stack = await threeLevels();
    const cli = cliFor(stack);
    await openIncident('cli-level');
    const jumped = await cli(['escalate', 'cli-level', '--to-level', '2', '--by', 'dana', '--json']);
    expect(jumped.code).toBe(0);
    expect(JSON.parse(jumped.stdout)).toMatchObject({ state: 'ACTIVE', level: 2 });
    const refused = await cli(['escalate', 'cli-level', '--to-level', '7', '--by', 'dana']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toBe('refused: incident-cli-level: policy default has levels 1 to 3; there is no level 7\n');
    const invalid = await cli(['escalate', 'cli-level', '--to-level', 'two']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('toLevel: must be a level number such as 3');
  });
});

describe('POST /v1/incidents/{id}/unacknowledge, /reassign, /snooze', () => {
  it('snoozes, un-acknowledges and reassigns, answering 400 for a bad body and 409 for a refused move', async () => {
    stack = await threeLevels();
    await openIncident('api-responders');
    const call = (operation: string, body: unknown) => stack!.call('POST', `/v1/incidents/api-responders/${operation}`, { body });

    const snoozed = await call('snooze', { by: 'dana', for: '30m' });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body).toMatchObject({ state: 'ACKNOWLEDGED', snoozed: { by: 'dana' } });
    expect((await call('snooze', { by: 'dana', for: 'later' })).body.details[0].path).toBe('for');

    const unacked = await call('unacknowledge', { by: 'dana', reason: 'not mine' });
    expect(unacked.status).toBe(200);
    expect(unacked.body).toMatchObject({ state: 'ACTIVE', level: 1 });
    const again = await call('unacknowledge', { by: 'dana' });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('incident-api-responders: cannot unacknowledge: the incident is ACTIVE, not ACKNOWLEDGED');

    const reassigned = await call('reassign', { by: 'dana', targets: [{ type: 'webhook', url: `${stack.peer.url}?to=bob` }] });
    expect(reassigned.status).toBe(200);
    expect(reassigned.body.timeline.at(-1)).toMatchObject({ by: 'dana', reason: `reassigned to webhook:${stack.peer.url}?to=bob` });
    await stack.peer.waitFor((received) => received.some((r) => r.path.endsWith('?to=bob')));
    const empty = await call('reassign', { by: 'dana', targets: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.details).toContainEqual({ path: 'targets', message: 'name at least one target to page' });
  });

  it('documents the three routes in the OpenAPI document', async () => {
    stack = await startApiStack();
    const doc = await stack.call('GET', '/openapi.json', { token: null });
    for (const [operation, schema] of [
      ['unacknowledge', 'ReasonBody'],
      ['reassign', 'ReassignBody'],
      ['snooze', 'SnoozeBody'],
    ]) {
      const route = doc.body.paths[`/v1/incidents/{id}/${operation}`].post;
      expect(route.requestBody.content['application/json'].schema).toEqual({ $ref: `#/components/schemas/${schema}` });
      expect(Object.keys(route.responses)).toContain('409');
    }
  });
});

describe('snooze and unack in Slack, unack, reassign and snooze in the CLI', () => {
  it('snoozes and un-acknowledges with /incident', async () => {
    stack = await threeLevels();
    await openIncident('slack-snooze');
    const snoozed = await slackCommand('/incident', 'snooze slack-snooze 45m after lunch');
    expect(snoozed.response_type).toBe('in_channel');
    const record = await stack.incidents.getIncident('slack-snooze');
    expect(snoozed.text).toBe(`incident-slack-snooze snoozed by <@${DANA_SLACK_ID}>: now ACKNOWLEDGED until ${record.snoozed?.until}`);
    expect(record.snoozed?.by).toBe('dana');
    expect((await slackCommand('/incident', 'snooze slack-snooze')).text).toBe(
      'usage: /incident snooze &lt;incident id&gt; &lt;duration such as 30m&gt; [note]',
    );
    const unacked = await slackCommand('/incident', 'unack slack-snooze');
    expect(unacked.text).toBe(`incident-slack-snooze un-acknowledged by <@${DANA_SLACK_ID}>: now ACTIVE`);
  });

  it('runs unack, reassign and snooze, exiting 2 for a bad target and 4 for a refused move', async () => {
    stack = await threeLevels();
    const cli = cliFor(stack);
    await openIncident('cli-responders');
    const snoozed = await cli(['snooze', 'cli-responders', '--for', '1h', '--by', 'dana', '--json']);
    expect(snoozed.code).toBe(0);
    expect(JSON.parse(snoozed.stdout)).toMatchObject({ state: 'ACKNOWLEDGED', snoozed: { by: 'dana' } });
    const unacked = await cli(['unack', 'cli-responders', '--by', 'dana', '--json']);
    expect(JSON.parse(unacked.stdout)).toMatchObject({ state: 'ACTIVE' });
    const refused = await cli(['unack', 'cli-responders', '--by', 'dana']);
    expect(refused.code).toBe(4);
    const badTarget = await cli(['reassign', 'cli-responders', '--target', 'email:bob']);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toContain('targets[0].address: must be an email address');
    const reassigned = await cli([
      'reassign',
      'cli-responders',
      '--target',
      `webhook:${stack.peer.url}?to=carol`,
      '--by',
      'dana',
      '--json',
    ]);
    expect(reassigned.code).toBe(0);
    await stack.peer.waitFor((received) => received.some((r) => r.path.endsWith('?to=carol')));
  });
});
