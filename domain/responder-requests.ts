import { z } from 'zod';
import { Duration } from './duration.js';
import { Target } from './policy.js';

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

const MAX_SNOOZE_MS = 7 * 24 * 60 * 60_000;

/** How long a snooze lasts: `30m`, `2h`, ISO-8601; in milliseconds once parsed. */
export const SnoozeFor = Duration.refine((ms) => ms > 0, 'must be longer than 0').refine(
  (ms) => ms <= MAX_SNOOZE_MS,
  'must be at most 7d; resolve the incident, or snooze it again when this one ends',
);

/** Whom a reassignment pages now: the target shapes a policy level takes. */
export const ReassignTargets = z.array(Target).min(1, 'name at least one target to page').max(20, 'at most 20 targets');

/**
 * A target as the CLI writes it: `user:dana`, `team:sre`, `schedule:primary`, `email:a@b.c`,
 * `phone:+15551234567`, `webhook:https://...`, `channel:slack:#alerts`. The answer still goes
 * through ReassignTargets, which says what is wrong with the value.
 */
export function targetFromText(text: string): Record<string, string> {
  const at = text.indexOf(':');
  const type = at > 0 ? text.slice(0, at) : text;
  const rest = at > 0 ? text.slice(at + 1) : '';
  switch (type) {
    case 'email':
    case 'phone':
      return { type, address: rest };
    case 'webhook':
      return { type, url: rest };
    case 'channel': {
      const split = rest.indexOf(':');
      return split > 0 ? { type, provider: rest.slice(0, split), id: rest.slice(split + 1) } : { type, provider: rest, id: '' };
    }
    default:
      return { type, id: rest };
  }
}
