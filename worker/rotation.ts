import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
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
export function rotationOver(client: Client, taskQueue: string, timeoutMs = ROTATION_PICK_MS): RotationPicker {
  return {
    async pick(rotationId, request) {
      const start = new WithStartWorkflowOperation(ROTATION_WORKFLOW_TYPE, {
        workflowId: rotationId,
        taskQueue,
        args: [{} satisfies RotationInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      const asked = Date.now();
      try {
        return await client.withDeadline(asked + timeoutMs, () =>
          client.workflow.executeUpdateWithStart(pickUpdate, { args: [request], updateId: request.pickId, startWorkflowOperation: start }),
        );
      } catch (error) {
        // A deadline error's own message is often empty: say what the page waited for.
        const what = error instanceof Error ? [error.name, error.message].filter(Boolean).join(': ') : String(error);
        const late = Date.now() - asked >= timeoutMs;
        throw new Error(late ? `no answer from its workflow within ${timeoutMs} ms (${what})` : what);
      }
    },
  };
}
