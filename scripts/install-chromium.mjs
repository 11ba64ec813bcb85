#!/usr/bin/env node
// The browser test (test/e2e/web-ui.test.ts) drives Debian's Chromium with playwright-core; no
// browser is ever downloaded by a test tool. Installs the `chromium` package with apt-get when it is
// missing and this process may (root, apt-get present, as on CI); elsewhere it says how, and the
// browser test skips itself. CHROMIUM_PATH points at another Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

const hasAptGet = (() => {
  try {
    execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

if (!hasAptGet || !isRoot || process.env.ESCALATION_SKIP_CHROMIUM_INSTALL === '1') {
  console.error(
    `install-chromium: no Chromium at ${path}; the Web UI browser test will be skipped.\n` +
      `  Install it with: sudo apt-get install -y chromium   (or set CHROMIUM_PATH)`,
  );
  process.exit(0);
}

console.error("install-chromium: installing Debian's chromium for the Web UI browser test (about a minute) ...");
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  console.error(`install-chromium: ready at ${path}`);
} catch (error) {
  console.error(`install-chromium: apt-get could not install chromium (${error.message}); the browser test will be skipped.`);
}
