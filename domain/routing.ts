import { stableHash } from './hash.js';
import type { Config, Gates, PagingMode, Route } from './config.js';
import type { IncidentInput } from './incident.js';
import { evaluateMatchers, type MatcherResult } from './matchers.js';
import type { Policy } from './policy.js';
import { isAtLeast, type Severity } from './severity.js';

/**
 * Before an incident starts: do the gates let it through, and which policy does it run under?
 * Pure; the client, the API and the CLI all ask these same functions.
 */
export type GateVerdict = { escalate: true } | { escalate: false; reason: string };

/** Where an environment is given but `gates.enabledEnvironments` is not, only production pages. */
export const DEFAULT_ENABLED_ENVIRONMENTS: readonly string[] = ['production'];

export function evaluateGates(gates: Gates, severity: Severity): GateVerdict {
  if (!gates.enabled) return { escalate: false, reason: 'escalation is disabled (gates.enabled is false)' };
  // No environment and no enabledEnvironments means no environment gate: a bare local set-up
  // escalates. enabledEnvironments without an environment never gets here: the config is refused.
  const enabled = gates.enabledEnvironments ?? DEFAULT_ENABLED_ENVIRONMENTS;
  if (gates.environment !== undefined && !enabled.includes(gates.environment)) {
    return {
      escalate: false,
      reason: `environment "${gates.environment}" is not in gates.enabledEnvironments (${enabled.join(', ')})`,
    };
  }
  if (!isAtLeast(severity, gates.minSeverity)) {
    return { escalate: false, reason: `severity ${severity} is below gates.minSeverity (${gates.minSeverity})` };
  }
  return { escalate: true };
}

export interface RouteChoice {
  index: number;
  /** Labels this route groups by (for the group key), with its group wait in ms. */
  groupBy?: string[];
  groupWait?: number;
  /** The route's own paging mode, when it sets one. */
  mode?: PagingMode;
  /** The route's urgency map, over the policy's (domain/urgency.ts). */
  urgency?: Route['urgency'];
}

export type PolicyChoice =
  { ok: true; policy: Policy; how: string; severity: Severity; route?: RouteChoice } | { ok: false; field: string; reason: string };

/** The alert's fields as route matchers see them: its labels, plus severity, service and source. */
export function routeLabels(input: Pick<IncidentInput, 'labels' | 'severity' | 'service' | 'source'>): Record<string, string> {
  return {
    ...input.labels,
    severity: input.severity,
    ...(input.service !== undefined && { service: input.service }),
    ...(input.source !== undefined && { source: input.source }),
  };
}

/** How one route judged an alert: every condition, and why the route was taken or passed over. */
export interface RouteVerdict {
  index: number;
  policy: string;
  isDefault: boolean;
  matched: boolean;
  conditions: MatcherResult[];
  /** The severity the incident would run at on this route (its override, else the alert's). */
  severity: Severity;
  /** Matched, but its policy does not cover the severity: the next route is tried. */
  skipped?: string;
  taken: boolean;
}

export interface RouteExplanation {
  labels: Record<string, string>;
  routes: RouteVerdict[];
  choice: PolicyChoice;
}

/** Equality `match` entries read as `name=value` matchers, before the route's own matchers. */
export function routeConditions(route: Route): string[] {
  return [...Object.entries(route.match ?? {}).map(([name, value]) => `${name}=${JSON.stringify(value)}`), ...(route.matchers ?? [])];
}

export function routeMatches(route: Route, labels: Record<string, string>): boolean {
  return evaluateMatchers(routeConditions(route), labels).every((result) => result.matched);
}

/**
 * Walks the routes in order, as Alertmanager does: the first route whose conditions all hold and
 * whose policy covers the severity wins. A matching route whose policy filters the severity out
 * (`severities`) is passed over rather than refusing the alert: the next route (usually the
 * default) gets it, so a critical-only policy never swallows a warning that another route would page.
 */
export function explainRoutes(config: Config, alert: Pick<IncidentInput, 'labels' | 'severity' | 'service' | 'source'>): RouteExplanation {
  const labels = routeLabels(alert);
  const verdicts: RouteVerdict[] = [];
  let choice: PolicyChoice | undefined;
  const skips: string[] = [];
  config.routes.forEach((route, index) => {
    const conditions = evaluateMatchers(routeConditions(route), labels);
    const severity = route.severity ?? alert.severity;
    const verdict: RouteVerdict = {
      index,
      policy: route.policy,
      isDefault: conditions.length === 0,
      matched: conditions.every((c) => c.matched),
      conditions,
      severity,
      taken: false,
    };
    verdicts.push(verdict);
    if (choice || !verdict.matched) return;
    const policy = config.policies.find((p) => p.name === route.policy);
    if (!policy) {
      verdict.skipped = `policy "${route.policy}" is not defined`;
    } else if (!covers(policy, severity)) {
      verdict.skipped = `policy ${policy.name} applies to ${policy.severities?.join(', ')}, not ${severity}`;
    } else {
      verdict.taken = true;
      choice = {
        ok: true,
        policy,
        severity,
        how: verdict.isDefault ? 'default route' : `routes[${index}] matched (${conditions.map((c) => c.matcher).join(', ')})`,
        route: {
          index,
          ...(route.groupBy !== undefined && { groupBy: route.groupBy }),
          ...(route.groupWait !== undefined && { groupWait: route.groupWait }),
          ...(route.mode !== undefined && { mode: route.mode }),
          ...(route.urgency !== undefined && { urgency: route.urgency }),
        },
      };
      return;
    }
    skips.push(`routes[${index}] matched but ${verdict.skipped}`);
  });
  if (!choice && config.routes.length === 0) {
    const bySeverity = config.policies.find((policy) => covers(policy, alert.severity));
    if (bySeverity)
      choice = { ok: true, policy: bySeverity, severity: alert.severity, how: 'first policy for this severity (no routes configured)' };
  }
  return {
    labels,
    routes: verdicts,
    choice: choice ?? {
      ok: false,
      field: skips.length > 0 ? 'severity' : 'policy',
      reason:
        skips.length > 0
          ? `no route takes a ${alert.severity} alert: ${skips.join('; ')}; add a default route last, or widen the policy's severities`
          : 'no route matched this alert and the config has no default route; add a route without match, or name a policy',
    },
  };
}

export function selectPolicy(config: Config, input: IncidentInput): PolicyChoice {
  if (input.policy !== undefined) {
    const policy = config.policies.find((p) => p.name === input.policy);
    if (!policy) {
      return {
        ok: false,
        field: 'policy',
        reason: `policy "${input.policy}" is not defined; known policies: ${config.policies.map((p) => p.name).join(', ')}`,
      };
    }
    if (!covers(policy, input.severity)) {
      return {
        ok: false,
        field: 'severity',
        reason: `policy ${policy.name} (named in the request) applies to ${policy.severities?.join(', ')}, not ${input.severity}`,
      };
    }
    return { ok: true, policy, severity: input.severity, how: 'named in the request' };
  }
  return explainRoutes(config, input).choice;
}

/**
 * Whether an incident on this choice pages for real or only records what it would page: the
 * route's own `mode` wins, else `gates.mode`, else live. A policy named in the request has no
 * route, so the gates decide.
 */
export function pagingMode(gates: Gates, choice: { route?: RouteChoice }): PagingMode {
  return choice.route?.mode ?? gates.mode ?? 'live';
}

function covers(policy: Policy, severity: Severity): boolean {
  return !policy.severities || policy.severities.includes(severity);
}

/** The default dedup key: the same source, service and summary are the same incident. */
export function defaultIncidentKey(input: Pick<IncidentInput, 'source' | 'service' | 'summary'>): string {
  const text = `${input.source ?? ''}\u0000${input.service ?? ''}\u0000${input.summary}`;
  const slug = (input.service ?? input.source ?? 'alert')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return `${slug || 'alert'}-${stableHash(text)}`;
}
