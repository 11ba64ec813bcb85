/**
 * Severity order and names without a schema: what workflow code may import (zod stays out of the
 * workflow bundle). domain/severity.ts adds the schema for config and API bodies.
 */
/** Severities, lowest first. The order is what `minSeverity` and severity raises compare. */
export const SEVERITIES = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Names other tools use for the same levels (Alertmanager labels, PagerDuty, Opsgenie P1–P5, L1–L3 tiers). */
export const SEVERITY_ALIASES: Readonly<Record<string, Severity>> = {
  high: 'error',
  medium: 'warning',
  low: 'info',
  warn: 'warning',
  err: 'error',
  crit: 'critical',
  fatal: 'critical',
  l1: 'critical',
  l2: 'warning',
  l3: 'info',
  p1: 'critical',
  p2: 'error',
  p3: 'warning',
  p4: 'info',
  p5: 'debug',
};

export function normalizeSeverity(value: string): Severity | undefined {
  const key = value.trim().toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(key)) return key as Severity;
  return Object.hasOwn(SEVERITY_ALIASES, key) ? SEVERITY_ALIASES[key] : undefined;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isAtLeast(severity: Severity, floor: Severity): boolean {
  return severityRank(severity) >= severityRank(floor);
}

export function higherSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}
