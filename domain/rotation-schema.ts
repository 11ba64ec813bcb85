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
