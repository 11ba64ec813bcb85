import { z } from 'zod';
import { zoneMessage } from './config-checks.js';
import { parseBetween } from './level-conditions.js';
import { SeverityName } from './severity.js';
import { normalizeSeverity, SEVERITIES, type Severity } from './severity-order.js';
import { isValidTimeZone } from './zoned-time.js';

/**
 * Schemas for two keys a policy's levels obey (issue 12, items 5 and 6): `urgency` (on a policy or
 * a route: which severities may page outside business hours) and a level's `when` (conditions that
 * must hold when the level comes due, else it is skipped). The maths is in domain/urgency.ts and
 * domain/level-conditions.ts, which workflow code imports without zod.
 */

export const Urgency = z.enum(['high', 'low'], {
  error: 'must be high (pages at any hour) or low (waits for business hours on every level)',
});
export type Urgency = z.infer<typeof Urgency>;

/**
 * Urgency per severity: `{ critical: high, error: high, warning: low }`. Keys are severities or
 * their aliases (`p3`, `warn`), read as the canonical severity; a severity left out is high.
 */
export const UrgencyMap = z.record(z.string(), Urgency).transform((map, ctx) => {
  const out: Partial<Record<Severity, Urgency>> = {};
  for (const [key, urgency] of Object.entries(map)) {
    const severity = normalizeSeverity(key);
    if (!severity) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `"${key}" is not a severity; urgency keys are ${SEVERITIES.join(', ')} (or an alias such as p3)`,
      });
      continue;
    }
    if (out[severity] !== undefined && out[severity] !== urgency) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `"${key}" means ${severity}, which this map already sets to ${out[severity]}; keep one entry per severity`,
      });
      continue;
    }
    out[severity] = urgency;
  }
  return out;
});
export type UrgencyMap = z.output<typeof UrgencyMap>;

const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], {
  error: 'must be a weekday: mon, tue, wed, thu, fri, sat or sun',
});

/**
 * A level's conditions, all of which must hold when the level comes due (every key optional):
 * `{ days: [sat, sun], between: "00:00-08:00", timezone: Europe/Berlin, minSeverity: error, minOccurrences: 3 }`.
 */
export const LevelWhen = z.strictObject({
  days: z.array(Weekday).min(1, 'list at least one weekday, or leave days out').optional(),
  between: z
    .string()
    .superRefine((text, ctx) => {
      const parsed = parseBetween(text);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    })
    .optional(),
  /** Where `days` and `between` are read: default the policy's businessHours zone, else UTC. */
  timezone: z
    .string()
    .superRefine((zone, ctx) => {
      if (!isValidTimeZone(zone)) ctx.addIssue({ code: 'custom', message: zoneMessage(zone) });
    })
    .optional(),
  minSeverity: SeverityName.optional(),
  minOccurrences: z.number().int('must be a whole number').min(1, 'counts start at 1 (the alert that opened the incident)').optional(),
});
export type LevelWhen = z.output<typeof LevelWhen>;
