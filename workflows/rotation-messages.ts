import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RotationCandidate, RotationPick, RotationState } from '../domain/rotation.js';

/**
 * The round-robin rotation's messages (workflows/rotation.ts). Clients import this module alone,
 * without the workflow: the resolve activity asks for a pick, the CLI and API read the state.
 */
export const ROTATION_WORKFLOW_TYPE = 'rotation';

export interface RotationInput {
  /** The state carried over a continue-as-new; none for a new rotation. */
  state?: RotationState;
  /** Picks one run takes before it continues as new (default 500); tests set it low. */
  picksPerRun?: number;
}

export interface PickRequest {
  /** The same id asked again gets the same person (an activity retry): see pickIdOf. */
  pickId: string;
  /** Everyone in the rotation in order, with who cannot be paged now. */
  candidates: RotationCandidate[];
}

/** Pick the next person and move the rotation on. */
export const pickUpdate = defineUpdate<RotationPick, [PickRequest]>('pick');
/** The rotation as it stands: the turn count, who was paged last, the recent picks. */
export const rotationStateQuery = defineQuery<RotationState>('rotationState');
