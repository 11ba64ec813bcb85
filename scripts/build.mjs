#!/usr/bin/env node
// `npm run build`: what production runs. Compiles the TypeScript to dist/ (same layout, so
// dist/client/cli/run.js is the `escalate` command) and writes the workflow bundle beside it
// (dist/workflow-bundle.js), so a worker loads its workflows in milliseconds instead of bundling
// them with webpack on every start.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const started = Date.now();

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
const compiledAt = Date.now();

const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
const { WORKFLOW_BUNDLER_OPTIONS } = await import(pathToFileURL(join(dist, 'worker', 'bundle-options.js')).href);
const { code } = await bundleWorkflowCode({
  workflowsPath: join(dist, 'workflows', 'index.js'),
  logger: new DefaultLogger('WARN'),
  ...WORKFLOW_BUNDLER_OPTIONS,
});
writeFileSync(join(dist, 'workflow-bundle.js'), code);
console.log(
  `build: dist/ compiled in ${((compiledAt - started) / 1000).toFixed(1)} s, dist/workflow-bundle.js (${Math.round(code.length / 1024)} kB) in ${((Date.now() - compiledAt) / 1000).toFixed(1)} s`,
);
