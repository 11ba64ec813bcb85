import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { RotationPicker } from '../activities/rotation.js';
import { pickUpdate, ROTATION_WORKFLOW_TYPE, type RotationInput } from '../workflows/rotation-messages.js';

/**
 * How long a page waits for its rotation's pick before a hash of the incident picks instead: a
 * rotation must never hold up a page. Its entity workflow runs on this worker's task queue, so a
 * pick normally takes one workflow task.
 */
export const ROTATION_PICK_MS = 3_000;

/**
 * Asks a rotation's entity workflow (workflows/rotation.ts) for its next person, starting the
 * rotation on its first pick (update-with-start, USE_EXISTING). The pick id is the update id:
 * Temporal answers a repeated id in the same run with the first outcome, and the rotation keeps
 * its recent picks across continue-as-new for the rest.
 */
export function rotationOver(
  connection: NativeConnection,
  namespace: string,
  taskQueue: string,
  timeoutMs = ROTATION_PICK_MS,
): RotationPicker {
  const client = new Client({ connection, namespace });
  return {
    pick(rotationId, request) {
      const start = new WithStartWorkflowOperation(ROTATION_WORKFLOW_TYPE, {
        workflowId: rotationId,
        taskQueue,
        args: [{} satisfies RotationInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return client.withDeadline(Date.now() + timeoutMs, () =>
        client.workflow.executeUpdateWithStart(pickUpdate, { args: [request], updateId: request.pickId, startWorkflowOperation: start }),
      );
    },
  };
}
