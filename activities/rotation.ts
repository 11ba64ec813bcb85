import type { Directory } from '../domain/config.js';
import type { ResolveTargetsRequest, UnresolvedTarget } from '../domain/delivery.js';
import type { Channel, Target } from '../domain/policy.js';
import type { Severity } from '../domain/severity.js';
import { isRotated, rotationMembers, rotationWorkflowId, type RotationCandidate, type RotationPick } from '../domain/rotation.js';
import { hashedPick, hashSeed, unreachableReason } from './resolve-targets.js';

/**
 * Round robin, the activity's half: which people a level rotates, who of them can be paged, and
 * the rotation's pick (its entity workflow, asked through `RotationPicker`). The answer is the
 * level's targets with the rotated people replaced by the one picked, for resolveLevel.
 *
 * A rotation never blocks or fails a page: when it cannot be asked in time the pick comes from a
 * hash of the incident (as before rotations existed), and the timeline says so.
 */
export interface RotationPicker {
  /** The rotation's next person; `pickId` makes a retried ask get the same answer. */
  pick(rotationId: string, request: { pickId: string; candidates: RotationCandidate[] }): Promise<RotationPick>;
}

export interface RotatedTargets {
  targets: Target[];
  unresolved: UnresolvedTarget[];
  notes: string[];
}

export async function rotateTargets(
  directory: Directory,
  request: ResolveTargetsRequest,
  picker: RotationPicker | undefined,
  pickId: string,
  /** The channel's own severity floor (providers.twilio.minSeverity for sms and voice), as the deliver activity applies it. */
  floorOf?: (channel: Channel) => Severity | undefined,
): Promise<RotatedTargets> {
  const out: RotatedTargets = { targets: [], unresolved: [], notes: [] };
  const context = request.rotation;
  if (!context) return { ...out, targets: request.targets };
  if (context.notify === 'round-robin') {
    const people = rotationMembers(request.targets.filter(isRotated), directory);
    out.targets = request.targets.filter((target) => !isRotated(target));
    if (people.length === 0) return { ...out, targets: request.targets };
    const picked = await pickOne(
      directory,
      request,
      picker,
      pickId,
      rotationWorkflowId(context.policy, request.level + 1),
      people,
      out,
      floorOf,
    );
    if (picked !== undefined) out.targets.push({ type: 'user', id: picked });
    return out;
  }
  // A level that pages everyone: a directory team with `notify: round-robin` still rotates, on its own.
  for (const target of request.targets) {
    const team = target.type === 'team' ? directory.teams.find((t) => t.id === target.id) : undefined;
    if (!team || team.notify !== 'round-robin') {
      out.targets.push(target);
      continue;
    }
    const rotationId = rotationWorkflowId(context.policy, request.level + 1, team.id);
    const picked = await pickOne(directory, request, picker, `${pickId}/${team.id}`, rotationId, team.members, out, floorOf);
    if (picked !== undefined) out.targets.push({ type: 'user', id: picked });
  }
  return out;
}

/** One rotation's pick, its skips and fallbacks written to `out`; undefined when nobody can be paged. */
async function pickOne(
  directory: Directory,
  request: ResolveTargetsRequest,
  picker: RotationPicker | undefined,
  pickId: string,
  rotationId: string,
  people: readonly string[],
  out: RotatedTargets,
  floorOf?: (channel: Channel) => Severity | undefined,
): Promise<string | undefined> {
  const candidates: RotationCandidate[] = people.map((id) => {
    const reason = unreachableReason(directory, request, id, floorOf);
    return reason === undefined ? { id } : { id, unreachable: reason };
  });
  let pick: RotationPick;
  try {
    if (!picker) throw new Error('this worker has no rotation client');
    pick = await picker.pick(rotationId, { pickId, candidates });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const reachable = candidates.filter((c) => c.unreachable === undefined).map((c) => c.id);
    const member = hashedPick(reachable, hashSeed(request, rotationId));
    out.notes.push(
      `round robin ${rotationId} could not be asked (${reason}); ` +
        (member === undefined ? 'nobody in it can be paged' : `paged ${member}, picked from a hash of this incident instead`),
    );
    if (member === undefined) out.unresolved.push({ target: rotationId, reason: nobodyReachable(candidates) });
    return member;
  }
  for (const skip of pick.skipped) out.notes.push(`round robin ${rotationId} skipped ${skip.id}: ${skip.reason}`);
  if (pick.member === undefined) {
    out.unresolved.push({ target: rotationId, reason: nobodyReachable(candidates) });
    return undefined;
  }
  out.notes.push(`round robin ${rotationId}: ${pick.member}'s turn (page ${pick.turn + 1} of this rotation)`);
  return pick.member;
}

function nobodyReachable(candidates: readonly RotationCandidate[]): string {
  const why = candidates.map((c) => `${c.id} (${c.unreachable ?? 'reachable'})`).join('; ');
  return `nobody in the round robin can be paged: ${why}; add contacts for them in directory.users of escalation.yaml`;
}
