import { z } from 'zod';

/**
 * What responders ask of an open incident beyond acknowledge and resolve (issue 12): the fields of
 * the API bodies, the client library's and the CLI's input. `by` and the free text come from
 * domain/incident.ts; the workflow's validators check the same again against the incident itself.
 */

/** A level of the incident's policy, 1-based as the record and the timeline show it. */
export const ToLevel = z
  .number({ error: 'must be a level number such as 3' })
  .int('must be a whole level number')
  .min(1, 'levels count from 1')
  .max(100, 'no policy has more than 100 levels');
export type ToLevel = z.infer<typeof ToLevel>;
