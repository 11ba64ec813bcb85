import { z } from 'zod';
import { Duration } from './duration.js';
import { UrgencyMap } from './level-schemas.js';
import { Heartbeat, SelfHeartbeat } from './heartbeat.js';
import { InhibitRule } from './inhibition.js';
import { ConfiguredWindows } from './maintenance.js';
import { MatcherText } from './matchers.js';
import { Channel, Policy, Target } from './policy.js';
import { Slas } from './sla.js';
import { Responders } from './responder.js';
import { SeverityName } from './severity.js';

/** The config file (DESIGN.md section 4): one YAML or JSON file, every secret through `${ENV}`. */

const Id = z.string().trim().min(1, 'must not be empty');

/**
 * `live` pages; `shadow` opens and escalates incidents as usual but sends nothing: every page is
 * recorded as `would page <target> via <channel>`, so a team can run beside its old tool first.
 */
export const PagingMode = z.enum(['live', 'shadow']);
export type PagingMode = z.infer<typeof PagingMode>;

export const Gates = z.strictObject({
  enabled: z.boolean().default(true),
  /** The environment this deployment runs in (usually `${ESCALATION_ENV}`). */
  environment: z.string().optional(),
  /**
   * Only these environments page. Unset: `production` when an environment is given, else no
   * environment gate. Set without an environment, the config is refused (domain/config-checks.ts).
   */
  enabledEnvironments: z.array(z.string().min(1)).min(1, 'list at least one environment, or remove the key').optional(),
  minSeverity: SeverityName.default('warning'),
  /** `shadow`: every incident escalates without sending anything (a route's own `mode` wins). Unset: live. */
  mode: PagingMode.optional(),
});
export type Gates = z.infer<typeof Gates>;

export const Route = z.strictObject({
  /** Label values an alert must carry (`severity`, `service` and `source` match those fields). */
  match: z.record(z.string(), z.string()).optional(),
  /** Alertmanager matchers, all of which must hold: `team=~db|storage`, `env!~dev.*` (anchored). */
  matchers: z.array(MatcherText).optional(),
  policy: Id,
  /** The severity incidents on this route run at, whatever the alert said. */
  severity: SeverityName.optional(),
  /** Alerts sharing these labels within `groupWait` join one incident (as Alertmanager's group_by). */
  groupBy: z.array(z.string().min(1)).optional(),
  /** How long a new incident on this route waits in PENDING, gathering its group, before level 1. */
  groupWait: Duration.optional(),
  /** `shadow` or `live` for this route's incidents, whatever `gates.mode` says. */
  mode: PagingMode.optional(),
  /** Urgency per severity for this route's incidents, over the policy's own map (domain/urgency.ts). */
  urgency: UrgencyMap.optional(),
});
export type Route = z.infer<typeof Route>;

export const ContactMethod = z.strictObject({
  channel: Channel,
  address: Id,
  /**
   * Page this contact only for incidents at least this severe. Unset: the channel's own floor
   * (`providers.twilio.minSeverity` for sms), else every severity. `debug` pages always.
   */
  minSeverity: SeverityName.optional(),
});
export type ContactMethod = z.infer<typeof ContactMethod>;

export const NotificationRule = z.strictObject({
  after: Duration.default(0),
  channels: z.array(Channel).min(1),
});

export const User = z.strictObject({
  id: Id,
  name: z.string().optional(),
  timezone: z.string().optional(),
  contacts: z.array(ContactMethod).min(1, 'a user needs at least one contact method'),
  rules: z.array(NotificationRule).optional(),
});
export type User = z.infer<typeof User>;

export const Team = z.strictObject({
  id: Id,
  members: z.array(Id).min(1, 'a team needs at least one member'),
  notify: z.enum(['all', 'round-robin']).default('all'),
});
export type Team = z.infer<typeof Team>;

export const Schedule = z.strictObject({
  id: Id,
  timezone: z.string().min(1),
  rotation: z.strictObject({
    members: z.array(Id).min(1, 'a rotation needs at least one member: list user ids from directory.users'),
    shift: Duration.refine((ms) => ms > 0, 'must be longer than 0'),
    handoff: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day such as 08:00'),
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-01-05'),
  }),
  overrides: z.array(z.strictObject({ user: Id, from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })).optional(),
});
export type Schedule = z.infer<typeof Schedule>;

export const Directory = z.strictObject({
  users: z.array(User).default([]),
  teams: z.array(Team).default([]),
  schedules: z.array(Schedule).default([]),
});
export type Directory = z.infer<typeof Directory>;

const BaseUrl = z.url({ protocol: /^https?$/ });
/** One request's time limit, so a hung provider costs one attempt, not the activity's whole timeout. */
const Timeout = Duration.default(10_000);

export const Providers = z.strictObject({
  log: z.strictObject({ level: z.enum(['info', 'warn']).default('info') }).optional(),
  webhook: z
    .strictObject({
      /** Signs every body with HMAC-SHA256 when set. */
      secret: z.string().min(1).optional(),
      timeout: Timeout,
      headers: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** Slack Web API (`chat.postMessage`, `chat.update`) with a bot token (`xoxb-...`). */
  slack: z.strictObject({ token: Id, signingSecret: Id.optional(), baseUrl: BaseUrl.optional(), timeout: Timeout }).optional(),
  /** SMTP: `url` as nodemailer takes it (`smtp://user:pass@host:587`, `smtps://host:465`). */
  email: z.strictObject({ url: z.string().min(1), from: Id, timeout: Timeout }).optional(),
  /** Events API v2. `routingKey` is the integration key used when a pagerduty target has none of its own. */
  pagerduty: z.strictObject({ routingKey: Id.optional(), baseUrl: BaseUrl.optional(), timeout: Timeout }).optional(),
  /** Alert API; `baseUrl` https://api.eu.opsgenie.com for EU accounts. */
  opsgenie: z.strictObject({ apiKey: Id, baseUrl: BaseUrl.optional(), timeout: Timeout }).optional(),
  /** Messages API for the sms channel. */
  twilio: z
    .strictObject({
      accountSid: Id,
      authToken: Id,
      from: Id,
      baseUrl: BaseUrl.optional(),
      timeout: Timeout,
      /**
       * Texts go out for incidents at least this severe (default error: critical and error only).
       * A contact's or phone target's own `minSeverity` overrides it for that number.
       */
      minSeverity: SeverityName.default('error'),
    })
    .optional(),
});
export type Providers = z.infer<typeof Providers>;

export const ApiToken = z.strictObject({
  name: Id,
  token: z.string().min(16, 'must be at least 16 characters'),
  scopes: z.array(z.enum(['incidents:read', 'incidents:write', 'admin', 'heartbeats:write', 'maintenance:write'])).min(1),
});

/** Per API token (anonymous reads share one budget): a steady rate and a burst above it. 0 turns it off. */
export const ApiRateLimit = z.strictObject({
  requestsPerSecond: z.number().min(0).max(100_000).default(50),
  burst: z.number().int().min(1).max(1_000_000).default(200),
});
export const DEFAULT_API_RATE_LIMIT = { requestsPerSecond: 50, burst: 200 };

/** How notification activities retry (defaults from the source documents: 5s, backoff 2, 4 attempts). */
export const DeliverySettings = z.strictObject({
  initialInterval: Duration.default(5_000),
  backoff: z.number().min(1).default(2),
  maximumInterval: Duration.default(60_000),
  maximumAttempts: z.number().int().min(1).max(100).default(4),
  /** One attempt's time limit. */
  attemptTimeout: Duration.default(30_000),
});
export type DeliverySettings = z.infer<typeof DeliverySettings>;

export const Config = z
  .strictObject({
    gates: Gates.default({ enabled: true, minSeverity: 'warning' }),
    routes: z.array(Route).default([]),
    /** Alertmanager-style inhibit rules: an open source incident silences matching new alerts. */
    inhibitions: z.array(InhibitRule).default([]),
    directory: Directory.default({ users: [], teams: [], schedules: [] }),
    providers: Providers.default({}),
    delivery: DeliverySettings.default({
      initialInterval: 5_000,
      backoff: 2,
      maximumInterval: 60_000,
      maximumAttempts: 4,
      attemptTimeout: 30_000,
    }),
    api: z
      .strictObject({ tokens: z.array(ApiToken).default([]), rateLimit: ApiRateLimit.default(DEFAULT_API_RATE_LIMIT) })
      .default({ tokens: [], rateLimit: DEFAULT_API_RATE_LIMIT }),
    /** One-click links, SMS replies and voice keypads (domain/responder.ts). */
    responders: Responders.default({ links: false, linkTtl: 86_400_000 }),
    policies: z.array(Policy).min(1, 'the config needs at least one policy'),
    /** Response-time SLAs per severity: `slas: { critical: { respondWithin: 15m, resolveWithin: 4h } }`. */
    slas: Slas.optional(),
    /** Who a breached SLA pages (once per incident and kind). */
    onBreach: z.array(Target).min(1, 'list at least one target, or leave onBreach out').optional(),
    /** Dead-man's switches: each must be pinged every `every`, or it opens incident `heartbeat-<name>`. */
    heartbeats: z.array(Heartbeat).default([]),
    /** The engine's own heartbeat (`escalation-engine`), pinging `url` from a workflow timer. */
    selfHeartbeat: SelfHeartbeat.optional(),
    /** Maintenance windows with fixed times (domain/maintenance.ts); more open at run time. */
    maintenance: ConfiguredWindows.default([]),
  })
  .superRefine(checkReferences);
export type Config = z.infer<typeof Config>;

/** Cross-references zod's shapes cannot express: names that must exist and must be unique. */
function checkReferences(config: Config, ctx: z.RefinementCtx): void {
  const policyNames = new Set<string>();
  config.policies.forEach((policy, index) => {
    if (policyNames.has(policy.name)) {
      ctx.addIssue({ code: 'custom', path: ['policies', index, 'name'], message: `policy "${policy.name}" is defined twice; rename one` });
    }
    policyNames.add(policy.name);
  });
  config.routes.forEach((route, index) => {
    if (!policyNames.has(route.policy)) {
      ctx.addIssue({
        code: 'custom',
        path: ['routes', index, 'policy'],
        message: `route names policy "${route.policy}", which is not defined; define it under policies or fix the name`,
      });
    }
    if (route.groupWait !== undefined && !route.groupBy?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['routes', index, 'groupWait'],
        message: 'groupWait gathers the alerts of a group; name the group labels in groupBy (e.g. [alertname, service])',
      });
    }
    if (!route.match && !route.matchers && index !== config.routes.length - 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['routes', index],
        message: 'a route without match or matchers is the default and must come last',
      });
    }
  });
  const directory = config.directory;
  const known = {
    user: new Set(directory.users.map((u) => u.id)),
    team: new Set(directory.teams.map((t) => t.id)),
    schedule: new Set(directory.schedules.map((s) => s.id)),
  };
  for (const kind of ['users', 'teams', 'schedules'] as const) {
    const seen = new Set<string>();
    directory[kind].forEach((entry, index) => {
      if (seen.has(entry.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['directory', kind, index, 'id'],
          message: `"${entry.id}" is defined twice; give each its own id`,
        });
      }
      seen.add(entry.id);
    });
  }
  directory.teams.forEach((team, t) =>
    team.members.forEach((member, m) => {
      if (!known.user.has(member)) {
        ctx.addIssue({
          code: 'custom',
          path: ['directory', 'teams', t, 'members', m],
          message: `user "${member}" is not in directory.users; add them there or fix the id`,
        });
      }
    }),
  );
  directory.schedules.forEach((schedule, s) => {
    (schedule.overrides ?? []).forEach((override, o) => {
      if (!known.user.has(override.user)) {
        ctx.addIssue({
          code: 'custom',
          path: ['directory', 'schedules', s, 'overrides', o, 'user'],
          message: `user "${override.user}" is not in directory.users; add them there or fix the id`,
        });
      }
      if (Date.parse(override.from) >= Date.parse(override.to)) {
        ctx.addIssue({
          code: 'custom',
          path: ['directory', 'schedules', s, 'overrides', o, 'to'],
          message: `must be after from (${override.from}): an override covers from (inclusive) to to (exclusive); swap them or fix the date`,
        });
      }
    });
    schedule.rotation.members.forEach((member, m) => {
      if (!known.user.has(member)) {
        ctx.addIssue({
          code: 'custom',
          path: ['directory', 'schedules', s, 'rotation', 'members', m],
          message: `user "${member}" is not in directory.users; add them there or fix the id`,
        });
      }
    });
  });
  config.policies.forEach((policy, p) =>
    policy.levels.forEach((level, l) =>
      level.targets.forEach((target, t) => {
        if ((target.type === 'user' || target.type === 'team' || target.type === 'schedule') && !known[target.type].has(target.id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['policies', p, 'levels', l, 'targets', t, 'id'],
            message: `policy ${policy.name} level ${l + 1} names ${target.type} "${target.id}", which is not in directory.${target.type}s; define it there or fix the id`,
          });
        }
      }),
    ),
  );
}
