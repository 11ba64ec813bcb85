import { z } from 'zod';
import type { FieldError } from '../errors.js';
import {
  DAY_MS,
  HOUR_MS,
  IdMap,
  durationText,
  emptyReport,
  localHandoff,
  readFile,
  slug,
  zonedInstant,
  type ConfigDraft,
  type ExportFiles,
  type ImportReport,
  type ImportResult,
  type LevelDraft,
  type PolicyDraft,
  type RouteDraft,
  type ScheduleDraft,
  type TargetDraft,
  type TeamDraft,
  type UserDraft,
} from './common.js';

/**
 * Grafana OnCall HTTP API v1 list answers (`/api/v1/users/`, `/schedules/`, `/on_call_shifts/`,
 * `/escalation_chains/`, `/escalation_policies/`, `/integrations/`) turned into our config. Every
 * answer pages its list in `results`. A web schedule's rotations live in on_call_shifts.json.
 */
const page = <T extends z.ZodType>(item: T) => z.looseObject({ results: z.array(item) });

const SlackIdentity = z.looseObject({ user_id: z.string() });
const User = z.looseObject({
  id: z.string(),
  email: z.string(),
  username: z.string(),
  name: z.string().nullish(),
  timezone: z.string().nullish(),
  slack: z.union([SlackIdentity, z.array(SlackIdentity)]).nullish(),
});
const Schedule = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.enum(['ical', 'calendar', 'web']),
  time_zone: z.string().nullish(),
  shifts: z.array(z.string()).default([]),
});
const Shift = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  type: z.enum(['single_event', 'recurrent_event', 'rolling_users', 'override']),
  time_zone: z.string().nullish(),
  level: z.number().int().default(0),
  start: z.string(),
  rotation_start: z.string().nullish(),
  duration: z.number().int().positive(),
  frequency: z.enum(['hourly', 'daily', 'weekly', 'monthly']).nullish(),
  interval: z.number().int().positive().nullish(),
  until: z.string().nullish(),
  by_day: z.array(z.string()).nullish(),
  users: z.array(z.string()).nullish(),
  rolling_users: z.array(z.array(z.string())).nullish(),
  start_rotation_from_user_index: z.number().int().min(0).nullish(),
});
const Chain = z.looseObject({ id: z.string(), name: z.string() });
const Step = z.looseObject({
  id: z.string(),
  escalation_chain_id: z.string(),
  position: z.number().int(),
  type: z.string(),
  duration: z.number().int().min(0).nullish(),
  important: z.boolean().nullish(),
  persons_to_notify: z.array(z.string()).nullish(),
  persons_to_notify_next_each_time: z.array(z.string()).nullish(),
  notify_on_call_from_schedule: z.string().nullish(),
});
const Integration = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  default_route: z.looseObject({ escalation_chain_id: z.string().nullish() }).nullish(),
});
const Route = z.looseObject({
  id: z.string(),
  integration_id: z.string(),
  escalation_chain_id: z.string().nullish(),
  routing_regex: z.string().nullish(),
});

export const GRAFANA_ONCALL_FILES = [
  'users.json',
  'schedules.json',
  'escalation_chains.json',
  'escalation_policies.json',
  'integrations.json',
] as const;

/** Grafana OnCall repeats a chain with "repeat escalation" at most five times. */
const GRAFANA_REPEATS = 5;
const FREQUENCY_MS = { hourly: HOUR_MS, daily: DAY_MS, weekly: 7 * DAY_MS } as const;

export function importGrafanaOnCall(files: ExportFiles): ImportResult {
  const errors: FieldError[] = [];
  const users = readFile(files, 'users.json', page(User), errors)?.results ?? [];
  const schedules = readFile(files, 'schedules.json', page(Schedule), errors)?.results ?? [];
  const shifts = readFile(files, 'on_call_shifts.json', page(Shift), errors, false)?.results ?? [];
  const chains = readFile(files, 'escalation_chains.json', page(Chain), errors)?.results ?? [];
  const steps = readFile(files, 'escalation_policies.json', page(Step), errors)?.results ?? [];
  const integrations = readFile(files, 'integrations.json', page(Integration), errors)?.results ?? [];
  const extraRoutes = readFile(files, 'routes.json', page(Route), errors, false)?.results ?? [];
  if (errors.length > 0) return { ok: false, errors };

  const report = emptyReport();
  const userIds = new IdMap();
  const directoryUsers = users.map((user) => mapUser(user, userIds, report));
  if (users.length > 0) {
    report.none.push(
      'phone numbers and personal notification rules: not in the users API; add sms or voice contacts and rules under directory.users by hand',
    );
  }
  const scheduleIds = new IdMap();
  const shiftById = new Map(shifts.map((s) => [s.id, s]));
  const directorySchedules = schedules.flatMap((schedule) => mapSchedule(schedule, shiftById, userIds, scheduleIds, report));

  const teams: TeamDraft[] = [];
  const policyIds = new IdMap();
  const policies = chains.flatMap((chain) => {
    const mine = steps.filter((s) => s.escalation_chain_id === chain.id).sort((a, b) => a.position - b.position);
    const policy = mapChain(chain, mine, userIds, scheduleIds, policyIds, teams, report);
    return policy ? [policy] : [];
  });

  const routes: RouteDraft[] = integrations.flatMap((integration) => {
    const chain = integration.default_route?.escalation_chain_id;
    const policy = chain ? policyIds.get(chain) : undefined;
    for (const route of extraRoutes.filter((r) => r.integration_id === integration.id)) {
      report.none.push(
        `integration ${integration.name} route ${route.id}: routes on the alert payload${route.routing_regex ? ` (${route.routing_regex})` : ''}; write a route with matchers on the alert's labels instead`,
      );
    }
    if (!policy || !policies.some((p) => p.name === policy)) {
      report.none.push(`integration ${integration.name}: its default route has no escalation chain that came over; no route`);
      return [];
    }
    const label = slug(integration.name);
    report.approximate.push(
      `integration ${integration.name} (${integration.type}) → route integration=${label} → ${policy}: Grafana OnCall routed by integration URL; label the alerts integration="${label}"`,
    );
    return [{ match: { integration: label }, policy }];
  });

  const config: ConfigDraft = { routes, directory: { users: directoryUsers, teams, schedules: directorySchedules }, policies };
  return { ok: true, config, report };
}

function mapUser(user: z.infer<typeof User>, ids: IdMap, report: ImportReport): UserDraft {
  const name = user.name ?? user.username;
  const id = ids.add(user.id, user.username);
  const contacts: UserDraft['contacts'] = [{ channel: 'email', address: user.email }];
  const slack = Array.isArray(user.slack) ? user.slack[0] : user.slack;
  if (slack) contacts.push({ channel: 'slack', address: slack.user_id });
  report.exact.push(`user ${name} → ${id}: email${slack ? ' and Slack' : ''}`);
  return { id, ...(user.name && { name: user.name }), ...(user.timezone && { timezone: user.timezone }), contacts };
}

/**
 * A web schedule's lowest-level rolling shift becomes the rotation; override shifts and single
 * events above it become overrides. Higher-level rotations cannot stack on ours and are reported.
 */
function mapSchedule(
  schedule: z.infer<typeof Schedule>,
  shiftById: Map<string, z.infer<typeof Shift>>,
  userIds: IdMap,
  ids: IdMap,
  report: ImportReport,
): ScheduleDraft[] {
  if (schedule.type === 'ical') {
    report.none.push(`schedule ${schedule.name}: an iCal schedule (its calendar is outside the API); write its rotation by hand`);
    return [];
  }
  const zone = schedule.time_zone ?? 'UTC';
  const mine = schedule.shifts.map((id) => shiftById.get(id)).filter((s): s is z.infer<typeof Shift> => s !== undefined);
  const rotations = mine.filter((s) => s.type === 'rolling_users' || s.type === 'recurrent_event').sort((a, b) => a.level - b.level);
  const main = rotations[0];
  if (!main) {
    report.none.push(`schedule ${schedule.name}: no rotation in on_call_shifts.json (export /api/v1/on_call_shifts/); left out`);
    return [];
  }
  const label = `schedule ${schedule.name} shift ${main.name ?? main.id}`;
  const shiftZone = main.time_zone ?? zone;
  const groups = main.rolling_users ?? (main.users ?? []).map((u) => [u]);
  const from = main.start_rotation_from_user_index ?? 0;
  const ordered = [...groups.slice(from), ...groups.slice(0, from)];
  const members = ordered
    .map((group) => group.map((u) => userIds.get(u)).find((u) => u !== undefined))
    .filter((u): u is string => u !== undefined);
  if (ordered.some((group) => group.length > 1)) {
    report.approximate.push(`${label}: a turn with several users → the first of them (a turn holds one person here)`);
  }
  const startLocal = main.rotation_start ?? main.start;
  const instant = /[zZ]|[+-]\d{2}:?\d{2}$/.test(startLocal) ? startLocal : zonedInstant(startLocal, shiftZone);
  const first = instant ? localHandoff(instant, zone) : undefined;
  const period = main.frequency && main.frequency !== 'monthly' ? FREQUENCY_MS[main.frequency] * (main.interval ?? 1) : undefined;
  if (members.length === 0 || !first || !period) {
    const why =
      members.length === 0
        ? 'none of its users are in users.json'
        : !period
          ? `a ${main.frequency ?? 'one-off'} rotation`
          : `cannot read its start ${startLocal}`;
    report.none.push(`${label}: ${why}; left out`);
    return [];
  }
  const id = ids.add(schedule.id, schedule.name);
  const draft: ScheduleDraft = {
    id,
    timezone: zone,
    rotation: { members, shift: durationText(period), handoff: first.handoff, start: first.start },
  };
  report.exact.push(
    `${label} → schedule ${id}: ${members.length} turn(s) of ${durationText(period)} from ${first.start} ${first.handoff} ${zone}`,
  );
  if (main.duration * 1000 < period || (main.by_day && main.by_day.length < 7 && main.by_day.length > 0)) {
    report.approximate.push(
      `${label}: on call around the clock here; Grafana OnCall covered ${durationText(main.duration * 1000)} of each ${durationText(period)}${main.by_day?.length ? ` on ${main.by_day.join(',')}` : ''}`,
    );
  }
  for (const other of rotations.slice(1)) {
    report.none.push(
      `schedule ${schedule.name} shift ${other.name ?? other.id} (level ${other.level}): layered rotations (the higher level wins); left out`,
    );
  }
  const overrides = mine
    .filter((s) => s.type === 'override' || (s.type === 'single_event' && s.level > main.level))
    .flatMap((s) => {
      const user = (s.rolling_users?.[0] ?? s.users ?? []).map((u) => userIds.get(u)).find((u) => u !== undefined);
      const fromAt = /[zZ]|[+-]\d{2}:?\d{2}$/.test(s.start) ? s.start : zonedInstant(s.start, s.time_zone ?? zone);
      if (!user || !fromAt) {
        report.none.push(`schedule ${schedule.name} override ${s.name ?? s.id}: no user in users.json; left out`);
        return [];
      }
      const to = new Date(Date.parse(fromAt) + s.duration * 1000).toISOString();
      return [{ user, from: new Date(Date.parse(fromAt)).toISOString(), to }];
    });
  if (overrides.length > 0) {
    draft.overrides = overrides;
    report.exact.push(`schedule ${schedule.name}: ${overrides.length} override(s)`);
  }
  return [draft];
}

function mapChain(
  chain: z.infer<typeof Chain>,
  steps: z.infer<typeof Step>[],
  userIds: IdMap,
  scheduleIds: IdMap,
  ids: IdMap,
  teams: TeamDraft[],
  report: ImportReport,
): PolicyDraft | undefined {
  const name = ids.add(chain.id, chain.name);
  const levels: LevelDraft[] = [];
  let wait = 0;
  let current: TargetDraft[] = [];
  let repeats = 0;
  const close = () => {
    if (current.length === 0) return;
    levels.push({ delay: durationText(wait), targets: current });
    current = [];
    wait = 0;
  };
  steps.forEach((step, index) => {
    const label = `chain ${chain.name} step ${index + 1} (${step.type})`;
    if (step.important) report.none.push(`${label}: "important" notifications (one rule chain per user here)`);
    switch (step.type) {
      case 'wait':
        close();
        wait += (step.duration ?? 0) * 1000;
        return;
      case 'notify_persons': {
        const users = (step.persons_to_notify ?? []).map((u) => userIds.get(u)).filter((u): u is string => u !== undefined);
        current.push(...users.map((id): TargetDraft => ({ type: 'user', id })));
        report.exact.push(`${label} → ${users.length} user target(s)`);
        return;
      }
      case 'notify_on_call_from_schedule': {
        const schedule = step.notify_on_call_from_schedule ? scheduleIds.get(step.notify_on_call_from_schedule) : undefined;
        if (schedule) {
          current.push({ type: 'schedule', id: schedule });
          report.exact.push(`${label} → schedule ${schedule}`);
        } else report.none.push(`${label}: its schedule did not come over; left out`);
        return;
      }
      case 'notify_person_next_each_time': {
        const users = (step.persons_to_notify_next_each_time ?? []).map((u) => userIds.get(u)).filter((u): u is string => u !== undefined);
        if (users.length === 0) return;
        const team = `${name}-next-each-time-${index + 1}`;
        teams.push({ id: team, members: users, notify: 'round-robin' });
        current.push({ type: 'team', id: team });
        report.approximate.push(`${label} → team ${team} (notify: round-robin); our pick is spread by incident, not strictly in turn`);
        return;
      }
      case 'repeat_escalation':
        close();
        repeats = GRAFANA_REPEATS;
        report.approximate.push(`${label} → repeatPolicy ${GRAFANA_REPEATS} (Grafana OnCall repeats at most five times)`);
        return;
      default:
        report.none.push(`${label}: no equivalent step here; left out`);
    }
  });
  const trailingWait = wait;
  close();
  if (levels.length === 0) {
    report.none.push(`chain ${chain.name}: no step notifies anyone who came over; left out`);
    return undefined;
  }
  const policy: PolicyDraft = { name, levels, repeatPolicy: repeats };
  // Grafana OnCall starts the repeat right after the last step: no wait unless the chain ends with one.
  if (trailingWait > 0 || repeats > 0) policy.finalWait = durationText(trailingWait);
  report.exact.push(`chain ${chain.name} → policy ${name}: ${levels.length} level(s), waits as level delays`);
  return policy;
}
