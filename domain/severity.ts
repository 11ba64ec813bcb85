import { z } from 'zod';
import { normalizeSeverity, SEVERITIES } from './severity-order.js';

export * from './severity-order.js';

/** A severity field: a level or an alias, case-insensitive; yields the canonical level. */
export const SeverityName = z.string().transform((value, ctx) => {
  const severity = normalizeSeverity(value);
  if (!severity) {
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `"${value}" is not a severity; use one of ${SEVERITIES.join(', ')} (or an alias: high, low, P1..P5, L1..L3)`,
    });
    return z.NEVER;
  }
  return severity;
});
