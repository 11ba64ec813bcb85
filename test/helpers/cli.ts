import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/escalate.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `escalate` binary as an engineer would; answers its exit code, stdout and stderr. */
export async function runEscalate(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 30_000,
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * The real `escalate` against the run's Temporal server, one task queue and a config file written
 * from `config` (the CLI reads its own file, as an engineer's would).
 */
export function escalateOn(taskQueue: string, config: unknown): (args: string[]) => Promise<CliResult> {
  const configFile = join(mkdtempSync(join(tmpdir(), 'escalate-cli-')), 'escalation.json');
  writeFileSync(configFile, JSON.stringify(config));
  const server = ['--address', inject('temporalAddress'), '--namespace', inject('temporalNamespace')];
  return (args) => runEscalate([...server, '--task-queue', taskQueue, '--config', configFile, ...args]);
}
