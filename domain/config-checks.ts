import type { Config, Providers, Schedule, User } from './config.js';
import type { Channel, Target } from './policy.js';
import { levelProblems } from './level-checks.js';
import { rotationMembers } from './rotation.js';
import { heartbeatProblems } from './heartbeat-checks.js';
import { staticDeliveries } from './targets.js';
import { isValidTimeZone } from './zoned-time.js';

/**
 * Mistakes that pass the schema but would fail only when a page goes out, at 3 a.m.: a time zone
 * that does not exist, a rule naming a channel the user has no contact on, a channel no provider
 * sends on, overlapping overrides, duplicate names, an environment gate with no environment.
 * Pure: every loader (`policy validate`, worker and API start-up, reload) asks this same function
 * after the schema, so a config refused in one place is refused in all of them.
 */
export interface ConfigProblem {
  path: (string | number)[];
  /** What is wrong and how to fix it, as the engineer editing escalation.yaml needs it. */
  message: string;
}

export function checkConfig(config: Config): ConfigProblem[] {
  return [
    ...gateProblems(config),
    ...timeZoneProblems(config),
    ...ruleProblems(config),
    ...providerProblems(config),
    ...fallbackProblems(config),
    ...overrideProblems(config),
    ...duplicateProblems(config),
    ...levelProblems(config),
    ...rotationProblems(config),
    ...heartbeatProblems(config),
  ];
}

export function zoneMessage(zone: string, consequence = ''): string {
  const hint = suggestZone(zone);
  return (
    `"${zone}" is not an IANA time zone${consequence}; ${hint ? `did you mean ${hint}? ` : ''}` +
    'use a name from the tz database such as America/Chicago, Europe/Berlin or UTC'
  );
}

/** A known zone the engineer probably meant: the same city under another region, or a typo or two away. */
function suggestZone(zone: string): string | undefined {
  const known = Intl.supportedValuesOf('timeZone');
  const wanted = zone.trim().toLowerCase();
  const city = (name: string) => name.split('/').pop() ?? name;
  return (
    known.find((candidate) => city(candidate.toLowerCase()) === city(wanted)) ??
    known.find((candidate) => withinTwoEdits(candidate.toLowerCase(), wanted))
  );
}

/** Levenshtein distance at most 2, without building the whole table for far-apart lengths. */
function withinTwoEdits(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return (previous[b.length] ?? 3) <= 2;
}

export function timeZoneProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.directory.users.forEach((user, u) => {
    if (user.timezone !== undefined && !isValidTimeZone(user.timezone)) {
      problems.push({ path: ['directory', 'users', u, 'timezone'], message: zoneMessage(user.timezone) });
    }
  });
  config.directory.schedules.forEach((schedule, s) => {
    if (!isValidTimeZone(schedule.timezone)) {
      problems.push({
        path: ['directory', 'schedules', s, 'timezone'],
        message: zoneMessage(schedule.timezone, `, so nobody can tell who is on call for schedule "${schedule.id}"`),
      });
    }
  });
  config.policies.forEach((policy, p) => {
    const zone = policy.businessHours?.timezone;
    if (zone !== undefined && !isValidTimeZone(zone)) {
      problems.push({ path: ['policies', p, 'businessHours', 'timezone'], message: zoneMessage(zone) });
    }
  });
  return problems;
}

/** A rule naming a channel the user has no contact on never pages on it: the rule's step is silently lost. */
export function ruleProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.directory.users.forEach((user, u) => {
    const has = new Set(user.contacts.map((contact) => contact.channel));
    (user.rules ?? []).forEach((rule, r) =>
      rule.channels.forEach((channel, c) => {
        if (has.has(channel)) return;
        problems.push({
          path: ['directory', 'users', u, 'rules', r, 'channels', c],
          message:
            `user "${user.id}" has no ${channel} contact, so this rule can never page them on ${channel} ` +
            `(their contacts: ${[...has].join(', ')}); add { channel: ${channel}, address: ... } to their contacts or remove ${channel} from the rule`,
        });
      }),
    );
  });
  return problems;
}

/**
 * What each channel needs under `providers:`; `always` works with no section (log, a webhook
 * target carries its URL).
 */
export const CHANNEL_PROVIDER: Readonly<Record<Channel, { section: keyof Providers; example: string } | 'always'>> = {
  log: 'always',
  webhook: 'always',
  slack: { section: 'slack', example: 'slack: { token: "${SLACK_BOT_TOKEN}" }' },
  email: { section: 'email', example: 'email: { url: "smtp://mail.example.com:587", from: "oncall@example.com" }' },
  sms: {
    section: 'twilio',
    example: 'twilio: { accountSid: "${TWILIO_ACCOUNT_SID}", authToken: "${TWILIO_AUTH_TOKEN}", from: "+15550000000" }',
  },
  // Calls go through Twilio's Calls API; the worker also needs ESCALATION_PUBLIC_URL for the call's TwiML.
  voice: {
    section: 'twilio',
    example: 'twilio: { accountSid: "${TWILIO_ACCOUNT_SID}", authToken: "${TWILIO_AUTH_TOKEN}", from: "+15550000000" }',
  },
  pagerduty: { section: 'pagerduty', example: 'pagerduty: { routingKey: "${PD_ROUTING_KEY}" }' },
  opsgenie: { section: 'opsgenie', example: 'opsgenie: { apiKey: "${OPSGENIE_API_KEY}" }' },
};

/** Why `channel` cannot send with these providers, or undefined when it can. */
export function missingProvider(channel: Channel, providers: Providers, used: string): string | undefined {
  const needs = CHANNEL_PROVIDER[channel];
  if (needs === 'always') return undefined;
  if (providers[needs.section] !== undefined) return undefined;
  return `${used} uses the ${channel} channel, but providers.${needs.section} is not set; add \`${needs.example}\` under providers:, or use a configured channel`;
}

/** The channel a target pages on; user, team and schedule reach people through their contacts instead. */
export function targetChannel(target: Target): Channel | undefined {
  return staticDeliveries(target)?.[0]?.channel;
}

export function providerProblems(config: Config): ConfigProblem[] {
  const { providers } = config;
  const problems: ConfigProblem[] = [];
  config.directory.users.forEach((user: User, u) =>
    user.contacts.forEach((contact, c) => {
      const missing = missingProvider(contact.channel, providers, `user "${user.id}"'s contact ${contact.address}`);
      if (missing) problems.push({ path: ['directory', 'users', u, 'contacts', c, 'channel'], message: missing });
    }),
  );
  for (const { target, where, used } of policyTargets(config)) {
    const channel = targetChannel(target);
    if (channel === undefined) continue;
    const missing = missingProvider(channel, providers, used);
    if (missing) problems.push({ path: [...where, target.type === 'channel' ? 'provider' : 'type'], message: missing });
    else if (target.type === 'pagerduty' && !target.routingKey && !providers.pagerduty?.routingKey) {
      problems.push({
        path: where,
        message: `${used} has no routingKey and providers.pagerduty.routingKey is not set; set one of them (e.g. routingKey: "\${PD_ROUTING_KEY}")`,
      });
    }
  }
  return problems;
}

/** Every target a policy can page: its levels' and its fallback's, with where each stands and how to name it. */
function policyTargets(config: Config): { target: Target; where: (string | number)[]; used: string }[] {
  return config.policies
    .flatMap((policy, p) => [
      ...policy.levels.flatMap((level, l) =>
        level.targets.map((target, t) => ({
          target,
          where: ['policies', p, 'levels', l, 'targets', t],
          used: `policy ${policy.name} level ${l + 1}'s ${target.type} target`,
        })),
      ),
      ...(policy.fallback ?? []).map((target, t) => ({
        target,
        where: ['policies', p, 'fallback', t],
        used: `policy ${policy.name}'s fallback ${target.type} target`,
      })),
    ])
    .concat((config.onBreach ?? []).map((target, t) => ({ target, where: ['onBreach', t], used: `onBreach's ${target.type} target` })));
}

/**
 * The fallback pages when a level reaches nobody, the moment it matters most: its directory names
 * must exist (the schema's reference check covers levels only), and `onUnreached: fallback` needs one.
 */
export function fallbackProblems(config: Config): ConfigProblem[] {
  const { directory } = config;
  const known = {
    user: new Set(directory.users.map((u) => u.id)),
    team: new Set(directory.teams.map((t) => t.id)),
    schedule: new Set(directory.schedules.map((s) => s.id)),
  };
  const problems: ConfigProblem[] = [];
  config.policies.forEach((policy, p) => {
    if (policy.onUnreached === 'fallback' && !policy.fallback) {
      problems.push({
        path: ['policies', p, 'onUnreached'],
        message: `policy ${policy.name} pages its fallback when a level reaches nobody, but has no fallback targets; add fallback: [...] or use onUnreached: next`,
      });
    }
    (policy.fallback ?? []).forEach((target, t) => {
      if ((target.type === 'user' || target.type === 'team' || target.type === 'schedule') && !known[target.type].has(target.id)) {
        problems.push({
          path: ['policies', p, 'fallback', t, 'id'],
          message: `policy ${policy.name}'s fallback names ${target.type} "${target.id}", which is not in directory.${target.type}s; define it there or fix the id`,
        });
      }
    });
  });
  // The SLA breach page (onBreach) reaches people through the same directory.
  (config.onBreach ?? []).forEach((target, t) => {
    if ((target.type === 'user' || target.type === 'team' || target.type === 'schedule') && !known[target.type].has(target.id)) {
      problems.push({
        path: ['onBreach', t, 'id'],
        message: `onBreach names ${target.type} "${target.id}", which is not in directory.${target.type}s; define it there or fix the id`,
      });
    }
  });
  return problems;
}

/** Two overrides at once make "who is on call" depend on their order in the file: refuse it. */
export function overrideProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.directory.schedules.forEach((schedule: Schedule, s) => {
    const overrides = (schedule.overrides ?? []).map((o, index) => ({ ...o, index, start: Date.parse(o.from), end: Date.parse(o.to) }));
    for (const later of overrides) {
      const clash = overrides.find((earlier) => earlier.index < later.index && earlier.start < later.end && later.start < earlier.end);
      if (!clash || later.start >= later.end) continue;
      problems.push({
        path: ['directory', 'schedules', s, 'overrides', later.index],
        message:
          `overlaps overrides[${clash.index}] (${clash.user}, ${clash.from} to ${clash.to}) of schedule "${schedule.id}", ` +
          `so it is unclear who is on call; end one before the other starts`,
      });
    }
  });
  return problems;
}

/** Names the schema's own reference check (domain/config.ts) does not cover: API tokens. */
export function duplicateProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = new Map<string, number>();
  const secrets = new Map<string, number>();
  config.api.tokens.forEach((token, index) => {
    const sameName = names.get(token.name);
    if (sameName !== undefined) {
      problems.push({
        path: ['api', 'tokens', index, 'name'],
        message: `token "${token.name}" is defined twice (also api.tokens[${sameName}]); the name records who acted, so give each token its own`,
      });
    } else names.set(token.name, index);
    const sameSecret = secrets.get(token.token);
    if (sameSecret !== undefined) {
      problems.push({
        path: ['api', 'tokens', index, 'token'],
        message: `has the same value as api.tokens[${sameSecret}]; give each token its own secret so a request can be told apart`,
      });
    } else secrets.set(token.token, index);
  });
  return problems;
}

/**
 * An environment gate needs an environment: with `enabledEnvironments` set and none given, a
 * staging deploy that forgot ESCALATION_ENV would page real people. Refused rather than guessed.
 */
export function gateProblems(config: Config): ConfigProblem[] {
  const { gates } = config;
  if (!gates.enabled || gates.enabledEnvironments === undefined) return [];
  if (gates.environment !== undefined && gates.environment.trim() !== '') return [];
  return [
    {
      path: ['gates', 'enabledEnvironments'],
      message:
        `gates.enabledEnvironments (${gates.enabledEnvironments.join(', ')}) is set but no environment is given, so nothing says whether ` +
        `this deployment may page; set ESCALATION_ENV (e.g. ESCALATION_ENV=production) or gates.environment`,
    },
  ];
}

/** A round-robin level rotates its users and teams' members: without any, it has nobody to take turns. */
export function rotationProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.policies.forEach((policy, p) =>
    policy.levels.forEach((level, l) => {
      if (level.notify !== 'round-robin') return;
      if (level.targets.some((target) => target.type === 'user' || target.type === 'team')) return;
      problems.push({
        path: ['policies', p, 'levels', l, 'notify'],
        message:
          `policy ${policy.name} level ${l + 1} is round-robin but has no user or team target to take turns; ` +
          'list the people as targets ({ type: user, id: ... } or { type: team, id: ... }), or remove notify: round-robin',
      });
    }),
  );
  return problems;
}

/**
 * Not wrong, but probably not meant (`policy validate` prints these as warnings; the config still
 * loads): a round robin with one person pages that person every time.
 */
export function configAdvice(config: Config): ConfigProblem[] {
  const advice: ConfigProblem[] = [];
  config.policies.forEach((policy, p) =>
    policy.levels.forEach((level, l) => {
      if (level.notify !== 'round-robin') return;
      const people = rotationMembers(level.targets, config.directory);
      if (people.length !== 1) return;
      advice.push({
        path: ['policies', p, 'levels', l, 'notify'],
        message:
          `policy ${policy.name} level ${l + 1} is round-robin over one person (${people.join('')}), who is paged every time; ` +
          'add the others who take turns as targets, or remove notify: round-robin',
      });
    }),
  );
  config.directory.teams.forEach((team, t) => {
    if (team.notify !== 'round-robin' || team.members.length !== 1) return;
    advice.push({
      path: ['directory', 'teams', t, 'notify'],
      message:
        `team "${team.id}" is round-robin with one member (${team.members.join('')}), who is paged every time; ` +
        'add the others who take turns to members, or use notify: all',
    });
  });
  return advice;
}
