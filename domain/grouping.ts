import { stableHash } from './hash.js';
import type { RouteChoice } from './routing.js';

/**
 * Grouping (a route's `groupBy`, as Alertmanager's group_by): alerts that take the same route and
 * share the values of its group labels are one incident. The group key replaces the alert's own
 * dedup key, including a key the caller sent: callers such as the Alertmanager integration always
 * send one key per alert (its fingerprint), so letting it win would mean a grouping route never
 * groups. The caller's key is kept on the occurrence instead. A label an alert lacks groups as the
 * empty value, as in Alertmanager. Pure: the client and `policy test` agree on it.
 */
export function groupKey(route: Pick<RouteChoice, 'index' | 'groupBy'>, labels: Readonly<Record<string, string>>): string | undefined {
  if (!route.groupBy || route.groupBy.length === 0) return undefined;
  const names = [...new Set(route.groupBy)].sort();
  const text = names.map((name) => `${name}=${labels[name] ?? ''}`).join('\u0000');
  return `group-r${route.index}-${stableHash(text)}`;
}

/** The group labels and their values, for the timeline: `alertname=DiskFull, service=db`. */
export function describeGroup(groupBy: readonly string[], labels: Readonly<Record<string, string>>): string {
  return [...new Set(groupBy)]
    .sort()
    .map((name) => `${name}=${labels[name] ?? ''}`)
    .join(', ');
}
