import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import { ConfigHolder } from '../../runtime/config-holder.js';
import { reloadConfig, reloadOnSighup } from '../../runtime/config-reload.js';

const policy = (name: string, delay: string) => ({ name, levels: [{ targets: [{ type: 'log' }] }, { delay, targets: [{ type: 'log' }] }] });

function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'escalation-reload-')), 'escalation.yaml');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** A pino logger whose lines the test reads back. */
function capturingLogger() {
  const lines: { level: number; msg: string; errors?: { path: string; message: string }[] }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  return { logger, lines };
}

const disposers: (() => void)[] = [];
afterEach(() => {
  for (const dispose of disposers.splice(0)) dispose();
});

describe('config reload', () => {
  it('puts a valid file in force and counts the load', () => {
    const holder = new ConfigHolder(Config.parse({ policies: [policy('default', '1m')] }));
    const file = configFile({ policies: [policy('default', '5m'), policy('night', '10m')] });
    const { logger } = capturingLogger();
    const result = reloadConfig(holder, file, logger);
    expect(result).toMatchObject({ ok: true, file, generation: 2, policies: [{ name: 'default' }, { name: 'night' }] });
    expect(holder.current.policies.map((p) => p.levels[1]?.delay)).toEqual([300_000, 600_000]);
  });

  it('refuses a bad file field by field, logs it at error level and keeps the config in force', () => {
    const before = Config.parse({ policies: [policy('default', '1m')] });
    const holder = new ConfigHolder(before);
    const file = configFile({ policies: [policy('default', 'soon')], routes: [{ policy: 'missing' }] });
    const { logger, lines } = capturingLogger();
    const result = reloadConfig(holder, file, logger);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['policies[0].levels[1].delay']));
    expect(holder.current).toBe(before);
    expect(holder.generation).toBe(1);
    const logged = lines.find((l) => l.level === 50);
    expect(logged?.msg).toMatch(/config reload refused, the previous config stays in force/);
    expect(logged?.msg).toContain('policies[0].levels[1].delay');
  });

  it('refuses a file the schema accepts but a page would fail on, keeping the config in force', () => {
    const before = Config.parse({ policies: [policy('default', '1m')] });
    const holder = new ConfigHolder(before);
    const file = configFile(
      [
        'gates: { enabledEnvironments: [production] }',
        'directory:',
        '  users: [{ id: al, timezone: Mars/Olympus, contacts: [{ channel: slack, address: U0AL }] }]',
        'policies:',
        '  - { name: default, levels: [{ targets: [{ type: user, id: al }] }] }',
        '',
      ].join('\n'),
    );
    const { logger, lines } = capturingLogger();
    const result = reloadConfig(holder, file, logger, { ESCALATION_ENV: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.path, e.line])).toEqual([
      ['gates.enabledEnvironments', 1],
      ['directory.users[0].timezone', 3],
      ['directory.users[0].contacts[0].channel', 3],
    ]);
    expect(holder.current).toBe(before);
    expect(holder.generation).toBe(1);
    const logged = lines.find((l) => l.level === 50);
    expect(logged?.msg).toContain(`${file}:3:`);
    expect(logged?.msg).toContain('providers.slack is not set');

    // The same file with the environment given and the mistakes fixed goes into force.
    writeFileSync(
      file,
      'gates: { enabledEnvironments: [production] }\npolicies: [{ name: default, levels: [{ targets: [{ type: log }] }] }]\n',
    );
    expect(reloadConfig(holder, file, logger, { ESCALATION_ENV: 'production' })).toMatchObject({ ok: true, generation: 2 });
    expect(holder.current.gates.environment).toBe('production');
  });

  it('refuses a file that cannot be read, keeping the config in force', () => {
    const before = Config.parse({ policies: [policy('default', '1m')] });
    const holder = new ConfigHolder(before);
    const result = reloadConfig(holder, join(tmpdir(), 'no-such-escalation.yaml'), capturingLogger().logger);
    expect(result).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/cannot read the file/) }] });
    expect(holder.current).toBe(before);
  });
});

describe('reload on SIGHUP', () => {
  it('reloads the file when the process gets SIGHUP', () => {
    const holder = new ConfigHolder(Config.parse({ policies: [policy('default', '1m')] }));
    const file = configFile({ policies: [policy('default', '2m')] });
    disposers.push(reloadOnSighup(holder, file, capturingLogger().logger));
    process.emit('SIGHUP', 'SIGHUP');
    expect(holder.current.policies[0]?.levels[1]?.delay).toBe(120_000);
  });

  it('registers one listener however often it is asked, and removes it when the last user stops', () => {
    const before = process.listenerCount('SIGHUP');
    const holder = new ConfigHolder(Config.parse({ policies: [policy('default', '1m')] }));
    const file = configFile({ policies: [policy('default', '2m')] });
    const { logger } = capturingLogger();
    const stopWorker = reloadOnSighup(holder, file, logger);
    const stopApi = reloadOnSighup(holder, file, logger);
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    stopWorker();
    stopWorker();
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    stopApi();
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });
});
