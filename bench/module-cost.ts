import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import type { Harness } from './harness.js';
import { next, timedHistory } from './history.js';
import { summarize, type Summary } from './stats.js';

/**
 * What loading the workflow modules costs each incident. The TypeScript SDK evaluates a workflow's
 * modules afresh for every workflow execution (each run gets its own module cache, even in the reused
 * V8 context), so every schema domain/ builds at load time is built again for every incident.
 * Three one-line workflows on their own workers: one importing nothing, one building a zod schema,
 * one importing the production workflow modules. Each run is a single workflow task; the difference
 * in that task's run time is the price of the imports.
 */
export interface ModuleCost {
  name: string;
  firstTaskRun: Summary;
}

const VARIANTS = [
  { name: 'imports nothing', file: 'bare.ts', workflow: 'moduleCostBare' },
  { name: 'imports zod, builds 1 schema', file: 'zod-only.ts', workflow: 'moduleCostZod' },
  { name: 'imports workflows/index.ts (production)', file: 'production-modules.ts', workflow: 'moduleCostProduction' },
];

export async function moduleCost(harness: Harness, runs: number, warmup = 5): Promise<ModuleCost[]> {
  const results: ModuleCost[] = [];
  for (const variant of VARIANTS) {
    const workflowsPath = fileURLToPath(new URL(`./workflows/${variant.file}`, import.meta.url));
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    const taskQueue = `bench-modules-${randomUUID().slice(0, 8)}`;
    const connection = await NativeConnection.connect({ address: harness.server.address });
    const worker = await Worker.create({ connection, namespace: harness.server.namespace, taskQueue, workflowBundle: { code } });
    const running = worker.run();
    try {
      const samples: number[] = [];
      for (let i = 0; i < warmup + runs; i += 1) {
        const workflowId = `bench-modules-${randomUUID()}`;
        await harness.client.workflow.execute(variant.workflow, { taskQueue, workflowId, args: [] });
        if (i < warmup) continue;
        const events = await timedHistory(harness.client, workflowId);
        const started = next(events, 0, 'WORKFLOW_TASK_STARTED');
        const completed = next(events, 0, 'WORKFLOW_TASK_COMPLETED');
        if (started && completed) samples.push(completed.at - started.at);
      }
      results.push({ name: variant.name, firstTaskRun: summarize(samples) });
    } finally {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    }
  }
  return results;
}
