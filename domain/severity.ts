import { z } from 'zod';

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

/** A severity field: a level or an alias, case-insensitive; yields the canonical level. */
export const SeverityName = z.string().transform((value, ctx) => {
  const severity = normalizeSeverity(value);
  if (!severity) {
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `"${value}" is not a severity; use one of ${SEVERITIES.join(', ')} (or an alias: high, low, P1..P5, L1..L3)`,
    });
    return z.NEVER;
  }
  return severity;
});
