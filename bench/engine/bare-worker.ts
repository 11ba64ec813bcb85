// The bare workflow's worker process for `npm run bench:engine` (started by the bench, one per
// section): SDK defaults throughout, as the product's worker has them.
//   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE   the dev server
//   BARE_TASK_QUEUE                        its task queue
//   BARE_WORKFLOW_BUNDLE                   bench/engine/bare-workflow.ts bundled by bundleWorkflowCode
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createBareActivities } from './bare-activities.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`bare worker: set ${name}`);
  return value;
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: required('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  taskQueue: required('BARE_TASK_QUEUE'),
  workflowBundle: { codePath: required('BARE_WORKFLOW_BUNDLE') },
  activities: createBareActivities(),
});
const running = worker.run();
// The bench waits for this line, and reads the cache size the SDK chose from it.
process.stdout.write(`${JSON.stringify({ msg: 'bare worker polling', maxCachedWorkflows: worker.options.maxCachedWorkflows })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
await running;
await connection.close();
