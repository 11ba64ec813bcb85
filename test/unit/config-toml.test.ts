import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFormatOf, parseConfigText } from '../../domain/config-text.js';
import { indexTomlLines } from '../../domain/config-toml.js';
import type { FieldError } from '../../domain/errors.js';
import { ConfigFileError, loadConfigFile } from '../../runtime/config-file.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/config/${name}`, import.meta.url), 'utf8');

const env = {
  ESCALATION_ENV: 'production',
  SLACK_BOT_TOKEN: 'xoxb-test-token',
  SLACK_SIGNING_SECRET: 'slack-signing-secret',
  PD_ROUTING_KEY: 'pd-routing-key-0123456789',
  OPSGENIE_API_KEY: 'opsgenie-api-key',
  TWILIO_ACCOUNT_SID: 'AC0123456789',
  TWILIO_AUTH_TOKEN: 'twilio-auth-token',
  WEBHOOK_SECRET: 'webhook-secret',
  CI_TOKEN: 'ci-token-0123456789abcdef',
};

function errorsOf(text: string, vars: Record<string, string> = {}): FieldError[] {
  const result = parseConfigText(text, vars, 'toml');
  if (result.ok) throw new Error('expected the TOML config to be refused, but it parsed');
  return result.errors.map(({ segments: _segments, ...rest }) => rest);
}

const small = (level2: string) =>
  [
    '[[directory.users]]', // 1
    'id = "alice"', // 2
    'contacts = [{ channel = "log", address = "alice" }]', // 3
    '', // 4
    '[[policies]]', // 5
    'name = "a"', // 6
    '', // 7
    '[[policies.levels]]', // 8
    'targets = [{ type = "user", id = "alice" }]', // 9
    '', // 10
    '[[policies.levels]]', // 11
    level2, // 12
    'targets = [{ type = "log" }]', // 13
    '',
  ].join('\n');

describe('a TOML config', () => {
  it('reads to the same config as the YAML file it was written from, TOML dates and times included', () => {
    const fromToml = parseConfigText(fixture('full.toml'), env, 'toml');
    const fromYaml = parseConfigText(fixture('full.yaml'), env, 'yaml');
    expect(fromToml.ok && fromYaml.ok).toBe(true);
    if (fromToml.ok && fromYaml.ok) expect(fromToml.config).toEqual(fromYaml.config);
  });

  it('names the line and field of a bad value inside an array of tables', () => {
    expect(errorsOf(small('delay = "15 minutes"'))).toEqual([
      { path: 'policies[0].levels[1].delay', message: expect.stringContaining('15 minutes') as unknown, line: 12, column: 1 },
    ]);
  });

  it('names the table when the field is missing, and the key of an inline table for a field inside it', () => {
    const errors = errorsOf(small('delay = "5m"').replace('targets = [{ type = "log" }]', 'targets = [{ type = "user", id = "ghost" }]'));
    expect(errors).toEqual([
      {
        path: 'policies[0].levels[1].targets[0].id',
        message: 'policy a level 2 names user "ghost", which is not in directory.users; define it there or fix the id',
        line: 13,
        column: 1,
      },
    ]);
    const missing = errorsOf('[[policies]]\nname = "a"\n');
    expect(missing).toEqual([{ path: 'policies[0].levels', message: expect.any(String) as unknown, line: 1, column: 1 }]);
  });

  it('reports a syntax error with its line and column, as TOML found it', () => {
    const [error] = errorsOf('[[policies]]\nname = "a"\nlevels = [\n');
    expect(error).toMatchObject({ path: '', line: 4 });
  });

  it('names the field and line of an unset ${ENV} reference', () => {
    expect(errorsOf(fixture('full.toml'), { ...env, CI_TOKEN: '' }).map((e) => `${e.line} ${e.path}`)).toEqual(['12 api.tokens[0].token']);
  });

  it('indexes dotted keys, quoted keys, and skips multi-line strings and arrays', () => {
    const index = indexTomlLines(
      [
        'a.b = 1', // 1
        'text = """', // 2
        '[not.a.table]', // 3
        '"""', // 4
        'list = [', // 5
        '  [1, 2],', // 6
        ']', // 7
        '[t."x.y"]', // 8
        'z = 2', // 9
      ].join('\n'),
    );
    expect([...index.entries()].map(([path, { line }]) => `${line} ${path}`)).toEqual([
      '1 a.b',
      '2 text',
      '5 list',
      '8 t.x.y',
      '9 t.x.y.z',
    ]);
  });
});

describe('the config file loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'escalate-toml-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('picks the syntax from the extension: .toml is TOML; .yaml, .yml and .json are YAML', () => {
    expect(['a.toml', 'A.TOML', 'a.yaml', 'a.yml', 'a.json'].map(configFormatOf)).toEqual(['toml', 'toml', 'yaml', 'yaml', 'yaml']);
  });

  it('loads a .toml file, and refuses a bad one naming the file, line and field', () => {
    const good = join(dir, 'escalation.toml');
    writeFileSync(good, small('delay = "15m"'));
    expect(loadConfigFile(good, {}).policies[0]?.levels[1]?.delay).toBe(15 * 60_000);

    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, small('delay = "soon"'));
    expect(() => loadConfigFile(bad, {})).toThrow(ConfigFileError);
    expect(() => loadConfigFile(bad, {})).toThrow(
      new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:12:1 policies\\[0]\\.levels\\[1]\\.delay: `),
    );
  });
});
