import { readFileSync } from 'node:fs';

/**
 * The engine's version from its package.json, found by walking up from this file (the same code
 * runs from source with tsx and from a build under dist/). `0.0.0` when none is found.
 */
let cached: string | undefined;

export function engineVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  let dir = new URL('.', import.meta.url);
  for (let depth = 0; depth < 5; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'escalation-engine' && typeof pkg.version === 'string') {
        cached = pkg.version;
        break;
      }
    } catch {
      // No package.json here: look one folder up.
    }
    dir = new URL('..', dir);
  }
  return cached;
}

/** The User-Agent every provider call sends. */
export function userAgent(version = engineVersion()): string {
  return `escalation-engine/${version}`;
}
