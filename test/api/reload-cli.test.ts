import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEscalate, type CliResult } from '../helpers/cli.js';
import { policyVersion } from '../../domain/policy-version.js';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';

const escalate = (args: string[]): Promise<CliResult> => runEscalate(args);

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const fileConfig = (delay: string) => ({
  api: { tokens: [{ name: 'ops', token: TOKENS.admin, scopes: ['admin'] }] },
  policies: [{ name: 'default', levels: [{ targets: [{ type: 'log' }] }, { delay, targets: [{ type: 'log' }] }] }],
});

describe('escalate policy reload', () => {
  it('makes the running API re-read its config file and prints the new policy versions', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'escalate-reload-')), 'escalation.json');
    writeFileSync(file, JSON.stringify(fileConfig('30s')));
    stack = await startApiStack({}, { configFile: file });
    writeFileSync(file, JSON.stringify(fileConfig('5m')));

    const reloaded = await escalate(['policy', 'reload', '--url', stack.api.url, '--token', TOKENS.admin]);
    expect(reloaded).toMatchObject({ code: 0, stderr: '' });
    const version = policyVersion(stack.incidents.config.policies[0]!);
    expect(reloaded.stdout.trim()).toBe(`reloaded ${file} (load #2): default@${version}`);
    expect(stack.incidents.config.policies[0]?.levels[1]?.delay).toBe(300_000);
  });

  it('exits 2 with each bad field when the API refuses the file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'escalate-reload-')), 'escalation.json');
    writeFileSync(file, JSON.stringify(fileConfig('30s')));
    stack = await startApiStack({}, { configFile: file });
    writeFileSync(file, JSON.stringify(fileConfig('later')));

    const refused = await escalate(['policy', 'reload', '--url', stack.api.url, '--token', TOKENS.admin]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`reload refused (422): ${file} is not a valid config; the previous config stays in force`);
    expect(refused.stderr).toMatch(/policies\[0\]\.levels\[1\]\.delay: "later" is not a duration/);
  });

  it('exits 1 and asks for an admin token when the token lacks the scope', async () => {
    stack = await startApiStack({}, { configFile: join(tmpdir(), 'unused.json') });
    const refused = await escalate(['policy', 'reload', '--url', stack.api.url, '--token', TOKENS.write]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/reload refused \(403\): forbidden \(pass --token with an admin-scope token\)/);
  });
});
