// One Temporal dev server and one workflow bundle for the whole vitest run (STYLE.md, test/): each
// test file brings its own worker and task queue, so nothing here is shared state between tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../worker/dev-server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverStarted = Date.now();
  // In memory: the database dies with the run anyway, and it handles many small workflows faster
  // than a file, even one with synchronous=OFF.
  const server = await startDevServer({ ui: false, sqlitePragmas: { synchronous: 'OFF' } });
  const serverMs = Date.now() - serverStarted;

  try {
    const bundleStarted = Date.now();
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(root, 'workflows', 'index.ts'),
      logger: new DefaultLogger('WARN'), // webpack's module listing buries the test output
    });
    const workflowBundlePath = join(root, '.artifacts', 'workflow-bundle.js');
    await mkdir(dirname(workflowBundlePath), { recursive: true });
    await writeFile(workflowBundlePath, code);
    process.stderr.write(
      `temporal-global: dev server ${server.address} ready in ${serverMs} ms (in-memory SQLite); ` +
        `workflows bundled in ${Date.now() - bundleStarted} ms\n`,
    );

    project.provide('temporalAddress', server.address);
    project.provide('temporalNamespace', server.namespace);
    project.provide('workflowBundlePath', workflowBundlePath);
  } catch (error) {
    await server.stop();
    throw error;
  }

  return async () => {
    await server.stop();
  };
}
