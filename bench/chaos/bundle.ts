import { mkdtemp, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/worker.js';

/**
 * The workflow bundle the run's workers load (ESCALATION_WORKFLOW_BUNDLE), built once per run from
 * the source under test, as `npm run build` builds it for production: a restarted worker then
 * spends its start-up connecting, not bundling with webpack.
 */
export async function bundleWorkflowsOnce(): Promise<{ path: string; ms: number }> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'escalation-chaos-bundle-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  const path = join(dir, 'workflow-bundle.js');
  await writeFile(path, code);
  return { path, ms: Date.now() - started };
}
