import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEscalate, type CliResult } from '../helpers/cli.js';

/** `escalate policy validate` as an engineer runs it: the real bin, a real file, its exit code and output. */

const dir = mkdtempSync(join(tmpdir(), 'escalate-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ESCALATION_ENV is cleared unless a test gives it, so the runner's own environment cannot leak in. */
async function validate(text: string, args: string[] = [], env: Record<string, string> = {}): Promise<CliResult & { file: string }> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return { file, ...(await runEscalate(['policy', 'validate', file, ...args], { ESCALATION_ENV: '', ...env })) };
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
      /:7:\d+ policies\[0]\.levels\[1]\.targets\[0]\.id: policy production-critical level 2 names user "ghost", which is not in directory\.users; define it there or fix the id$/,
    );
    expect(lines[2]).toMatch(
      /:7:\d+ policies\[0]\.levels\[1]\.targets\[1]\.id: policy production-critical level 2 names team "phantoms", which is not in directory\.teams; define it there or fix the id$/,
    );
    expect(lines[3]).toMatch(
      /:8:\d+ policies\[0]\.levels\[2]\.targets\[0]\.id: policy production-critical level 3 names schedule "nobody-oncall", which is not in directory\.schedules; define it there or fix the id$/,
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

  it('refuses what would fail at page time, each line naming file:line, the field and the fix', async () => {
    const text = [
      'directory:',
      '  users:',
      '    - id: alice',
      '      timezone: Europe/Berln',
      '      contacts: [{ channel: slack, address: U0ALICE }]',
      '      rules: [{ channels: [slack] }, { after: 2m, channels: [sms] }]',
      '    - { id: bob, contacts: [{ channel: voice, address: "+15551234567" }] }',
      'policies:',
      '  - name: payments',
      '    levels:',
      '      - targets: [{ type: user, id: alice }, { type: email, address: ops@example.com }]',
      '',
    ].join('\n');
    const { code, stderr, file } = await validate(text);

    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      `${file} is not a valid escalation config:`,
      expect.stringMatching(
        /:4:17 directory\.users\[0]\.timezone: "Europe\/Berln" is not an IANA time zone; did you mean Europe\/Berlin\?/,
      ),
      expect.stringMatching(/:6:62 directory\.users\[0]\.rules\[1]\.channels\[0]: user "alice" has no sms contact.*add \{ channel: sms/),
      expect.stringMatching(/:5:29 directory\.users\[0]\.contacts\[0]\.channel: .* providers\.slack is not set; add `slack: \{ token/),
      expect.stringMatching(/:7:40 directory\.users\[1]\.contacts\[0]\.channel: .*voice channel, but providers\.twilio is not set/),
      expect.stringMatching(
        /:11:54 policies\[0]\.levels\[0]\.targets\[1]\.type: policy payments level 1's email target .*providers\.email is not set/,
      ),
    ]);
    expect(stderr).toContain(`${file}:4:17 `);
  });

  it('refuses an environment gate with no environment, and accepts it once ESCALATION_ENV is set', async () => {
    const text = [
      'gates: { enabledEnvironments: [production, staging] }',
      'policies: [{ name: p, levels: [{ targets: [{ type: log }] }] }]',
      '',
    ].join('\n');
    const refused = await validate(text);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `${refused.file}:1:31 gates.enabledEnvironments: gates.enabledEnvironments (production, staging) is set but no environment is given`,
    );
    const accepted = await validate(text, [], { ESCALATION_ENV: 'staging' });
    expect(accepted.code).toBe(0);
  });

  it('--strict warns about a level that reaches nobody part of the week, with its line, and still exits 0', async () => {
    const text = [
      'directory:',
      '  users:',
      '    - { id: alice, contacts: [{ channel: log, address: alice }] }',
      '    - { id: bob, contacts: [{ channel: sms, address: "+15551234567" }] }',
      '  schedules:',
      '    - { id: primary, timezone: UTC, rotation: { members: [alice, bob], shift: 12h, handoff: "08:00", start: "2026-01-05" } }',
      'providers:',
      '  twilio: { accountSid: AC1, authToken: t, from: "+15550000000" }',
      'policies:',
      '  - name: payments',
      '    levels:',
      '      - targets: [{ type: schedule, id: primary }]',
      '',
    ].join('\n');
    const plain = await validate(text);
    expect(plain).toMatchObject({ code: 0, stderr: '' });
    const strict = await validate(text, ['--strict', '--json']);
    expect(strict.code).toBe(0);
    const summary = JSON.parse(strict.stdout) as { valid: boolean; warnings: { path: string; line: number; message: string }[] };
    expect(summary.valid).toBe(true);
    expect(summary.warnings).toEqual([
      {
        path: 'policies[0].levels[0].targets',
        line: 12,
        column: 18,
        message: expect.stringMatching(
          /^policy payments level 1 reaches nobody for a warning incident from .* \(schedule "primary" has bob on call \(rotation\): bob's sms \+15551234567 pages error and above\)/,
        ),
      },
    ]);
  });
});

describe('start-up', () => {
  it.each([['worker'], ['api']])(
    'escalate %s refuses to start on a config that would fail at page time, naming file:line',
    async (command) => {
      const file = join(dir, `startup-${command}.yaml`);
      writeFileSync(
        file,
        'gates: { enabledEnvironments: [production] }\npolicies: [{ name: p, levels: [{ targets: [{ type: log }] }] }]\n',
      );
      // Port 9 (discard) on loopback: a start-up that got past the config would fail differently, or hang.
      const result = await runEscalate(['--config', file, '--address', '127.0.0.1:9', command], { ESCALATION_ENV: '' });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `${file}:1:31 gates.enabledEnvironments: gates.enabledEnvironments (production) is set but no environment is given`,
      );
    },
  );
});
