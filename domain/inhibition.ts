import { z } from 'zod';
import { MatcherText, evaluateMatchers } from './matchers.js';
import { isAtLeast, SeverityName, type Severity } from './severity.js';

/**
 * Inhibition, as Alertmanager's inhibit_rules read: while an open incident matches a rule's source
 * (and is at least its `minSeverity`), a new alert matching its target, with the same values for
 * every `equal` label, is a symptom: it pages nobody and is noted on the source incident instead.
 * Pure; the client finds the open incidents (Temporal visibility) and asks this.
 */
export const InhibitRule = z.strictObject({
  source: z.strictObject({
    matchers: z.array(MatcherText).min(1, 'a source needs at least one matcher'),
    minSeverity: SeverityName.optional(),
  }),
  target: z.strictObject({ matchers: z.array(MatcherText).min(1, 'a target needs at least one matcher') }),
  /** Labels that must carry the same value on source and target (absent on both counts as equal). */
  equal: z.array(z.string().min(1)).default([]),
});
export type InhibitRule = z.infer<typeof InhibitRule>;

export interface OpenIncident {
  workflowId: string;
  severity: Severity;
  /** As routes see them: the labels plus severity, service and source. */
  labels: Record<string, string>;
}

export interface Inhibition {
  rule: number;
  source: OpenIncident;
  reason: string;
}

export function findInhibitor(
  rules: readonly InhibitRule[],
  target: Record<string, string>,
  open: readonly OpenIncident[],
): Inhibition | undefined {
  for (const [index, rule] of rules.entries()) {
    if (!evaluateMatchers(rule.target.matchers, target).every((m) => m.matched)) continue;
    const source = open.find(
      (incident) =>
        (rule.source.minSeverity === undefined || isAtLeast(incident.severity, rule.source.minSeverity)) &&
        evaluateMatchers(rule.source.matchers, incident.labels).every((m) => m.matched) &&
        rule.equal.every((name) => (incident.labels[name] ?? '') === (target[name] ?? '')),
    );
    if (source) {
      const equal = rule.equal.map((name) => `${name}=${target[name] ?? ''}`).join(', ');
      return { rule: index, source, reason: `inhibited by ${source.workflowId} (inhibitions[${index}]${equal ? `, same ${equal}` : ''})` };
    }
  }
  return undefined;
}
