import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Build } from './builds.js';
import type { VariantName } from './options.js';

/**
 * The worker's workflow cache size (maxCachedWorkflows) for the report. The product's worker sets
 * none, so the SDK's default applies; with reuseV8Context (the default since 1.9) the SDK takes
 * max(floor((heap limit MiB − 200) × 600 / 1024), 10) (@temporalio/worker lib/worker-options.js).
 * The bench computes it for a node started as the workers are (no flags), and checks each build's
 * compiled worker for a setting of its own, in case the change under test sets one.
 */

function sdkVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '?';
  } catch {
    return '?';
  }
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Lines of the build's compiled worker and CLI that name maxCachedWorkflows (none: the SDK default). */
function settingsIn(build: Build): string[] {
  const files = [...filesUnder(join(build.dir, 'dist', 'worker')), ...filesUnder(join(build.dir, 'dist', 'client', 'cli'))];
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('maxCachedWorkflows'))
      .map((line) => `${file.slice(build.dir.length + 1)}: ${line.trim().slice(0, 120)}`),
  );
}

export function cacheSizeNote(builds: Partial<Record<VariantName, Build>>, bare: boolean): string {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const heap = Number(
    execFileSync(process.execPath, ['-p', "require('node:v8').getHeapStatistics().heap_size_limit"], { env, encoding: 'utf8' }),
  );
  const heapMiB = heap / 2 ** 20;
  const sdkDefault = Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
  const own = Object.entries(builds).map(([variant, build]) => {
    const lines = settingsIn(build);
    return lines.length === 0 ? `${variant} sets none` : `${variant} names it: ${lines.join('; ')}`;
  });
  return (
    `maxCachedWorkflows = ${sdkDefault}, the SDK ${sdkVersion()} default for a ${heapMiB.toFixed(0)} MiB heap limit ` +
    `(max(floor((heap MiB − 200) × 600 / 1024), 10) with reuseV8Context)` +
    `${own.length > 0 ? `; the product's compiled worker: ${own.join(', ')}` : ''}` +
    `${bare ? '; the bare worker reports the value it runs with' : ''}`
  );
}
