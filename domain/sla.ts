import { z } from 'zod';
import { Duration } from './duration.js';
import { Target } from './policy.js';
import { SEVERITIES } from './severity-order.js';

/**
 * Response-time SLAs per severity (source document 003): acknowledge (or resolve) within
 * `respondWithin`, resolve within `resolveWithin`, both counted from when the incident opened. A
 * breach is recorded once per incident and kind, on the timeline and in visibility (`SlaBreached`),
 * and pages the config's `onBreach` targets.
 */
const Within = Duration.refine((ms) => ms > 0, 'must be longer than 0');

export const Sla = z
  .strictObject({ respondWithin: Within.optional(), resolveWithin: Within.optional() })
  .refine((sla) => sla.respondWithin !== undefined || sla.resolveWithin !== undefined, 'give respondWithin, resolveWithin or both');
export type Sla = z.infer<typeof Sla>;

export const Slas = z.partialRecord(z.enum(SEVERITIES, { error: `use a severity: ${SEVERITIES.join(', ')}` }), Sla);
export type Slas = z.infer<typeof Slas>;

/** What an incident's workflow is told: its severity's SLA, in ms, and whom a breach pages. */
export const IncidentSla = z.strictObject({
  respondWithin: z.number().int().positive().optional(),
  resolveWithin: z.number().int().positive().optional(),
  onBreach: z.array(Target).optional(),
});
export type IncidentSla = z.infer<typeof IncidentSla>;

export const SLA_KINDS = ['respond', 'resolve'] as const;
export type SlaKind = (typeof SLA_KINDS)[number];

/** The SLA an incident of `severity` runs under, or none. */
export function slaFor(slas: Slas | undefined, severity: string, onBreach: Target[] | undefined): IncidentSla | undefined {
  const sla = slas?.[severity as keyof Slas];
  if (!sla) return undefined;
  return {
    ...(sla.respondWithin !== undefined && { respondWithin: sla.respondWithin }),
    ...(sla.resolveWithin !== undefined && { resolveWithin: sla.resolveWithin }),
    ...(onBreach !== undefined && { onBreach }),
  };
}
