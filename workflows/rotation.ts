import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { EMPTY_ROTATION, pickNext } from '../domain/rotation.js';
import { pickUpdate, rotationStateQuery, type PickRequest, type RotationInput } from './rotation-messages.js';

/** Enough picks for months of pages per run, few enough events to stay far from Temporal's history limits. */
const PICKS_PER_RUN = 500;

/**
 * One round-robin rotation (a policy's level): an entity workflow that holds whose turn it is, so
 * the turn survives worker restarts and is shared by every incident and worker. The resolve
 * activity asks it with update-with-start (activities/rotation.ts); it never completes, and
 * continues as new now and then carrying its state, recent picks included.
 */
export async function rotation(input: RotationInput = {}): Promise<void> {
  let state = input.state ?? EMPTY_ROTATION;
  let picks = 0;
  setHandler(
    pickUpdate,
    (request: PickRequest) => {
      const next = pickNext(state, request.candidates, request.pickId);
      state = next.state;
      picks += 1;
      return next.pick;
    },
    {
      validator: (request: PickRequest) => {
        if (typeof request.pickId !== 'string' || request.pickId === '' || !Array.isArray(request.candidates)) {
          throw new Error('a pick needs a pickId and the list of candidates');
        }
      },
    },
  );
  setHandler(rotationStateQuery, () => state);
  const perRun = input.picksPerRun ?? PICKS_PER_RUN;
  await condition(() => picks >= perRun || workflowInfo().continueAsNewSuggested);
  // A pick still being answered must finish before the state moves to the next run.
  await condition(allHandlersFinished);
  await continueAsNew<typeof rotation>({ state, ...(input.picksPerRun !== undefined && { picksPerRun: input.picksPerRun }) });
}
