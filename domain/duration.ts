import { z } from 'zod';
import { parseDuration } from './duration-text.js';

export * from './duration-text.js';

/** A duration field: accepts the forms above and yields milliseconds. */
export const Duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.reason, input: value });
    return z.NEVER;
  }
  return parsed.ms;
});
/** Milliseconds, after parsing. */
export type Duration = z.output<typeof Duration>;
