// One Temporal dev server and one workflow bundle for the whole vitest run (STYLE.md, test/): each
// test file brings its own worker and task queue, so nothing here is shared state between tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../worker/dev-server.js';
import { WORKFLOW_BUNDLER_OPTIONS } from '../../worker/bundle-options.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workflowBundlePath = join(root, '.artifacts', 'workflow-bundle.js');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  // Side by side: the server mostly waits on itself, webpack mostly on the CPU.
  const [server, bundled] = await Promise.allSettled([
    startDevServer({
      ui: false,
      // In memory: the database dies with the run anyway, and it finished 300 small workflows 30 to 70%
      // faster than a file with synchronous=OFF. The pragma is moot in memory; it matters if this moves to a file.
      sqlitePragmas: { synchronous: 'OFF' },
      // The timer queue fires nothing sooner than now + this shift (default 1s), so a 10 ms policy step
      // took over a second. Timers still never fire early; only that floor drops.
      dynamicConfig: { 'history.timerProcessorMaxTimeShift': '10ms' },
    }),
    bundleWorkflows(),
  ]);
  if (server.status === 'rejected' || bundled.status === 'rejected') {
    if (server.status === 'fulfilled') await server.value.stop();
    throw server.status === 'rejected' ? server.reason : (bundled as PromiseRejectedResult).reason;
  }
  process.stderr.write(
    `temporal-global: dev server ${server.value.address} (in-memory SQLite) ready in ${server.value.readyInMs} ms; ` +
      `workflows bundled in ${bundled.value} ms; ${Date.now() - started} ms in all\n`,
  );

  project.provide('temporalAddress', server.value.address);
  project.provide('temporalNamespace', server.value.namespace);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await server.value.stop();
  };
}

/** Bundles workflows/index.ts once for every worker of the run; returns how long it took. */
async function bundleWorkflows(): Promise<number> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(root, 'workflows', 'index.ts'),
    logger: new DefaultLogger('WARN'), // webpack's module listing buries the test output
    ...WORKFLOW_BUNDLER_OPTIONS,
  });
  await mkdir(dirname(workflowBundlePath), { recursive: true });
  await writeFile(workflowBundlePath, code);
  return Date.now() - started;
}
