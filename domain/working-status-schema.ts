import { z } from 'zod';
import { Actor } from './incident.js';
import { WORKING_STATUSES } from './working-status.js';

/** The body of `POST /v1/incidents/{id}/status` and the CLI's `escalate status` (who may default to the token's name). */
export const WorkingStatusBody = z.strictObject({
  by: Actor.optional(),
  status: z.enum(WORKING_STATUSES, { error: `must be one of ${WORKING_STATUSES.join(', ')}` }),
  note: z.string().trim().min(1).max(2000).optional(),
});
export type WorkingStatusBody = z.output<typeof WorkingStatusBody>;
