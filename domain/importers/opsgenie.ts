import { z } from 'zod';
import type { FieldError } from '../errors.js';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  IdMap,
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
 * Opsgenie REST API v2 answers (`GET /v2/users` with each user's `expand=contact` contacts,
 * `/v2/teams` with members, `/v2/schedules?expand=rotation`, `/v2/escalations`, and per schedule
 * `/v2/schedules/{id}/overrides`) turned into our config. Every answer wraps its list in `data`.
 */
const Participant = z.looseObject({
  type: z.string(),
  id: z.string().optional(),
  username: z.string().optional(),
  name: z.string().optional(),
});
const UserContact = z.looseObject({ to: z.string(), contactMethod: z.string(), enabled: z.boolean().default(true) });
const User = z.looseObject({
  id: z.string(),
  username: z.string(),
  fullName: z.string().optional(),
  timeZone: z.string().optional(),
  userContacts: z.array(UserContact).default([]),
});
const Team = z.looseObject({
  id: z.string(),
  name: z.string(),
  members: z.array(z.looseObject({ user: z.looseObject({ id: z.string(), username: z.string().optional() }) })).default([]),
});
const Rotation = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  startDate: z.string(),
  endDate: z.string().nullish(),
  type: z.enum(['daily', 'weekly', 'hourly']),
  length: z.number().int().positive().default(1),
  participants: z.array(Participant),
  timeRestriction: z.looseObject({ type: z.string() }).nullish(),
});
const Schedule = z.looseObject({
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  enabled: z.boolean().default(true),
  rotations: z.array(Rotation).default([]),
});
const Override = z.looseObject({ user: Participant, startDate: z.string(), endDate: z.string() });
const Rule = z.looseObject({
  condition: z.enum(['if-not-acked', 'if-not-closed']).default('if-not-acked'),
  notifyType: z.string().default('default'),
  delay: z.looseObject({ timeAmount: z.number().min(0), timeUnit: z.enum(['minutes', 'hours', 'days']).default('minutes') }),
  recipient: Participant,
});
const Escalation = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  ownerTeam: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).nullish(),
  rules: z.array(Rule),
  repeat: z
    .looseObject({
      waitInterval: z.number().min(0).default(0),
      count: z.number().int().min(0).default(0),
      closeAlertAfterAll: z.boolean().default(false),
    })
    .nullish(),
});

/** Names a user the way Opsgenie's references do: by id, or by username. */
type Who = { id?: string | undefined; username?: string | undefined };

const data = <T extends z.ZodType>(item: T) => z.looseObject({ data: z.array(item) });

export const OPSGENIE_FILES = ['users.json', 'teams.json', 'schedules.json', 'escalations.json'] as const;

const UNIT_MS = { minutes: MINUTE_MS, hours: HOUR_MS, days: DAY_MS } as const;
const ROTATION_MS = { hourly: HOUR_MS, daily: DAY_MS, weekly: 7 * DAY_MS } as const;
const CHANNEL_OF: Record<string, 'email' | 'sms' | 'voice'> = { email: 'email', sms: 'sms', voice: 'voice' };

export function importOpsgenie(files: ExportFiles): ImportResult {
  const errors: FieldError[] = [];
  const users = readFile(files, 'users.json', data(User), errors)?.data ?? [];
  const teams = readFile(files, 'teams.json', data(Team), errors)?.data ?? [];
  const schedules = readFile(files, 'schedules.json', data(Schedule), errors)?.data ?? [];
  const escalations = readFile(files, 'escalations.json', data(Escalation), errors)?.data ?? [];
  const overrides = new Map<string, z.infer<typeof Override>[]>();
  for (const schedule of schedules) {
    const found = readFile(files, `schedules/${schedule.id}/overrides.json`, data(Override), errors, false);
    if (found) overrides.set(schedule.id, found.data);
  }
  if (errors.length > 0) return { ok: false, errors };

  const report = emptyReport();
  const userIds = new IdMap();
  const usernames = new Map<string, string>();
  const directoryUsers = users.map((user) => {
    const draft = mapUser(user, userIds, report);
    usernames.set(user.username, draft.id);
    return draft;
  });
  if (users.length > 0) {
    report.none.push(
      'notification rules: not in the users API; every contact of a user is paged at once (add rules under directory.users)',
    );
  }
  const userOf = (p: Who): string | undefined => (p.id && userIds.get(p.id)) || (p.username && usernames.get(p.username)) || undefined;

  const teamIds = new IdMap();
  const directoryTeams: TeamDraft[] = teams.flatMap((team) => {
    const members = team.members.map((m) => userOf(m.user)).filter((m): m is string => m !== undefined);
    if (members.length === 0) {
      report.none.push(`team ${team.name}: no members in teams.json (export each team with GET /v2/teams/{id}); left out`);
      return [];
    }
    const id = teamIds.add(team.id, team.name);
    teamIds.add(`name:${team.name}`, team.name);
    report.exact.push(`team ${team.name} → ${id}: ${members.length} member(s), all notified`);
    return [{ id, members, notify: 'all' as const }];
  });

  const scheduleIds = new IdMap();
  /** Opsgenie pages everyone on call across a schedule's rotations: one of our schedules per rotation. */
  const rotationsOf = new Map<string, string[]>();
  const directorySchedules = schedules.flatMap((schedule) => {
    const drafts = mapSchedule(schedule, overrides.get(schedule.id) ?? [], userOf, scheduleIds, report);
    rotationsOf.set(
      schedule.id,
      drafts.map((d) => d.id),
    );
    rotationsOf.set(
      `name:${schedule.name}`,
      drafts.map((d) => d.id),
    );
    return drafts;
  });

  const policyIds = new IdMap();
  const routes: RouteDraft[] = [];
  const policies = escalations.flatMap((escalation) => {
    const policy = mapEscalation(escalation, userOf, teamIds, rotationsOf, policyIds, report);
    const team = escalation.ownerTeam?.name;
    if (policy && team) {
      const label = slug(team);
      routes.push({ match: { team: label }, policy: policy.name });
      report.approximate.push(
        `escalation ${escalation.name} → route team=${label}: Opsgenie reached it through team ${team}'s routing rules; alerts labelled team="${label}" take it`,
      );
    }
    return policy ? [policy] : [];
  });

  const config: ConfigDraft = {
    routes,
    directory: { users: directoryUsers, teams: directoryTeams, schedules: directorySchedules },
    policies,
  };
  return { ok: true, config, report };
}

function mapUser(user: z.infer<typeof User>, ids: IdMap, report: ImportReport): UserDraft {
  const name = user.fullName ?? user.username;
  const id = ids.add(user.id, user.username.split('@')[0] ?? name);
  const contacts: UserDraft['contacts'] = [];
  for (const contact of user.userContacts) {
    const channel = CHANNEL_OF[contact.contactMethod];
    if (!channel) {
      report.none.push(`user ${name}: ${contact.contactMethod} contact (no mobile app push here; Slack, email, SMS and voice are)`);
      continue;
    }
    if (!contact.enabled) {
      report.none.push(`user ${name}: disabled ${contact.contactMethod} contact ${contact.to}; left out`);
      continue;
    }
    // Opsgenie writes numbers as <country code>-<number>.
    contacts.push({ channel, address: channel === 'email' ? contact.to : `+${contact.to.replace(/\D/g, '')}` });
  }
  if (contacts.length === 0) {
    contacts.push({ channel: 'email', address: user.username });
    report.approximate.push(`user ${name} → ${id}: no usable contact, so their username ${user.username} is the email contact`);
  }
  report.exact.push(`user ${name} → ${id} with ${contacts.length} contact(s)`);
  return { id, name, ...(user.timeZone && { timezone: user.timeZone }), contacts };
}

function mapSchedule(
  schedule: z.infer<typeof Schedule>,
  overrides: z.infer<typeof Override>[],
  userOf: (p: Who) => string | undefined,
  ids: IdMap,
  report: ImportReport,
): ScheduleDraft[] {
  if (!schedule.enabled) {
    report.none.push(`schedule ${schedule.name}: disabled in Opsgenie; left out`);
    return [];
  }
  const several = schedule.rotations.length > 1;
  const out: ScheduleDraft[] = [];
  schedule.rotations.forEach((rotation, index) => {
    const label = `schedule ${schedule.name} rotation ${rotation.name ?? index + 1}`;
    const id = several
      ? ids.add(`${schedule.id}/${rotation.id ?? index}`, `${schedule.name}-${rotation.name ?? index + 1}`)
      : ids.add(schedule.id, schedule.name);
    const members: string[] = [];
    for (const participant of rotation.participants) {
      const user = participant.type === 'user' ? userOf(participant) : undefined;
      if (user) members.push(user);
      else
        report.none.push(
          `${label}: participant ${participant.type} ${participant.name ?? participant.username ?? participant.id ?? ''} (a rotation turn holds one user here); left out`,
        );
    }
    const first = localHandoff(rotation.startDate, schedule.timezone);
    if (members.length === 0 || !first) {
      report.none.push(
        `${label}: ${members.length === 0 ? 'no user participants' : `cannot read startDate ${rotation.startDate}`}; left out`,
      );
      return;
    }
    const shift = ROTATION_MS[rotation.type] * rotation.length;
    const draft: ScheduleDraft = {
      id,
      timezone: schedule.timezone,
      rotation: { members, shift: durationText(shift), handoff: first.handoff, start: first.start },
    };
    const mine = overrides.flatMap((o) => {
      const user = userOf(o.user);
      return user ? [{ user, from: o.startDate, to: o.endDate }] : [];
    });
    if (mine.length > 0) {
      draft.overrides = mine;
      report.exact.push(
        `${label}: ${mine.length} override(s)${several ? ' (an Opsgenie override covers every rotation of its schedule)' : ''}`,
      );
    }
    out.push(draft);
    report.exact.push(
      `${label} → schedule ${id}: ${members.length} user(s), ${rotation.length} ${rotation.type} turn(s) from ${first.start} ${first.handoff} ${schedule.timezone}`,
    );
    if (rotation.endDate) report.approximate.push(`${label}: ends ${rotation.endDate}; our rotation has no end, remove it by then`);
    if (rotation.timeRestriction)
      report.approximate.push(
        `${label}: on call around the clock here; Opsgenie limited it with a ${rotation.timeRestriction.type} restriction`,
      );
  });
  if (several && out.length > 0) {
    report.exact.push(
      `schedule ${schedule.name}: ${out.length} rotations on call together → schedules ${out.map((d) => d.id).join(', ')}, all targeted where the schedule was`,
    );
  }
  return out;
}

function mapEscalation(
  escalation: z.infer<typeof Escalation>,
  userOf: (p: Who) => string | undefined,
  teamIds: IdMap,
  rotationsOf: Map<string, string[]>,
  ids: IdMap,
  report: ImportReport,
): PolicyDraft | undefined {
  const name = ids.add(escalation.id, escalation.name);
  // Opsgenie counts every rule's delay from the alert's creation; ours count from the level before.
  const byTime = new Map<number, TargetDraft[]>();
  escalation.rules.forEach((rule, index) => {
    const label = `escalation ${escalation.name} rule ${index + 1}`;
    const at = rule.delay.timeAmount * UNIT_MS[rule.delay.timeUnit];
    const recipient = rule.recipient;
    let targets: TargetDraft[] = [];
    if (recipient.type === 'user') {
      const user = userOf(recipient);
      if (user) targets = [{ type: 'user', id: user }];
    } else if (recipient.type === 'team') {
      const team = (recipient.id && teamIds.get(recipient.id)) || (recipient.name && teamIds.get(`name:${recipient.name}`));
      if (team) {
        targets = [{ type: 'team', id: team }];
        report.approximate.push(
          `${label}: team ${recipient.name ?? recipient.id} → every member of team ${team}; Opsgenie ran the team's own escalation`,
        );
      }
    } else if (recipient.type === 'schedule') {
      const schedules =
        (recipient.id && rotationsOf.get(recipient.id)) || (recipient.name && rotationsOf.get(`name:${recipient.name}`)) || [];
      targets = schedules.map((id): TargetDraft => ({ type: 'schedule', id }));
      if (rule.notifyType !== 'default' && targets.length > 0) {
        report.none.push(
          `${label}: notifyType ${rule.notifyType} (we page who is on call now, not the next or previous one); paged the current on-call instead`,
        );
      }
    }
    if (targets.length === 0) {
      report.none.push(
        `${label}: recipient ${recipient.type} ${recipient.name ?? recipient.username ?? recipient.id ?? ''} is not in the export; left out`,
      );
      return;
    }
    if (rule.condition === 'if-not-closed') {
      report.approximate.push(`${label}: if-not-closed → escalates until acknowledged (our levels stop at the acknowledgement)`);
    }
    byTime.set(at, [...(byTime.get(at) ?? []), ...targets]);
  });
  if (byTime.size === 0) {
    report.none.push(`escalation ${escalation.name}: no rule has a recipient in the export; left out`);
    return undefined;
  }
  let previous = 0;
  const levels: LevelDraft[] = [...byTime.entries()]
    .sort(([a], [b]) => a - b)
    .map(([at, targets]) => {
      const level = { delay: durationText(at - previous), targets };
      previous = at;
      return level;
    });
  const repeat = escalation.repeat;
  const policy: PolicyDraft = { name, ...(escalation.description && { description: escalation.description }), levels, repeatPolicy: 0 };
  if (repeat && repeat.count > 0) {
    policy.repeatPolicy = Math.min(repeat.count, 100);
    policy.finalWait = durationText(repeat.waitInterval * MINUTE_MS);
  }
  report.exact.push(
    `escalation ${escalation.name} → policy ${name}: ${levels.length} level(s) at ${[...byTime.keys()]
      .sort((a, b) => a - b)
      .map(durationText)
      .join(', ')} after the alert` +
      (policy.repeatPolicy ? `; repeated ${policy.repeatPolicy} time(s) after ${policy.finalWait} → repeatPolicy, finalWait` : ''),
  );
  if (repeat?.closeAlertAfterAll)
    report.none.push(
      `escalation ${escalation.name}: closeAlertAfterAll (ours ends TIMED_OUT, still open to ack and resolve; autoResolve closes by time)`,
    );
  return policy;
}
