import { z } from 'zod';
import { Duration } from './duration.js';
import { formatDuration } from './duration-text.js';
import { Actor } from './incident.js';
import { evaluateMatchers, MatcherText } from './matchers.js';
import type { MaintenanceMatchSpec, MaintenanceWindowSpec } from './maintenance-hold.js';
import { SeverityName } from './severity.js';

export * from './maintenance-hold.js';

/**
 * Maintenance windows (issue 12, item 8): while a window is open, a new alert it matches opens no
 * incident (answered `escalated: false` with the window and its end), and open incidents it
 * matches stop paging until it ends. Windows come from the config file (`maintenance:`) or are
 * opened at run time (`POST /v1/maintenance`, `escalate maintenance start`). The match is the
 * routes' model: equality on service, source, severity and labels, plus Alertmanager matchers.
 */

/** A window's name: part of its workflow id (`maintenance-<name>`), so no spaces. */
export const MaintenanceName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may hold letters, digits and . _ - only, starting with a letter or digit (db-upgrade)');

export const MaintenanceMatch = z
  .strictObject(
    {
      service: z.string().trim().min(1).optional(),
      source: z.string().trim().min(1).optional(),
      /** Exactly this severity (aliases read as routes read them). */
      severity: SeverityName.optional(),
      /** Label values the alert must carry. */
      labels: z.record(z.string().min(1), z.string()).optional(),
      /** Alertmanager matchers, all of which must hold: `team=~db|storage` (anchored, RE2). */
      matchers: z.array(MatcherText).optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown match key ${issue.keys.map((k) => `"${k}"`).join(', ')}; a match takes service, source, severity, labels and matchers (other label names go under labels: { name: value })`
          : undefined,
    },
  )
  .refine((match) => matchConditions(match).length > 0, {
    // Only when the match is otherwise valid: an unknown key already says what is wrong.
    when: (payload) => payload.issues.length === 0,
    message:
      'a window must match something, or it would silence every alert: name a service, source, severity, labels or matchers (match: { service: db })',
  });
export type MaintenanceMatch = z.output<typeof MaintenanceMatch>;

const Instant = z.iso.datetime({ offset: true, error: 'must be a time with its offset, such as 2026-12-05T22:00:00Z' });

/** `maintenance:` in the config file: a window with fixed times. */
export const ConfiguredWindow = z
  .strictObject({
    name: MaintenanceName,
    match: MaintenanceMatch,
    from: Instant,
    to: Instant,
    reason: z.string().max(500).optional(),
  })
  .superRefine((window, ctx) => {
    if (Date.parse(window.to) <= Date.parse(window.from)) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be after from (${window.from}): a window runs from (inclusive) to to (exclusive); swap them or fix the date`,
      });
    }
  });
export type ConfiguredWindow = z.output<typeof ConfiguredWindow>;

export const ConfiguredWindows = z.array(ConfiguredWindow).superRefine((windows, ctx) => {
  const seen = new Map<string, number>();
  windows.forEach((window, index) => {
    const first = seen.get(window.name);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `window "${window.name}" is defined twice (also maintenance[${first}]); give each window its own name`,
      });
    } else seen.set(window.name, index);
  });
});

/** The longest window one request may open: a longer one is a config change, reviewed as one. */
export const MAX_WINDOW_MS = 30 * 86_400_000;

/** `POST /v1/maintenance`: a window opened now, for a while (`for: 2h`) or until a time. */
export const MaintenanceRequest = z
  .strictObject({
    name: MaintenanceName.optional(),
    match: MaintenanceMatch,
    for: Duration.refine((ms) => ms > 0, 'must be longer than 0').optional(),
    until: Instant.optional(),
    by: Actor,
    reason: z.string().trim().max(500).optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.for === undefined) === (body.until === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['for'],
        message: 'give how long (for: 2h) or until when (until: 2026-12-06T02:00:00Z), one of the two',
      });
    }
  });
export type MaintenanceRequestBody = z.input<typeof MaintenanceRequest>;
export type MaintenanceRequest = z.output<typeof MaintenanceRequest>;

/** The refusal of a request that parsed but cannot open a window now: the field and why. */
export interface WindowRefusal {
  field: string;
  reason: string;
}

/** The window a request opens at `now`, or why not (ends in the past, or too far ahead). */
export function windowFromRequest(
  request: MaintenanceRequest,
  now: number,
  name: string,
): { ok: true; window: MaintenanceWindowSpec } | { ok: false; refusal: WindowRefusal } {
  const to = request.until !== undefined ? Date.parse(request.until) : now + (request.for ?? 0);
  const field = request.until !== undefined ? 'until' : 'for';
  if (to <= now) return { ok: false, refusal: { field, reason: `${request.until} is in the past; a window must end later than now` } };
  if (to - now > MAX_WINDOW_MS) {
    return {
      ok: false,
      refusal: {
        field,
        reason: `the window would last ${formatDuration(to - now)}; at most 30d at run time (put longer ones in the config file)`,
      },
    };
  }
  return {
    ok: true,
    window: {
      name,
      match: specOf(request.match),
      from: new Date(now).toISOString(),
      to: new Date(to).toISOString(),
      by: request.by,
      ...(request.reason !== undefined && { reason: request.reason }),
      origin: 'api',
    },
  };
}

/** A config window as it is stored and listed. */
export function configuredSpec(window: ConfiguredWindow): MaintenanceWindowSpec {
  return {
    name: window.name,
    match: specOf(window.match),
    from: new Date(Date.parse(window.from)).toISOString(),
    to: new Date(Date.parse(window.to)).toISOString(),
    by: 'config',
    ...(window.reason !== undefined && { reason: window.reason }),
    origin: 'config',
  };
}

function specOf(match: MaintenanceMatch): MaintenanceMatchSpec {
  return Object.fromEntries(Object.entries(match).filter(([, value]) => value !== undefined)) as MaintenanceMatchSpec;
}

/** The window's match as route conditions: `name="value"` for each equality, then its matchers. */
export function matchConditions(match: MaintenanceMatchSpec): string[] {
  const equal: [string, string | undefined][] = [
    ['service', match.service],
    ['source', match.source],
    ['severity', match.severity],
    ...Object.entries(match.labels ?? {}),
  ];
  return [
    ...equal.flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${JSON.stringify(value)}`])),
    ...(match.matchers ?? []),
  ];
}

/** Does an alert (or an open incident) with these labels, as routes see them, fall under the window? */
export function matchesWindow(match: MaintenanceMatchSpec, labels: Readonly<Record<string, string>>): boolean {
  const conditions = matchConditions(match);
  return conditions.length > 0 && evaluateMatchers(conditions, labels).every((result) => result.matched);
}

export function isOpen(window: Pick<MaintenanceWindowSpec, 'from' | 'to'>, now: number): boolean {
  return Date.parse(window.from) <= now && now < Date.parse(window.to);
}

/** The open window that answers this alert (the one ending last when several match), if any. */
export function windowFor(
  windows: readonly MaintenanceWindowSpec[],
  labels: Readonly<Record<string, string>>,
  now: number,
): MaintenanceWindowSpec | undefined {
  return windows
    .filter((window) => isOpen(window, now) && matchesWindow(window.match, labels))
    .reduce<MaintenanceWindowSpec | undefined>(
      (best, next) => (!best || Date.parse(next.to) > Date.parse(best.to) ? next : best),
      undefined,
    );
}

/** The answer's reason for an alert a window suppressed: the window, its end and who opened it. */
export function suppressionReason(window: MaintenanceWindowSpec): string {
  const who = window.origin === 'config' ? 'the config file' : window.by;
  return `in maintenance window "${window.name}" until ${window.to} (opened by ${who}${window.reason ? `: ${window.reason}` : ''}); no incident was opened`;
}

/** A name for a window opened without one: what it matches and when it opened. */
export function generatedName(match: MaintenanceMatchSpec, now: number): string {
  const what = (match.service ?? match.source ?? Object.values(match.labels ?? {})[0] ?? 'window')
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 40);
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `${what.replace(/^[^A-Za-z0-9]+/, '') || 'window'}-${stamp}`;
}
