import { z } from 'zod';

/**
 * How a level pages its people: `all` (the default) pages every user and team member on it at
 * once; `round-robin` pages one of them each time the level is paged, the next one each time
 * (domain/rotation.ts), the turn kept per policy and level across incidents and worker restarts.
 */
export const LevelNotify = z.enum(['all', 'round-robin']);
export type LevelNotify = z.infer<typeof LevelNotify>;

/**
 * The error for a key a target does not take: `next` gets its own (it belongs to schedule
 * targets), every other key zod's default. Passed as `error` to each non-schedule target shape.
 */
export function nextIsForSchedules(issue: { code?: string | undefined; keys?: readonly string[] | undefined }): string | undefined {
  if (issue.code !== 'unrecognized_keys' || !issue.keys?.includes('next')) return undefined;
  return (
    '`next` pages the person on call after the current one and only a schedule target takes it; ' +
    'remove `next`, or target the schedule: { type: schedule, id: <schedule>, next: true }'
  );
}

/** One rotation as `GET /v1/policies/{policy}/levels/{level}/rotation` and `escalate rotation` show it. */
export const RotationView = z.object({
  /** The rotation's workflow id (`rotation-<policy>-<level>`, `...-team-<team>` for a round-robin team). */
  id: z.string(),
  /** Set for a directory team's own round robin on a level that pages everyone. */
  team: z.string().optional(),
  /** Who takes turns, in order (today's config). */
  members: z.array(z.string()),
  /** People paged so far. */
  turns: z.number().int(),
  /** Who was paged last. */
  last: z.string().optional(),
  /** Who is up next, if they can be reached when the level is paged (an unreachable one is skipped then). */
  next: z.string().optional(),
  /** Set when the rotation's workflow could not be asked; turns and last are then unknown (shown as a new rotation). */
  error: z.string().optional(),
});
export type RotationView = z.infer<typeof RotationView>;

export const LevelRotations = z.object({
  policy: z.string(),
  /** 1-based. */
  level: z.number().int(),
  rotations: z.array(RotationView),
});
export type LevelRotations = z.infer<typeof LevelRotations>;
