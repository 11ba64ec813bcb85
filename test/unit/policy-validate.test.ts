import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEscalate, type CliResult } from '../helpers/cli.js';

/** `escalate policy validate` as an engineer runs it: the real bin, a real file, its exit code and output. */

const dir = mkdtempSync(join(tmpdir(), 'escalate-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function validate(text: string): Promise<CliResult> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return runEscalate(['policy', 'validate', file]);
}

describe('escalate policy validate', () => {
  it('reports unknown user, team and schedule targets naming the policy, level and target, with their lines', async () => {
    const text = [
      'directory:',
      '  users: [{ id: alice, contacts: [{ channel: slack, address: U0ALICE }] }]',
      'policies:',
      '  - name: production-critical',
      '    levels:',
      '      - targets: [{ type: user, id: alice }]',
      '      - targets: [{ type: user, id: ghost }, { type: team, id: phantoms }]',
      '      - targets: [{ type: schedule, id: nobody-oncall }]',
      '',
    ].join('\n');
    const { code, stderr } = await validate(text);

    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      /:7:\d+ policies\[0]\.levels\[1]\.targets\[0]\.id: policy production-critical level 2 names user "ghost", which is not in directory\.users$/,
    );
    expect(lines[2]).toMatch(
      /:7:\d+ policies\[0]\.levels\[1]\.targets\[1]\.id: policy production-critical level 2 names team "phantoms", which is not in directory\.teams$/,
    );
    expect(lines[3]).toMatch(
      /:8:\d+ policies\[0]\.levels\[2]\.targets\[0]\.id: policy production-critical level 3 names schedule "nobody-oncall", which is not in directory\.schedules$/,
    );
  });

  it('accepts a config using every provider and an SMS severity override', async () => {
    const text = [
      'directory:',
      '  users:',
      '    - id: alice',
      '      contacts: [{ channel: slack, address: U0ALICE }, { channel: sms, address: "+15551234567", minSeverity: warning }]',
      'providers:',
      '  slack: { token: xoxb-1, baseUrl: "http://127.0.0.1:9/api" }',
      '  email: { url: "smtp://127.0.0.1:2525", from: oncall@example.com }',
      '  pagerduty: { routingKey: R0UT1NGKEY0123456789abcdefABCDEF }',
      '  opsgenie: { apiKey: og-key }',
      '  twilio: { accountSid: AC1, authToken: t, from: "+15550000000", minSeverity: critical }',
      'policies:',
      '  - name: p',
      '    levels: [{ targets: [{ type: user, id: alice }, { type: phone, address: "+15550000001", minSeverity: error }] }]',
      '',
    ].join('\n');
    const { code, stdout } = await validate(text);
    expect(code).toBe(0);
    expect(stdout).toContain('is valid: p (1 levels)');
  });
});
