import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import { WORKFLOW_BUNDLER_OPTIONS } from '../../worker/bundle-options.js';

/**
 * The workflow bundle the run's workers load (ESCALATION_WORKFLOW_BUNDLE), built once per run from
 * the source under test, as `npm run build` builds it for production: a restarted worker then
 * spends its start-up connecting, not bundling with webpack.
 */
export async function bundleWorkflowsOnce(): Promise<{ path: string; ms: number }> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'escalation-chaos-bundle-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: new DefaultLogger('WARN'),
    ...WORKFLOW_BUNDLER_OPTIONS,
  });
  const path = join(dir, 'workflow-bundle.js');
  await writeFile(path, code);
  return { path, ms: Date.now() - started };
}

/**
 * What production runs (`npm run build`: dist/ compiled, dist/workflow-bundle.js beside it), built
 * from the source under test: a restarted worker's start-up is then the product's, not tsx's.
 */
export function buildProduction(): { entry: string; bundle: string; ms: number } {
  const started = Date.now();
  const root = fileURLToPath(new URL('../../', import.meta.url));
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'ignore' });
  return {
    entry: join(root, 'dist', 'client', 'cli', 'run.js'),
    bundle: join(root, 'dist', 'workflow-bundle.js'),
    ms: Date.now() - started,
  };
}
