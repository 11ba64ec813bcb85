import { afterEach, describe, expect, it } from 'vitest';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('POST /v1/incidents', () => {
  it('accepts an alert with 202 as a new incident, then counts the same key as an occurrence', async () => {
    stack = await startApiStack();
    const body = { summary: 'db primary down', severity: 'critical', service: 'db', key: 'api-open' };
    const first = await stack.call('POST', '/v1/incidents', { body, token: TOKENS.write });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      escalated: true,
      accepted: true,
      created: true,
      incidentId: 'incident-api-open',
      policy: 'default',
    });
    const second = await stack.call('POST', '/v1/incidents', { body, token: TOKENS.write });
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ escalated: true, accepted: true, created: false, incidentId: 'incident-api-open' });
    expect((await stack.incidents.getIncident('api-open')).occurrences).toBe(2);
  });

  it('accepts alerts while no worker runs, lists them PENDING, and pages once a worker starts', async () => {
    stack = await startApiStack({}, {}, { worker: false });
    const body = { summary: 'checkout 5xx', severity: 'critical', service: 'checkout', key: 'api-no-worker' };
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await stack.call('POST', '/v1/incidents', { body }));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(answers.map((a) => a.body.created)).toEqual([true, false, false]);
    const listed = await stack.eventually(
      () => stack!.call('GET', '/v1/incidents?service=checkout'),
      (a) => a.body.incidents?.some((i: { workflowId: string }) => i.workflowId === 'incident-api-no-worker'),
    );
    expect(listed.body.incidents.find((i: { workflowId: string }) => i.workflowId === 'incident-api-no-worker')).toMatchObject({
      state: 'PENDING',
      severity: 'critical',
    });
    expect(stack.peer.received).toHaveLength(0);

    await stack.startWorker();
    await stack.peer.waitFor((received) => received.some((r) => r.body.incident.workflowId === 'incident-api-no-worker'));
    const record = await stack.waitForState('api-no-worker', 'ACTIVE');
    expect(record).toMatchObject({ occurrences: 3, level: 1 });
    expect(stack.peer.keysFor('incident-api-no-worker')).toHaveLength(1);
  });

  it('opens one incident for racing copies of one key and counts every copy', async () => {
    stack = await startApiStack();
    const body = { summary: 'disk full', severity: 'critical', key: 'api-race' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => stack!.call('POST', '/v1/incidents', { body })));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(answers.filter((a) => a.body.created)).toHaveLength(1);
    const record = await stack.waitForRecord('api-race', (r) => r.occurrences === 8);
    expect(record.occurrences).toBe(8);
  });

  it('answers 200 with escalated false and the reason when the gates hold the alert back', async () => {
    stack = await startApiStack();
    const answer = await stack.call('POST', '/v1/incidents', { body: { summary: 'fyi', severity: 'info', key: 'api-gated' } });
    expect(answer.status).toBe(200);
    expect(answer.body.escalated).toBe(false);
    expect(answer.body.reason).toContain('minSeverity');
    expect((await stack.call('GET', '/v1/incidents/api-gated')).status).toBe(404);
  });

  it('answers 400 naming each bad field and starts nothing', async () => {
    stack = await startApiStack();
    const answer = await stack.call('POST', '/v1/incidents', {
      body: { severity: 'urgent-ish', key: 'api-bad', labels: { 'bad name': 'x' } },
    });
    expect(answer.status).toBe(400);
    const paths = answer.body.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['summary', 'severity']));
    expect(answer.body.error).toContain('nothing was changed');
    expect((await stack.call('GET', '/v1/incidents/api-bad')).status).toBe(404);
  });

  it('answers 400 for a body that is not JSON', async () => {
    stack = await startApiStack();
    const answer = await stack.call('POST', '/v1/incidents', { body: '{"summary": ', headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toHaveProperty('error');
    expect(answer.body).toHaveProperty('details');
  });

  it('answers 400 naming the policy when the body names one that does not exist', async () => {
    stack = await startApiStack();
    const answer = await stack.call('POST', '/v1/incidents', {
      body: { summary: 'x', severity: 'critical', policy: 'nope', key: 'api-nopolicy' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.details[0].path).toBe('policy');
  });

  it('answers 401 without a token or with an unknown one, and 403 to a read-only token', async () => {
    stack = await startApiStack();
    const body = { summary: 'auth', severity: 'critical', key: 'api-auth' };
    const none = await stack.call('POST', '/v1/incidents', { body, token: null });
    expect(none.status).toBe(401);
    expect(none.body.details[0].path).toBe('Authorization');
    expect((await stack.call('POST', '/v1/incidents', { body, token: 'not-a-token-at-all-000' })).status).toBe(401);
    const readOnly = await stack.call('POST', '/v1/incidents', { body, token: TOKENS.read });
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.details[0].message).toContain('incidents:write');
    expect((await stack.call('GET', '/v1/incidents/api-auth')).status).toBe(404);
  });

  it('accepts ESCALATION_API_TOKEN with every scope', async () => {
    stack = await startApiStack({}, { apiToken: 'env-token-abcdefghijklmnop' });
    const answer = await stack.call('POST', '/v1/incidents', {
      body: { summary: 'env', severity: 'critical', key: 'api-env' },
      token: 'env-token-abcdefghijklmnop',
    });
    expect(answer.status).toBe(202);
  });
});

describe('GET /v1/incidents/:id', () => {
  it('answers the record by key or by workflow id, 404 for an unknown one, 401 without a token', async () => {
    stack = await startApiStack();
    await stack.call('POST', '/v1/incidents', { body: { summary: 'read me', severity: 'error', key: 'api-read' } });
    const byKey = await stack.call('GET', '/v1/incidents/api-read', { token: TOKENS.read });
    expect(byKey.status).toBe(200);
    expect(byKey.body).toMatchObject({ workflowId: 'incident-api-read', summary: 'read me', severity: 'error' });
    expect((await stack.call('GET', '/v1/incidents/incident-api-read')).body.key).toBe('api-read');
    const unknown = await stack.call('GET', '/v1/incidents/api-never-raised');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain('incident-api-never-raised');
    expect((await stack.call('GET', '/v1/incidents/api-read', { token: null })).status).toBe(401);
  });
});

describe('POST /v1/incidents with Idempotency-Key', () => {
  it('counts a retried alert once, and another key as another occurrence', async () => {
    stack = await startApiStack();
    const body = { summary: 'retried', severity: 'critical', key: 'api-idempotent' };
    const send = (key: string) => stack!.call('POST', '/v1/incidents', { body, headers: { 'Idempotency-Key': key } });
    const first = await send('alert-1');
    expect(first.status).toBe(202);
    expect(first.body.created).toBe(true);
    await stack.waitForState('api-idempotent', 'ACTIVE');
    expect((await send('alert-1')).status).toBe(202);
    expect((await send('alert-2')).status).toBe(202);
    expect((await send('alert-2')).status).toBe(202);
    const record = await stack.waitForRecord('api-idempotent', (r) => r.occurrences >= 2);
    // Two distinct alerts; the repeats of each were dropped by the server. Read again once the
    // last repeat has surely been taken, to see no third occurrence arrive.
    await stack.call('POST', '/v1/incidents/api-idempotent/annotate', { body: { note: 'barrier' } });
    expect((await stack.incidents.getIncident('api-idempotent')).occurrences).toBe(2);
    expect(record.occurrences).toBe(2);
    const tooLong = await stack.call('POST', '/v1/incidents', { body, headers: { 'Idempotency-Key': 'k'.repeat(201) } });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body.details)).toContain('idempotency-key');
  });
});

describe('POST /v1/incidents/:id/{operation}', () => {
  it('acknowledges, refuses a second acknowledgement with 409, annotates, then resolves', async () => {
    stack = await startApiStack();
    await stack.call('POST', '/v1/incidents', { body: { summary: 'answer me', severity: 'critical', key: 'api-moves' } });
    await stack.waitForState('api-moves', 'ACTIVE');
    const ack = await stack.call('POST', '/v1/incidents/api-moves/acknowledge', {
      body: { by: 'dana', note: 'on it' },
      token: TOKENS.write,
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' });
    const again = await stack.call('POST', '/v1/incidents/api-moves/acknowledge', { body: { by: 'lee' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toContain('already ACKNOWLEDGED');
    const note = await stack.call('POST', '/v1/incidents/api-moves/annotate', { body: { note: 'failover started' }, token: TOKENS.write });
    expect(note.status).toBe(200);
    expect(
      note.body.timeline.some(
        (e: { kind: string; by: string; reason?: string }) => e.kind === 'note' && e.by === 'api:ci' && e.reason === 'failover started',
      ),
    ).toBe(true);
    const resolved = await stack.call('POST', '/v1/incidents/api-moves/resolve', { body: { by: 'dana', note: 'failed over' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ state: 'RESOLVED', resolvedBy: 'dana' });
  });

  it('refuses to acknowledge a resolved incident with 409 and the state machine reason', async () => {
    stack = await startApiStack();
    await stack.call('POST', '/v1/incidents', { body: { summary: 'closed', severity: 'critical', key: 'api-closed' } });
    expect((await stack.call('POST', '/v1/incidents/api-closed/resolve', { body: { by: 'dana' } })).status).toBe(200);
    const refused = await stack.call('POST', '/v1/incidents/api-closed/acknowledge', { body: { by: 'lee' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/RESOLVED/);
    expect(refused.body.details[0].path).toBe('state');
  });

  it('escalates to the next level now, and cancels', async () => {
    stack = await startApiStack();
    await stack.call('POST', '/v1/incidents', { body: { summary: 'escalate me', severity: 'critical', key: 'api-escalate' } });
    await stack.waitForState('api-escalate', 'ACTIVE');
    const escalated = await stack.call('POST', '/v1/incidents/api-escalate/escalate', { body: { by: 'dana', reason: 'need the dba' } });
    expect(escalated.status).toBe(200);
    await stack.waitForRecord('api-escalate', (r) => r.level === 2);
    const cancelled = await stack.call('POST', '/v1/incidents/api-escalate/cancel', { body: { by: 'dana', reason: 'false alarm' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('CANCELLED');
  });

  it('answers 404 for an unknown incident, 400 for a bad body, 403 to a read-only token, and changes nothing', async () => {
    stack = await startApiStack();
    expect((await stack.call('POST', '/v1/incidents/api-nobody/acknowledge', { body: { by: 'dana' } })).status).toBe(404);
    await stack.call('POST', '/v1/incidents', { body: { summary: 'keep me', severity: 'critical', key: 'api-keep' } });
    await stack.waitForState('api-keep', 'ACTIVE');
    const bad = await stack.call('POST', '/v1/incidents/api-keep/annotate', { body: { by: 'dana' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('note');
    const extra = await stack.call('POST', '/v1/incidents/api-keep/acknowledge', { body: { by: 'dana', reason: 'wrong field' } });
    expect(extra.status).toBe(400);
    expect((await stack.call('POST', '/v1/incidents/api-keep/acknowledge', { body: { by: 'dana' }, token: TOKENS.read })).status).toBe(403);
    expect((await stack.call('GET', '/v1/incidents/api-keep')).body.state).toBe('ACTIVE');
  });

  it('answers 503 with Retry-After when no worker answers in time, and never piles answers past the server limit', async () => {
    stack = await startApiStack({}, {}, { worker: false, answerTimeoutMs: 300 });
    expect(
      (await stack.call('POST', '/v1/incidents', { body: { summary: 'no worker', severity: 'critical', key: 'api-503' } })).status,
    ).toBe(202);
    // A client that retries 15 times: the first answers wait for a worker, the rest are told at once.
    const answers = [];
    for (let i = 0; i < 15; i += 1) answers.push(await stack.call('POST', '/v1/incidents/api-503/acknowledge', { body: { by: 'dana' } }));
    expect(answers.map((a) => a.status)).toEqual(Array(15).fill(503));
    expect(answers.every((a) => a.body.error.includes('incident-api-503'))).toBe(true);
    expect(answers[0]?.body.error).toContain('no escalation worker answered');
    expect(answers.every((a) => a.headers.get('retry-after') === '1')).toBe(true);
    expect(answers.at(-1)?.body.error).toContain('already waiting for an escalation worker');
    const read = await stack.call('GET', '/v1/incidents/api-503');
    expect(read.status).toBe(503);

    // The answers that waited take effect once a worker runs: acknowledged once, nothing refused by the server.
    await stack.startWorker();
    const record = await stack.eventually(
      () => stack!.incidents.getIncident('api-503').catch(() => undefined),
      (r) => r?.state === 'ACKNOWLEDGED',
    );
    expect(record?.acknowledgedBy).toBe('dana');
    expect((await stack.call('POST', '/v1/incidents/api-503/resolve', { body: { by: 'dana' } })).status).toBe(200);
  });
});
