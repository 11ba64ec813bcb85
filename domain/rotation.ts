import type { Directory } from './config.js';
import type { Target } from './policy.js';

/**
 * Round robin: a rotation pages one person each time its level is paged, the next one each time.
 * Pure: the rotation's entity workflow (workflows/rotation.ts) keeps the state and calls
 * `pickNext` in its update handler; the resolve activity lists the candidates from the directory.
 *
 * The next pick starts after the person paged last, found by id in today's list: adding or
 * removing a member (a config reload) neither skips nor repeats anyone else. If that person left
 * the list, the turn count places the next pick instead. A candidate who cannot be reached (no
 * contact for the level) is skipped to the next, and the skip is part of the answer so the
 * incident's timeline can say so.
 */

export interface RotationCandidate {
  /** The directory user id. */
  id: string;
  /** Why they cannot be paged (no contact the level can use); undefined when they can. */
  unreachable?: string;
}

export interface RotationSkip {
  id: string;
  reason: string;
}

export interface RotationPick {
  /** The person paged this time; undefined when nobody in the rotation can be reached. */
  member?: string;
  /** Candidates passed over on the way to `member`, each with why. */
  skipped: RotationSkip[];
  /** How many people this rotation had paged before this pick (0 for the first). */
  turn: number;
}

/** Picks kept for answering a retried pick the same way: a few more than pages can be in flight at once. */
export const RECENT_PICKS = 64;

export interface RotationState {
  /** People paged so far. */
  turns: number;
  /** Who was paged last: the next pick starts after them. */
  last?: string;
  /** The latest picks by id, oldest first (update ids dedupe within a run only; this survives continue-as-new). */
  recent: { id: string; pick: RotationPick }[];
}

export const EMPTY_ROTATION: RotationState = { turns: 0, recent: [] };

/**
 * The next person, and the state after paging them. The same `pickId` asked twice gets the same
 * answer and moves nothing (an activity retried after its first pick was made).
 */
export function pickNext(
  state: RotationState,
  candidates: readonly RotationCandidate[],
  pickId: string,
): { pick: RotationPick; state: RotationState } {
  const earlier = state.recent.find((entry) => entry.id === pickId);
  if (earlier) return { pick: earlier.pick, state };
  const start = startIndex(state, candidates);
  const skipped: RotationSkip[] = [];
  let member: string | undefined;
  for (let step = 0; step < candidates.length; step += 1) {
    const candidate = candidates[(start + step) % candidates.length];
    if (candidate === undefined) continue;
    if (candidate.unreachable === undefined) {
      member = candidate.id;
      break;
    }
    skipped.push({ id: candidate.id, reason: candidate.unreachable });
  }
  const pick: RotationPick = { ...(member !== undefined && { member }), skipped, turn: state.turns };
  const recent = [...state.recent, { id: pickId, pick }].slice(-RECENT_PICKS);
  // Nobody reachable: the turn stays where it was, so the rotation goes on where it would have.
  if (member === undefined) return { pick, state: { ...state, recent } };
  return { pick, state: { turns: state.turns + 1, last: member, recent } };
}

/** Where the next pick starts: after the last person paged, else by the turn count. */
export function startIndex(state: RotationState, candidates: readonly RotationCandidate[]): number {
  if (candidates.length === 0) return 0;
  const last = state.last === undefined ? -1 : candidates.findIndex((candidate) => candidate.id === state.last);
  return last >= 0 ? (last + 1) % candidates.length : state.turns % candidates.length;
}

/** Who is up next without paging anyone (for views): the first reachable from the start. */
export function upNext(state: RotationState, candidates: readonly RotationCandidate[]): string | undefined {
  return pickNext({ ...state, recent: [] }, candidates, '').pick.member;
}

/**
 * The people a round-robin level rotates through, in order: its user targets and the members of
 * its team targets, each once. Other targets (channels, schedules, webhooks) are not rotated.
 */
export function rotationMembers(targets: readonly Target[], directory: Pick<Directory, 'teams'>): string[] {
  const members: string[] = [];
  for (const target of targets) {
    if (target.type === 'user') members.push(target.id);
    else if (target.type === 'team') members.push(...(directory.teams.find((team) => team.id === target.id)?.members ?? []));
  }
  return [...new Set(members)];
}

/** Targets a round-robin level rotates: users and teams. */
export function isRotated(target: Target): target is Extract<Target, { type: 'user' | 'team' }> {
  return target.type === 'user' || target.type === 'team';
}

/**
 * The rotation entity's workflow id: one per policy and level (1-based), and for a directory team
 * with `notify: round-robin` on a level without it, one per team on that level too.
 */
export function rotationWorkflowId(policy: string, level: number, team?: string): string {
  return team === undefined ? `rotation-${policy}-${level}` : `rotation-${policy}-${level}-team-${team}`;
}

/**
 * The update id of one pick: one resolve activity of one incident run. Its retries carry the same
 * activity id and get the same person; a later incident with the same key is a new run.
 */
export function pickIdOf(workflowId: string, runId: string, activityId: string): string {
  return `${workflowId}/${runId}/${activityId}`;
}
