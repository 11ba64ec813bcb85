import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../domain/config.js';
import { EMPTY_ROTATION, rotationMembers, rotationWorkflowId, upNext, type RotationState } from '../domain/rotation.js';
import type { LevelRotations, RotationView } from '../domain/rotation-schema.js';
import { rotationStateQuery } from '../workflows/rotation-messages.js';

/** The policy or level asked about does not exist, or the level has no round robin. */
export class RotationNotFoundError extends Error {
  constructor(
    message: string,
    readonly field: 'policy' | 'level',
  ) {
    super(message);
    this.name = 'RotationNotFoundError';
  }
}

/** How long a view waits for a rotation's workflow to answer (it needs a worker on its task queue). */
const QUERY_MS = 5_000;

/**
 * Whose turn it is on a policy's level: each rotation's members from the config in force, its
 * turn count and last person from its workflow (a rotation that never paged has none yet).
 */
export async function levelRotations(client: Client, config: Config, policyName: string, level: number): Promise<LevelRotations> {
  const rotations = await Promise.all(rotationsOf(config, policyName, level).map((spec) => view(client, config, spec)));
  return { policy: policyName, level, rotations };
}

interface RotationSpec {
  id: string;
  team?: string;
  members: string[];
}

/** The rotations a level has: one for `notify: round-robin`, else one per round-robin team on it. */
export function rotationsOf(config: Config, policyName: string, level: number): RotationSpec[] {
  const policy = config.policies.find((p) => p.name === policyName);
  if (!policy) {
    const names = config.policies.map((p) => p.name).join(', ');
    throw new RotationNotFoundError(`no policy "${policyName}" in the config in force (policies: ${names})`, 'policy');
  }
  const found = policy.levels[level - 1];
  if (!found) {
    throw new RotationNotFoundError(
      `policy ${policyName} has ${policy.levels.length} level(s); name one of 1 to ${policy.levels.length}`,
      'level',
    );
  }
  const { directory } = config;
  if (found.notify === 'round-robin') {
    return [{ id: rotationWorkflowId(policyName, level), members: rotationMembers(found.targets, directory) }];
  }
  const teams = found.targets.flatMap((target) => {
    const team = target.type === 'team' ? directory.teams.find((t) => t.id === target.id) : undefined;
    return team?.notify === 'round-robin'
      ? [{ id: rotationWorkflowId(policyName, level, team.id), team: team.id, members: team.members }]
      : [];
  });
  if (teams.length === 0) {
    throw new RotationNotFoundError(
      `policy ${policyName} level ${level} pages everyone: it is not round-robin and holds no round-robin team`,
      'level',
    );
  }
  return teams;
}

async function view(client: Client, config: Config, spec: RotationSpec): Promise<RotationView> {
  let state: RotationState = EMPTY_ROTATION;
  let error: string | undefined;
  try {
    state = await client.withDeadline(Date.now() + QUERY_MS, () => client.workflow.getHandle(spec.id).query(rotationStateQuery));
  } catch (failure) {
    // Never paged yet: no workflow, a new rotation. Anything else is said, not thrown: the members still show.
    if (!(failure instanceof WorkflowNotFoundError)) {
      const what = failure instanceof Error ? [failure.name, failure.message].filter(Boolean).join(': ') : String(failure);
      error = `the rotation's workflow did not answer within ${QUERY_MS / 1000} s (${what}); is a worker running?`;
    }
  }
  const next = upNext(
    state,
    spec.members.map((id) => ({ id, ...(!canBePaged(config, id) && { unreachable: 'cannot be paged' }) })),
  );
  return {
    id: spec.id,
    ...(spec.team !== undefined && { team: spec.team }),
    members: spec.members,
    turns: state.turns,
    ...(state.last !== undefined && { last: state.last }),
    ...(next !== undefined && { next }),
    ...(error !== undefined && { error }),
  };
}

/**
 * Whether a page could reach this person at all: in the directory, and with notification rules
 * (if any) naming a channel they have a contact on. The resolve activity skips the others.
 */
function canBePaged(config: Config, id: string): boolean {
  const user = config.directory.users.find((u) => u.id === id);
  if (!user) return false;
  if (!user.rules?.length) return true;
  return user.rules.some((rule) => rule.channels.some((channel) => user.contacts.some((contact) => contact.channel === channel)));
}
