import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { slackSignature } from '../../client/api/slack-signature.js';
import { parseConfigText } from '../../domain/config-text.js';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';
import { webhookLevel } from '../helpers/stack.js';

/**
 * The findings of the hostile-input run (issue 11): each ends in a clear 4xx naming the field, or
 * in bounded, correct behaviour, and a refused request changes nothing. Real API, real server.
 */
let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8')) as {
    alerts: Record<string, unknown>[];
  } & Record<string, unknown>;

/**
 * POSTs a body the server may refuse before reading it all (413): node:http, so the answer is read
 * even when the server closes the connection while the body is still being written.
 */
function rawPost(url: string, body: string): Promise<{ status: number; body: { details?: { path: string }[] } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${TOKENS.admin}` },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { details?: { path: string }[] } }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    req.end(body);
  });
}

const paths = (body: { details?: { path: string }[] }) => (body.details ?? []).map((d) => d.path);

describe('incident input is bounded at the edge', () => {
  it('refuses oversized details, too many labels and non-http links, naming the field, and starts nothing', async () => {
    stack = await startApiStack();
    const base = { summary: 'bounded', severity: 'critical' };
    const huge = await rawPost(
      `${stack.api.url}/v1/incidents`,
      JSON.stringify({ ...base, key: 'big-body', details: { blob: 'x'.repeat(1_500_000) } }),
    );
    expect(huge.status).toBe(413);
    expect(paths(huge.body)).toEqual(['body']);
    const details = await stack.call('POST', '/v1/incidents', {
      body: { ...base, key: 'big-details', details: { blob: 'x'.repeat(20_000) } },
    });
    expect(details.status).toBe(400);
    expect(paths(details.body)).toEqual(['details']);
    const labels = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']));
    const many = await stack.call('POST', '/v1/incidents', { body: { ...base, key: 'many-labels', labels } });
    expect(many.status).toBe(400);
    expect(paths(many.body)).toEqual(['labels']);
    const link = await stack.call('POST', '/v1/incidents', {
      body: { ...base, key: 'bad-link', links: [{ href: 'javascript:alert(1)', text: 'Click to acknowledge' }] },
    });
    expect(link.status).toBe(400);
    expect(paths(link.body)).toEqual(['links[0].href']);
    const nested = await stack.call('POST', '/v1/incidents', {
      body: `{"summary":"deep","severity":"critical","key":"deep","details":{"d":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    });
    expect(nested.status).toBe(400);
    expect(paths(nested.body)).toEqual(['details']);
    for (const key of ['big-body', 'big-details', 'many-labels', 'bad-link', 'deep']) {
      expect((await stack.call('GET', `/v1/incidents/${key}`)).status).toBe(404);
    }
  });

  it('accepts an incident at every limit at once, and it still escalates and takes answers', async () => {
    stack = await startApiStack();
    const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`label_${i}`, 'v'.repeat(200)]));
    const details = { blob: 'd'.repeat(16_000) };
    const links = Array.from({ length: 20 }, (_, i) => ({ href: `https://example.org/${'p'.repeat(1900)}/${i}`, text: 't'.repeat(200) }));
    const started = await stack.call('POST', '/v1/incidents', {
      body: { summary: 's'.repeat(500), severity: 'critical', key: 'at-the-limits', labels, details, links },
    });
    expect(started.status).toBe(202);
    await stack.peer.waitFor((requests) => requests.length >= 1);
    const escalated = await stack.call('POST', '/v1/incidents/at-the-limits/escalate', { body: { by: 'dana', reason: 'next' } });
    expect(escalated.status).toBe(200);
    expect(escalated.body.level).toBe(2);
    const acked = await stack.call('POST', '/v1/incidents/at-the-limits/acknowledge', { body: { by: 'dana' } });
    expect(acked.status).toBe(200);
    expect(acked.body.state).toBe('ACKNOWLEDGED');
  });

  it('names the field of a blank severity and a blank note (the OpenAPI document says they are trimmed)', async () => {
    stack = await startApiStack();
    const blank = await stack.call('POST', '/v1/incidents', { body: { summary: 'blank', severity: '' } });
    expect(blank.status).toBe(400);
    expect(paths(blank.body)).toEqual(['severity']);
    const doc = await stack.call('GET', '/openapi.json', { token: null });
    const input = doc.body.components.schemas.IncidentInput.properties;
    expect(input.severity.enum).toContain('p1');
    expect(input.summary.pattern).toBe('\\S');
    expect(input.labels.maxProperties).toBe(64);
  });
});

describe('route regexes are linear-time (RE2, as Alertmanager)', () => {
  it('routes on team=~(a+)+ correctly against a 30-character label, and refuses a backreference at load', async () => {
    const url = 'http://127.0.0.1:9/unused';
    stack = await startApiStack({
      routes: [{ matchers: ['team=~(a+)+'], policy: 'as' }, { policy: 'default' }],
      policies: [
        { name: 'default', levels: [webhookLevel(url, '1')] },
        { name: 'as', levels: [webhookLevel(url, '1')] },
      ],
    });
    const matched = await stack.call('POST', '/v1/incidents', {
      body: { summary: 'all a', severity: 'critical', key: 'regex-a', labels: { team: 'a'.repeat(30) } },
    });
    expect(matched.body.policy).toBe('as');
    const unmatched = await stack.call('POST', '/v1/incidents', {
      body: { summary: 'ends in b', severity: 'critical', key: 'regex-b', labels: { team: `${'a'.repeat(30)}b` } },
    });
    expect(unmatched.body.policy).toBe('default');
    expect((await stack.call('GET', '/healthz', { token: null })).status).toBe(200);

    const refused = parseConfigText(
      'policies: [{ name: a, levels: [{ targets: [{ type: log }] }] }]\nroutes:\n  - { matchers: ["team=~(a)\\\\1"], policy: a }\n  - { policy: a }\n',
      {},
    );
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.errors[0]).toMatchObject({ path: 'routes[0].matchers[0]', message: expect.stringContaining('RE2') });
  });
});

describe('Slack endpoints', () => {
  const SECRET = 'slack-signing-secret-for-tests';
  const slackConfig = { providers: { slack: { token: 'xoxb-test-token', signingSecret: SECRET } } };
  const signedAt = (body: string, timestamp: number) => ({
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(SECRET, String(timestamp), body),
  });
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${stack!.api.url}${path}`, { method: 'POST', body, headers });
    return { status: response.status, body: (await response.json()) as { text?: string; details?: { path: string; message: string }[] } };
  };

  it('refuses unsigned, future-dated and oversized requests before acting, and acts once on a replayed request', async () => {
    stack = await startApiStack(slackConfig);
    await stack.incidents.startIncident({ summary: 'slack replay', severity: 'critical', key: 'slack-replay' });
    await stack.waitForState('slack-replay', 'ACTIVE');
    const now = Math.floor(Date.now() / 1000);

    // Unsigned and large: refused on its headers (401), the body is not what stops it.
    const unsigned = await post('/v1/chat/slack/commands', 'x'.repeat(100_000), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(unsigned.status).toBe(401);
    expect(paths(unsigned.body)).toEqual(['X-Slack-Signature']);

    const command = new URLSearchParams({ command: '/incident', text: 'escalate slack-replay', user_id: 'U1' }).toString();
    const future = await post('/v1/chat/slack/commands', command, signedAt(command, now + 3600));
    expect(future.status).toBe(401);
    expect(future.body.details?.[0]?.message).toContain('in the future');

    const big = `${command}&padding=${'x'.repeat(200_000)}`;
    const oversized = await post('/v1/chat/slack/commands', big, signedAt(big, now));
    expect(oversized.status).toBe(413);
    expect(paths(oversized.body)).toEqual(['body']);
    expect((await stack.incidents.getIncident('slack-replay')).level).toBe(1);

    const headers = signedAt(command, now);
    const first = await post('/v1/chat/slack/commands', command, headers);
    expect(first.status).toBe(200);
    expect(first.body.text).toContain('escalated');
    const replay = await post('/v1/chat/slack/commands', command, headers);
    expect(replay.status).toBe(200);
    expect(replay.body.text).toContain('already handled');
    expect((await stack.incidents.getIncident('slack-replay')).level).toBe(2);
  });

  it('escapes incident text in Slack answers: no <!channel>, no disguised links', async () => {
    stack = await startApiStack(slackConfig);
    await stack.incidents.startIncident({
      summary: '<!channel> <https://evil.example|Click to acknowledge>',
      severity: 'critical',
      key: 'slack-inject',
    });
    await stack.waitForState('slack-inject', 'ACTIVE');
    const command = new URLSearchParams({ command: '/incident', text: 'show slack-inject', user_id: 'U1' }).toString();
    const show = await post('/v1/chat/slack/commands', command, signedAt(command, Math.floor(Date.now() / 1000)));
    expect(show.body.text).toContain('&lt;!channel&gt; &lt;https://evil.example|Click to acknowledge&gt;');
    expect(show.body.text).not.toContain('<!channel>');
  });
});

describe('webhook batches', () => {
  it('answers each alert on its own, applies the good ones, and a retried batch counts nothing twice', async () => {
    stack = await startApiStack();
    const template = fixture('alertmanager-firing.json');
    const first = template.alerts[0]!;
    const alerts: Record<string, unknown>[] = Array.from({ length: 16 }, (_, i) => ({
      ...first,
      fingerprint: `batch-${i}`,
      labels: { ...(first.labels as object), n: String(i) },
    }));
    alerts.push({ ...first, fingerprint: 'batch-oversized', annotations: { summary: 'too much', description: 'y'.repeat(40_000) } });
    const payload = { ...template, alerts };
    const answer = await stack.call('POST', '/v1/integrations/alertmanager', { body: payload, token: TOKENS.write });
    expect(answer.status).toBe(200);
    const actions = answer.body.results.map((r: { action: string }) => r.action);
    expect(actions.slice(0, 16)).toEqual(Array(16).fill('created'));
    expect(answer.body.results[16]).toMatchObject({ fingerprint: 'batch-oversized', action: 'invalid' });
    expect(paths(answer.body.results[16])).toEqual(['details']);
    expect((await stack.call('GET', '/v1/incidents/batch-oversized')).status).toBe(404);

    const retry = await stack.call('POST', '/v1/integrations/alertmanager', { body: payload, token: TOKENS.write });
    expect(retry.status).toBe(200);
    for (const i of [0, 7, 15]) expect((await stack.incidents.getIncident(`batch-${i}`)).occurrences).toBe(1);
  });

  it('handles a batch of 200 alerts, every result in payload order', async () => {
    stack = await startApiStack();
    const template = fixture('alertmanager-firing.json');
    const first = template.alerts[0]!;
    const alerts = Array.from({ length: 200 }, (_, i) => ({ ...first, fingerprint: `many-${i}` }));
    const answer = await stack.call('POST', '/v1/integrations/alertmanager', { body: { ...template, alerts }, token: TOKENS.write });
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: { fingerprint: string }) => r.fingerprint)).toEqual(alerts.map((a) => a.fingerprint));
    expect(new Set(answer.body.results.map((r: { action: string }) => r.action))).toEqual(new Set(['created']));
  });
});

describe('API edges', () => {
  it('limits each token on its own with 429 and Retry-After', async () => {
    stack = await startApiStack({
      api: {
        tokens: [
          { name: 'ops', token: TOKENS.admin, scopes: ['admin'] },
          { name: 'dashboard', token: TOKENS.read, scopes: ['incidents:read'] },
        ],
        rateLimit: { requestsPerSecond: 0.01, burst: 3 },
      },
    });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<ApiStack['call']>> | undefined;
    for (let i = 0; i < 4; i += 1) {
      const answer = await stack.call('GET', '/v1/incidents/nobody', { token: TOKENS.read });
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(paths(limited!.body)).toEqual(['Authorization']);
    expect((await stack.call('GET', '/v1/incidents/nobody', { token: TOKENS.admin })).status).toBe(404);
  });

  it('answers 405 with Allow to another method on a known path, 400 naming the cursor to a foreign cursor, and malformed JSON naming the body', async () => {
    stack = await startApiStack();
    const put = await stack.call('PUT', '/v1/incidents');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toContain('POST');
    const cursor = await stack.call('GET', '/v1/incidents?cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(cursor.status).toBe(400);
    expect(paths(cursor.body)).toEqual(['query.cursor']);
    const malformed = await stack.call('POST', '/v1/incidents', { body: '{"summary": ' });
    expect(malformed.status).toBe(400);
    expect(paths(malformed.body)).toEqual(['body']);
  });
});
