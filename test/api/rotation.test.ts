import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';
import { escalateOn } from '../helpers/cli.js';

// Whose turn it is on a round-robin level, through the API and the CLI, read from the rotation's
// workflow on the real server after two incidents were paged.
let stack: ApiStack;
const policy = `rr-view-${randomUUID().slice(0, 8)}`;
const logUser = (id: string, extra: Record<string, unknown> = {}) => ({ id, contacts: [{ channel: 'log', address: id }], ...extra });
const config = {
  directory: {
    users: [logUser('ann'), logUser('ben'), logUser('bob'), logUser('cat')],
    teams: [{ id: 'rota', members: ['ann', 'cat'], notify: 'round-robin' }],
  },
  policies: [
    {
      name: policy,
      levels: [
        {
          notify: 'round-robin',
          targets: ['ann', 'ben', 'bob', 'cat'].map((id) => ({ type: 'user', id })),
        },
        { delay: '1h', targets: [{ type: 'team', id: 'rota' }] },
        { delay: '1h', targets: [{ type: 'log' }] },
      ],
    },
  ],
};

beforeAll(async () => {
  stack = await startApiStack(config);
  for (const n of [1, 2]) {
    const key = `rr-view-${n}-${policy}`;
    await stack.incidents.startIncident({ summary: `queue stuck ${n}`, severity: 'critical', key, policy });
    await stack.waitForRecord(key, (r) => r.notifications.some((x) => x.status === 'delivered'));
  }
});
afterAll(async () => {
  for (const n of [1, 2]) await stack.incidents.resolve(`rr-view-${n}-${policy}`, 'ann', 'done').catch(() => undefined);
  await stack.incidents.temporal.workflow
    .getHandle(`rotation-${policy}-1`)
    .terminate('test over')
    .catch(() => undefined);
  await stack.stop();
});

describe('GET /v1/policies/{policy}/levels/{level}/rotation', () => {
  it('answers the people, how many were paged, who went last and who is next', async () => {
    const { status, body } = await stack.call('GET', `/v1/policies/${policy}/levels/1/rotation`, { token: TOKENS.read });
    expect(status).toBe(200);
    expect(body).toEqual({
      policy,
      level: 1,
      rotations: [{ id: `rotation-${policy}-1`, members: ['ann', 'ben', 'bob', 'cat'], turns: 2, last: 'ben', next: 'bob' }],
    });
  });

  it("shows a round-robin team's own rotation on a level that pages everyone, before it ever paged", async () => {
    const { status, body } = await stack.call('GET', `/v1/policies/${policy}/levels/2/rotation`, { token: TOKENS.read });
    expect(status).toBe(200);
    expect(body.rotations).toEqual([
      { id: `rotation-${policy}-2-team-rota`, team: 'rota', members: ['ann', 'cat'], turns: 0, next: 'ann' },
    ]);
  });

  it('answers 404 naming the field for a level without round robin, a level past the last and an unknown policy', async () => {
    const plain = await stack.call('GET', `/v1/policies/${policy}/levels/3/rotation`, { token: TOKENS.read });
    expect(plain.status).toBe(404);
    expect(plain.body.details).toEqual([
      { path: 'level', message: expect.stringMatching(/level 3 pages everyone: it is not round-robin/) as unknown },
    ]);
    const past = await stack.call('GET', `/v1/policies/${policy}/levels/9/rotation`, { token: TOKENS.read });
    expect(past.body.error).toMatch(/has 3 level\(s\); name one of 1 to 3/);
    const unknown = await stack.call('GET', '/v1/policies/nope/levels/1/rotation', { token: TOKENS.read });
    expect(unknown.status).toBe(404);
    expect(unknown.body.details[0].path).toBe('policy');
  });

  it('refuses a level that is not a number, and a request without a token', async () => {
    const bad = await stack.call('GET', `/v1/policies/${policy}/levels/zero/rotation`, { token: TOKENS.read });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('param.level');
    expect((await stack.call('GET', `/v1/policies/${policy}/levels/1/rotation`, { token: null })).status).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const { body } = await stack.call('GET', '/openapi.json');
    expect(Object.keys(body.paths)).toContain('/v1/policies/{policy}/levels/{level}/rotation');
  });
});

describe('escalate rotation', () => {
  it('prints whose turn it is, and exits 3 for a level without round robin', async () => {
    const escalate = escalateOn(stack.taskQueue, config);
    const shown = await escalate(['rotation', policy, '1']);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(`rotation-${policy}-1 (policy ${policy} level 1): ann → ben → bob → cat\n  2 paged, last ben; next bob\n`);
    const missing = await escalate(['rotation', policy, '3']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/level 3 pages everyone/);
  });
});
