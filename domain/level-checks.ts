import type { Config } from './config.js';
import type { ConfigProblem } from './config-checks.js';
import type { UrgencyMap } from './level-schemas.js';
import type { Policy } from './policy.js';
import { SEVERITIES, severityRank, type Severity } from './severity-order.js';

/**
 * `urgency` and a level's `when` mistakes that pass the schema but would only show at 3 a.m.: a
 * low urgency with no business hours to wait for, a severity both bypassing the hours and low, a
 * condition that can never hold. Pure; checkConfig (domain/config-checks.ts) runs it.
 */
export function levelProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.policies.forEach((policy, p) => {
    problems.push(...urgencyProblems(policy, policy.urgency, ['policies', p, 'urgency'], `policy ${policy.name}`));
    problems.push(...bypassConflicts(policy, p));
    policy.levels.forEach((level, l) => {
      if (level.when) problems.push(...whenProblems(config, policy, p, l));
    });
  });
  config.routes.forEach((route, r) => {
    const policy = config.policies.find((candidate) => candidate.name === route.policy);
    if (policy) problems.push(...urgencyProblems(policy, route.urgency, ['routes', r, 'urgency'], `routes[${r}] (policy ${policy.name})`));
  });
  return problems;
}

/** Low urgency waits for business hours: without any, it would never page. */
function urgencyProblems(policy: Policy, map: UrgencyMap | undefined, path: (string | number)[], where: string): ConfigProblem[] {
  if (!map || policy.businessHours) return [];
  const low = SEVERITIES.filter((severity) => map[severity] === 'low');
  if (low.length === 0) return [];
  return [
    {
      path,
      message:
        `${where} gives ${low.join(', ')} low urgency, which waits for business hours, but policy ${policy.name} has no businessHours, ` +
        `so those incidents would never page; add businessHours to policy ${policy.name} (e.g. { days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00", timezone: UTC }) or make them high`,
    },
  ];
}

function bypassConflicts(policy: Policy, p: number): ConfigProblem[] {
  const bypass = policy.businessHours?.bypassSeverities ?? [];
  return bypass.flatMap((severity, b) =>
    policy.urgency?.[severity] === 'low'
      ? [
          {
            path: ['policies', p, 'businessHours', 'bypassSeverities', b],
            message:
              `policy ${policy.name} lists ${severity} in businessHours.bypassSeverities (page at any hour) and gives it low urgency ` +
              `(wait for business hours); keep one: with an urgency map, a severity it leaves out is high, so remove ${severity} from one of them`,
          },
        ]
      : [],
  );
}

function whenProblems(config: Config, policy: Policy, p: number, l: number): ConfigProblem[] {
  const level = policy.levels[l];
  const when = level?.when;
  if (!level || !when) return [];
  const path = ['policies', p, 'levels', l, 'when'];
  const name = `policy ${policy.name} level ${l + 1}`;
  const problems: ConfigProblem[] = [];
  if (when.minSeverity !== undefined && policy.severities && policy.severities.length > 0) {
    const floor = when.minSeverity;
    if (policy.severities.every((severity: Severity) => severityRank(severity) < severityRank(floor))) {
      problems.push({
        path: [...path, 'minSeverity'],
        message:
          `${name} asks for at least ${floor}, but the policy only takes ${policy.severities.join(', ')}, ` +
          `so the level would always be skipped; lower when.minSeverity or remove the level`,
      });
    }
  }
  if (l === 0 && when.minOccurrences !== undefined && when.minOccurrences > 1 && level.delay === 0 && !isGrouped(config, policy)) {
    problems.push({
      path: [...path, 'minOccurrences'],
      message:
        `${name} comes due the moment the first alert arrives (delay 0), when 1 occurrence is counted, so it would always be skipped; ` +
        `give level 1 a delay for repeats to arrive, or move minOccurrences to a later level`,
    });
  }
  if (when.timezone !== undefined && when.days === undefined && when.between === undefined) {
    problems.push({
      path: [...path, 'timezone'],
      message: `${name}'s when.timezone only says where days and between are read, and it has neither; add days or between, or remove timezone`,
    });
  }
  return problems;
}

/** A grouping route gathers alerts before level 1 (groupWait): occurrences can add up by then. */
function isGrouped(config: Config, policy: Policy): boolean {
  return config.routes.some((route) => route.policy === policy.name && (route.groupWait ?? 0) > 0);
}
