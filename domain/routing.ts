import type { Config, Gates, Route } from './config.js';
import type { IncidentInput } from './incident.js';
import type { Policy } from './policy.js';
import { isAtLeast, type Severity } from './severity.js';

/**
 * Before an incident starts: do the gates let it through, and which policy does it run under?
 * Pure; the client, the API and the CLI all ask these same functions.
 */
export type GateVerdict = { escalate: true } | { escalate: false; reason: string };

export function evaluateGates(gates: Gates, severity: Severity): GateVerdict {
  if (!gates.enabled) return { escalate: false, reason: 'escalation is disabled (gates.enabled is false)' };
  // No environment configured means no environment gate: a bare local set-up escalates.
  if (gates.environment !== undefined && !gates.enabledEnvironments.includes(gates.environment)) {
    return {
      escalate: false,
      reason: `environment "${gates.environment}" is not in gates.enabledEnvironments (${gates.enabledEnvironments.join(', ')})`,
    };
  }
  if (!isAtLeast(severity, gates.minSeverity)) {
    return { escalate: false, reason: `severity ${severity} is below gates.minSeverity (${gates.minSeverity})` };
  }
  return { escalate: true };
}

export type PolicyChoice = { ok: true; policy: Policy; how: string } | { ok: false; field: string; reason: string };

/** The alert's fields as route matchers see them: its labels, plus severity, service and source. */
export function routeLabels(input: IncidentInput): Record<string, string> {
  return {
    ...input.labels,
    severity: input.severity,
    ...(input.service !== undefined && { service: input.service }),
    ...(input.source !== undefined && { source: input.source }),
  };
}

export function routeMatches(route: Route, labels: Record<string, string>): boolean {
  return Object.entries(route.match ?? {}).every(([name, value]) => labels[name] === value);
}

export function selectPolicy(config: Config, input: IncidentInput): PolicyChoice {
  const byName = (name: string) => config.policies.find((policy) => policy.name === name);
  if (input.policy !== undefined) {
    const policy = byName(input.policy);
    if (!policy) {
      return {
        ok: false,
        field: 'policy',
        reason: `policy "${input.policy}" is not defined; known policies: ${config.policies.map((p) => p.name).join(', ')}`,
      };
    }
    return checkSeverity(policy, input.severity, 'named in the request');
  }
  const labels = routeLabels(input);
  const index = config.routes.findIndex((route) => routeMatches(route, labels));
  const route = config.routes[index];
  if (route) {
    const policy = byName(route.policy);
    if (policy) return checkSeverity(policy, input.severity, route.match ? `routes[${index}] matched` : `default route`);
  }
  const bySeverity = config.policies.find((policy) => !policy.severities || policy.severities.includes(input.severity));
  if (bySeverity && config.routes.length === 0) return { ok: true, policy: bySeverity, how: 'first policy for this severity' };
  return {
    ok: false,
    field: 'policy',
    reason: 'no route matched this alert and the config has no default route; add a route without match, or name a policy',
  };
}

function checkSeverity(policy: Policy, severity: Severity, how: string): PolicyChoice {
  if (policy.severities && !policy.severities.includes(severity)) {
    return {
      ok: false,
      field: 'severity',
      reason: `policy ${policy.name} (${how}) applies to ${policy.severities.join(', ')}, not ${severity}`,
    };
  }
  return { ok: true, policy, how };
}

/** The default dedup key: the same source, service and summary are the same incident. */
export function defaultIncidentKey(input: Pick<IncidentInput, 'source' | 'service' | 'summary'>): string {
  const text = `${input.source ?? ''}\u0000${input.service ?? ''}\u0000${input.summary}`;
  // FNV-1a over 64 bits (as two 32-bit halves): stable across processes and versions.
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x01000193 ^ 0x5bd1e995) >>> 0;
  }
  const slug = (input.service ?? input.source ?? 'alert').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `${slug || 'alert'}-${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}
