import { z } from 'zod';
import type { FieldError } from '../errors.js';
import {
  DAY_MS,
  MINUTE_MS,
  IdMap,
  WEEKDAYS,
  businessHoursHint,
  durationText,
  emptyReport,
  localHandoff,
  readFile,
  slug,
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
 * PagerDuty REST API v2 list answers (`GET /users?include[]=contact_methods&include[]=notification_rules`,
 * `/schedules`, `/escalation_policies`, `/services`, and per schedule `/schedules/{id}/overrides`)
 * turned into our config. Only the fields we map are read; the rest of each object is ignored.
 */
const Ref = z.looseObject({ id: z.string(), type: z.string().optional(), summary: z.string().optional() });

const ContactMethod = z.looseObject({
  id: z.string(),
  type: z.string(),
  /** Absent when the export was made without include[]=contact_methods (a reference only). */
  address: z.string().optional(),
  country_code: z.number().int().optional(),
  label: z.string().optional(),
});
const NotificationRule = z.looseObject({
  start_delay_in_minutes: z.number().min(0).optional(),
  contact_method: Ref.optional(),
  urgency: z.enum(['high', 'low']).default('high'),
});
const User = z.looseObject({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  time_zone: z.string().optional(),
  contact_methods: z.array(ContactMethod).default([]),
  notification_rules: z.array(NotificationRule).default([]),
});
const Restriction = z.looseObject({
  type: z.enum(['daily_restriction', 'weekly_restriction']),
  start_time_of_day: z.string().regex(/^\d{2}:\d{2}(:\d{2})?$/),
  duration_seconds: z.number().int().positive(),
  start_day_of_week: z.number().int().min(1).max(7).nullish(),
});
const Layer = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  start: z.string(),
  end: z.string().nullish(),
  rotation_virtual_start: z.string(),
  rotation_turn_length_seconds: z.number().int().positive(),
  users: z.array(z.looseObject({ user: Ref })),
  restrictions: z.array(Restriction).default([]),
});
const Schedule = z.looseObject({ id: z.string(), name: z.string(), time_zone: z.string(), schedule_layers: z.array(Layer) });
const Override = z.looseObject({ start: z.string(), end: z.string(), user: Ref });
const EscalationRule = z.looseObject({
  escalation_delay_in_minutes: z.number().min(0),
  targets: z.array(Ref).min(1),
  escalation_rule_assignment_strategy: z.looseObject({ type: z.string() }).nullish(),
});
const EscalationPolicy = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  num_loops: z.number().int().min(0).default(0),
  escalation_rules: z.array(EscalationRule),
});
const Service = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string().optional(),
  escalation_policy: Ref,
  acknowledgement_timeout: z.number().int().nullish(),
  auto_resolve_timeout: z.number().int().nullish(),
  incident_urgency_rule: z.looseObject({ type: z.string(), urgency: z.string().nullish() }).nullish(),
});

export const PAGERDUTY_FILES = ['users.json', 'schedules.json', 'escalation_policies.json', 'services.json'] as const;

export function importPagerDuty(files: ExportFiles): ImportResult {
  const errors: FieldError[] = [];
  const users = readFile(files, 'users.json', z.looseObject({ users: z.array(User) }), errors)?.users ?? [];
  const schedules = readFile(files, 'schedules.json', z.looseObject({ schedules: z.array(Schedule) }), errors)?.schedules ?? [];
  const policies =
    readFile(files, 'escalation_policies.json', z.looseObject({ escalation_policies: z.array(EscalationPolicy) }), errors)
      ?.escalation_policies ?? [];
  const services = readFile(files, 'services.json', z.looseObject({ services: z.array(Service) }), errors)?.services ?? [];
  const overrides = new Map<string, z.infer<typeof Override>[]>();
  for (const schedule of schedules) {
    const name = `schedules/${schedule.id}/overrides.json`;
    const found = readFile(files, name, z.looseObject({ overrides: z.array(Override) }), errors, false);
    if (found) overrides.set(schedule.id, found.overrides);
  }
  if (errors.length > 0) return { ok: false, errors };

  const report = emptyReport();
  const userIds = new IdMap();
  const directoryUsers = users.map((user) => mapUser(user, userIds, report));
  const scheduleIds = new IdMap();
  const directorySchedules = schedules.flatMap((schedule) =>
    mapSchedule(schedule, overrides.get(schedule.id) ?? [], userIds, scheduleIds, report),
  );
  const teams: TeamDraft[] = [];
  const policyIds = new IdMap();
  const draftPolicies = policies.flatMap((policy) => mapPolicy(policy, userIds, scheduleIds, policyIds, teams, report));
  const routes = services.flatMap((service) => mapService(service, policyIds, draftPolicies, services, report));

  const config: ConfigDraft = {
    routes,
    directory: { users: directoryUsers, teams, schedules: directorySchedules },
    policies: draftPolicies,
  };
  return { ok: true, config, report };
}

const CHANNEL_OF: Record<string, 'email' | 'sms' | 'voice'> = {
  email_contact_method: 'email',
  sms_contact_method: 'sms',
  phone_contact_method: 'voice',
};

function mapUser(user: z.infer<typeof User>, ids: IdMap, report: ImportReport): UserDraft {
  const id = ids.add(user.id, user.email.split('@')[0] ?? user.name);
  const contacts: UserDraft['contacts'] = [];
  const channelOfMethod = new Map<string, 'email' | 'sms' | 'voice'>();
  for (const method of user.contact_methods) {
    if (method.address === undefined) {
      report.none.push(
        `user ${user.name}: contact method ${method.id} came as a reference only; export users with include[]=contact_methods`,
      );
      continue;
    }
    const channel = CHANNEL_OF[method.type];
    if (!channel) {
      report.none.push(
        `user ${user.name}: ${method.type} "${method.label ?? method.address}" (no push notifications here; Slack, email, SMS and voice are)`,
      );
      continue;
    }
    const address = channel === 'email' ? method.address : `+${method.country_code ?? 1}${method.address.replace(/\D/g, '')}`;
    contacts.push({ channel, address });
    channelOfMethod.set(method.id, channel);
  }
  if (contacts.length === 0) {
    contacts.push({ channel: 'email', address: user.email });
    report.approximate.push(`user ${user.name} → ${id}: no usable contact method, so their login email ${user.email} is the contact`);
  }

  const steps = new Map<number, Set<'email' | 'sms' | 'voice'>>();
  let lowUrgency = 0;
  for (const rule of user.notification_rules) {
    if (rule.start_delay_in_minutes === undefined || !rule.contact_method) continue;
    if (rule.urgency === 'low') {
      lowUrgency++;
      continue;
    }
    const channel = channelOfMethod.get(rule.contact_method.id);
    if (!channel) continue;
    const at = steps.get(rule.start_delay_in_minutes) ?? new Set();
    at.add(channel);
    steps.set(rule.start_delay_in_minutes, at);
  }
  const rules = [...steps.entries()]
    .sort(([a], [b]) => a - b)
    .map(([after, channels]) => ({ after: durationText(after * MINUTE_MS), channels: [...channels] }));
  if (lowUrgency > 0) {
    report.none.push(
      `user ${user.name}: ${lowUrgency} low-urgency notification rule(s) (one rule chain per user here; a contact's minSeverity is the nearest thing)`,
    );
  }
  report.exact.push(
    `user ${user.name} → ${id} with ${contacts.length} contact(s)${rules.length > 0 ? ` and ${rules.length} notification step(s)` : ''}`,
  );
  return {
    id,
    name: user.name,
    ...(user.time_zone && { timezone: user.time_zone }),
    contacts,
    ...(rules.length > 0 && { rules }),
  };
}

/**
 * A schedule's first layer becomes our rotation (PagerDuty lists the top layer first). Further
 * layers come over as schedules of their own, unused by policies: our schedules do not stack.
 */
function mapSchedule(
  schedule: z.infer<typeof Schedule>,
  overrides: z.infer<typeof Override>[],
  userIds: IdMap,
  ids: IdMap,
  report: ImportReport,
): ScheduleDraft[] {
  const out: ScheduleDraft[] = [];
  schedule.schedule_layers.forEach((layer, index) => {
    const label = `schedule ${schedule.name} layer ${layer.name ?? index + 1}`;
    const id =
      index === 0
        ? ids.add(schedule.id, schedule.name)
        : ids.add(`${schedule.id}/${layer.id ?? index}`, `${schedule.name}-${layer.name ?? `layer-${index + 1}`}`);
    const members = layer.users.map((u) => userIds.get(u.user.id)).filter((m): m is string => m !== undefined);
    const first = localHandoff(layer.rotation_virtual_start, schedule.time_zone);
    if (members.length === 0 || !first) {
      report.none.push(
        `${label}: ${members.length === 0 ? 'none of its users are in users.json' : `cannot read rotation_virtual_start ${layer.rotation_virtual_start}`}; left out`,
      );
      return;
    }
    const shift = layer.rotation_turn_length_seconds * 1000;
    const draft: ScheduleDraft = {
      id,
      timezone: schedule.time_zone,
      rotation: { members, shift: durationText(shift), handoff: first.handoff, start: first.start },
    };
    if (index === 0 && overrides.length > 0) {
      draft.overrides = overrides.flatMap((o) => {
        const user = userIds.get(o.user.id);
        if (user) return [{ user, from: o.start, to: o.end }];
        report.none.push(`schedule ${schedule.name}: override ${o.start}–${o.end} names user ${o.user.id}, who is not in users.json`);
        return [];
      });
      report.exact.push(`schedule ${schedule.name}: ${draft.overrides.length} override(s)`);
    }
    out.push(draft);
    const dst = shift % DAY_MS === 0 || DAY_MS % shift === 0 ? '; handoffs stay at local time across DST' : '';
    report.exact.push(
      `${label} → schedule ${id}: ${members.length} user(s), ${durationText(shift)} turns from ${first.start} ${first.handoff} ${schedule.time_zone}${dst}`,
    );
    if (first.rounded)
      report.approximate.push(`${label}: handoff ${layer.rotation_virtual_start} rounded down to the minute (${first.handoff})`);
    if (index > 0) {
      report.none.push(
        `${label}: layers (a higher layer wins where it has someone on call); it is kept as schedule ${id}, which no policy targets`,
      );
    }
    if (layer.end) report.approximate.push(`${label}: ends ${layer.end}; our rotation has no end, remove it by then`);
    if (layer.restrictions.length > 0) {
      report.approximate.push(
        `${label}: on call around the clock here; PagerDuty restricted it to ${describeRestrictions(layer.restrictions, schedule.time_zone)}`,
      );
    }
  });
  return out;
}

function describeRestrictions(restrictions: z.infer<typeof Restriction>[], zone: string): string {
  const parts = restrictions.map((r) => {
    const start = r.start_time_of_day.slice(0, 5);
    const hours = durationText(r.duration_seconds * 1000);
    const day = WEEKDAYS[(r.start_day_of_week ?? 1) - 1] ?? 'mon';
    return r.type === 'daily_restriction' ? `daily ${start} for ${hours}` : `${day} ${start} for ${hours}`;
  });
  const first = restrictions[0];
  const sameDaily = first && restrictions.every((r) => r.type === 'daily_restriction' && r.start_time_of_day === first.start_time_of_day);
  const weekdays =
    first &&
    restrictions.length === 5 &&
    restrictions.every(
      (r, i) =>
        r.type === 'weekly_restriction' &&
        r.start_day_of_week === i + 1 &&
        r.start_time_of_day === first.start_time_of_day &&
        r.duration_seconds === first.duration_seconds,
    );
  let hint = '';
  if (first && (sameDaily || weekdays) && first.duration_seconds < DAY_MS / 1000) {
    const [h, m] = first.start_time_of_day.split(':').map(Number) as [number, number];
    const endMinutes = (h * 60 + m + first.duration_seconds / 60) % (24 * 60);
    const end = `${String(Math.floor(endMinutes / 60)).padStart(2, '0')}:${String(Math.floor(endMinutes % 60)).padStart(2, '0')}`;
    const days = sameDaily ? [...WEEKDAYS] : WEEKDAYS.slice(0, 5);
    hint = ` (if policies using it should wait for those hours, give them ${businessHoursHint(days, first.start_time_of_day.slice(0, 5), end, zone)})`;
  }
  return `${parts.join(', ')}${hint}`;
}

function mapPolicy(
  policy: z.infer<typeof EscalationPolicy>,
  userIds: IdMap,
  scheduleIds: IdMap,
  ids: IdMap,
  teams: TeamDraft[],
  report: ImportReport,
): PolicyDraft[] {
  const name = ids.add(policy.id, policy.name);
  const levels: LevelDraft[] = [];
  policy.escalation_rules.forEach((rule, index) => {
    const targets: TargetDraft[] = [];
    const users: string[] = [];
    for (const target of rule.targets) {
      const kind = target.type?.replace(/_reference$/, '');
      const id = kind === 'user' ? userIds.get(target.id) : kind === 'schedule' ? scheduleIds.get(target.id) : undefined;
      if (!id) {
        report.none.push(
          `policy ${policy.name} rule ${index + 1}: target ${target.type ?? '?'} ${target.summary ?? target.id} is not in the export; left out`,
        );
        continue;
      }
      if (kind === 'user') users.push(id);
      else targets.push({ type: 'schedule', id });
    }
    if (rule.escalation_rule_assignment_strategy?.type === 'round_robin' && users.length > 1) {
      const team = `${name}-rule-${index + 1}`;
      teams.push({ id: team, members: users, notify: 'round-robin' });
      targets.push({ type: 'team', id: team });
      report.approximate.push(
        `policy ${policy.name} rule ${index + 1}: round robin → team ${team} (notify: round-robin); our pick is spread by incident, not strictly in turn`,
      );
    } else {
      targets.push(...users.map((id): TargetDraft => ({ type: 'user', id })));
    }
    if (targets.length === 0) return;
    const previous = policy.escalation_rules[index - 1];
    levels.push({ delay: durationText((previous?.escalation_delay_in_minutes ?? 0) * MINUTE_MS), targets });
  });
  if (levels.length === 0) {
    report.none.push(`policy ${policy.name}: no rule has a target in the export; left out`);
    return [];
  }
  const last = policy.escalation_rules.at(-1);
  const finalWait = durationText((last?.escalation_delay_in_minutes ?? 0) * MINUTE_MS);
  report.exact.push(
    `policy ${policy.name} → ${name}: ${levels.length} level(s), each delay the previous rule's escalation_delay_in_minutes; ` +
      `${policy.num_loops} loop(s) → repeatPolicy ${policy.num_loops}, finalWait ${finalWait}`,
  );
  report.approximate.push(
    `policy ${policy.name}: after its last ${policy.num_loops > 0 ? 'loop' : 'rule'} PagerDuty leaves the incident triggered; here it becomes TIMED_OUT after ${finalWait} (still open to ack and resolve)`,
  );
  return [
    {
      name,
      ...(policy.description && { description: policy.description }),
      levels,
      repeatPolicy: Math.min(policy.num_loops, 100),
      finalWait,
    },
  ];
}

function mapService(
  service: z.infer<typeof Service>,
  policyIds: IdMap,
  policies: PolicyDraft[],
  services: z.infer<typeof Service>[],
  report: ImportReport,
): RouteDraft[] {
  const policy = policyIds.get(service.escalation_policy.id);
  if (service.status === 'disabled') {
    report.none.push(`service ${service.name}: disabled in PagerDuty; no route`);
    return [];
  }
  if (!policy || !policies.some((p) => p.name === policy)) {
    report.none.push(`service ${service.name}: its escalation policy ${service.escalation_policy.id} did not come over; no route`);
    return [];
  }
  const label = slug(service.name);
  report.approximate.push(
    `service ${service.name} → route service=${label} → ${policy}: PagerDuty routes by integration key; send alerts with service "${label}"`,
  );
  const onlyUser = services.filter((s) => s.escalation_policy.id === service.escalation_policy.id).length === 1;
  const draft = policies.find((p) => p.name === policy);
  for (const [field, seconds] of [
    ['ackTimeout', service.acknowledgement_timeout],
    ['autoResolve', service.auto_resolve_timeout],
  ] as const) {
    if (!seconds) continue;
    if (onlyUser && draft) {
      draft[field] = durationText(seconds * 1000);
      report.exact.push(
        `service ${service.name}: ${field === 'ackTimeout' ? 'acknowledgement_timeout' : 'auto_resolve_timeout'} → policy ${policy} ${field} ${durationText(seconds * 1000)}`,
      );
    } else {
      report.approximate.push(
        `service ${service.name}: ${field} ${durationText(seconds * 1000)} left out; policy ${policy} serves several services (set it there if they agree)`,
      );
    }
  }
  const urgency = service.incident_urgency_rule;
  if (urgency && !(urgency.type === 'constant' && urgency.urgency === 'high')) {
    report.none.push(
      `service ${service.name}: urgency rule ${urgency.type}${urgency.urgency ? ` ${urgency.urgency}` : ''} (severities decide here: a route may set severity)`,
    );
  }
  return [{ match: { service: label }, policy }];
}
