import { nextOpening } from './business-hours.js';
import type { Urgency, UrgencyMap } from './level-schemas.js';
import type { BusinessHours } from './policy.js';
import type { Severity } from './severity-order.js';

/**
 * Urgency (issue 12, item 5): high pages at any hour; low waits for the policy's business hours
 * on every level and repeat, and pages at the level it reached when they open. Pure and free of
 * zod (workflow code imports it).
 *
 * How it relates to `businessHours.bypassSeverities`, the older form: a policy and route with no
 * `urgency` map keep the old rule (business hours hold level 1 only, for every severity the bypass
 * list leaves out); undefined here. Once either has an `urgency` map, urgency decides on every
 * level: the route's entry for the severity, else the policy's, else high (the default, so a
 * bypassing severity left out of the map stays high). `policy validate` refuses a severity that is
 * both in bypassSeverities and low.
 */
export function urgencyOf(
  severity: Severity,
  policy: { urgency?: UrgencyMap | undefined },
  route: UrgencyMap | undefined,
): Urgency | undefined {
  if (policy.urgency === undefined && route === undefined) return undefined;
  return route?.[severity] ?? policy.urgency?.[severity] ?? 'high';
}

/** `at` itself for high urgency or an open window, else the next business-hours opening. */
export function urgencyHold(hours: BusinessHours | undefined, urgency: Urgency, at: number): number {
  return urgency === 'low' && hours ? nextOpening(hours, at) : at;
}

/** The timeline's words for a hold: `low urgency (warning) outside business hours (mon,tue 09:00-18:00 UTC): level 2 held until …`. */
export function holdReason(hours: BusinessHours, severity: Severity, what: string, until: number): string {
  return `low urgency (${severity}) outside business hours (${hours.days.join(',')} ${hours.start}-${hours.end} ${hours.timezone}): ${what} held until ${new Date(until).toISOString()}`;
}
