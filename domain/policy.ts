import { z } from 'zod';
import { Action } from './actions.js';
import { Duration } from './duration.js';
import { LevelWhen, UrgencyMap } from './level-schemas.js';
import { SeverityName } from './severity.js';
import { isValidTimeZone } from './zoned-time.js';
import { LevelNotify, nextIsForSchedules } from './rotation-schema.js';

/** Channels a notification can go out on; each has one provider in activities/providers/. */
export const CHANNELS = ['log', 'webhook', 'slack', 'email', 'sms', 'voice', 'pagerduty', 'opsgenie'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

const Id = z.string().trim().min(1, 'must not be empty');

/** Who a level notifies (DESIGN.md section 4). `user`, `team` and `schedule` name the directory. */
export const Target = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('user'), id: Id }, { error: nextIsForSchedules }),
  z.strictObject({ type: z.literal('team'), id: Id }, { error: nextIsForSchedules }),
  z.strictObject({
    type: z.literal('schedule'),
    id: Id,
    /** Page the person on call after the current one (the next shift's), not the one on call now. */
    next: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('channel'), id: Id, provider: Channel }, { error: nextIsForSchedules }),
  z.strictObject({ type: z.literal('email'), address: z.email('must be an email address') }, { error: nextIsForSchedules }),
  z.strictObject(
    {
      type: z.literal('phone'),
      address: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as +15551234567'),
      /** Text this number only for incidents at least this severe (default: providers.twilio.minSeverity). */
      minSeverity: SeverityName.optional(),
    },
    { error: nextIsForSchedules },
  ),
  z.strictObject(
    { type: z.literal('webhook'), url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }) },
    { error: nextIsForSchedules },
  ),
  z.strictObject({ type: z.literal('pagerduty'), routingKey: z.string().min(1).optional() }, { error: nextIsForSchedules }),
  z.strictObject(
    {
      type: z.literal('opsgenie'),
      responders: z.array(z.strictObject({ type: z.enum(['user', 'team', 'escalation', 'schedule']), name: Id })).optional(),
    },
    { error: nextIsForSchedules },
  ),
  z.strictObject({ type: z.literal('log'), id: Id.optional() }, { error: nextIsForSchedules }),
]);
export type Target = z.infer<typeof Target>;

export { targetLabel } from './targets.js';

export const Repeat = z.strictObject({
  count: z.number().int().min(0).max(100),
  interval: Duration.refine((ms) => ms > 0, 'must be longer than 0 so repeats do not fire all at once'),
});
export type Repeat = z.infer<typeof Repeat>;

export const Level = z
  .strictObject({
    delay: Duration.default(0),
    targets: z.array(Target).default([]),
    repeat: Repeat.optional(),
    /** Automated responses run when the level comes due, beside its pages (domain/actions.ts). */
    actions: z.array(Action).min(1, 'list at least one action, or leave actions out').optional(),
    /** Give the actions this long to clear the alert: the next level pages no sooner (`waitFor: { resolved: 2m }`). */
    waitFor: z.strictObject({ resolved: Duration }).optional(),
    /** Conditions that must all hold when the level comes due, else it is skipped (domain/level-conditions.ts). */
    when: LevelWhen.optional(),
    /** `round-robin`: each page of the level (repeats, later incidents) goes to the next of its people (domain/rotation.ts). */
    notify: LevelNotify.optional(),
  })
  .refine((level) => level.targets.length > 0 || (level.actions?.length ?? 0) > 0, {
    message: 'a level needs at least one target (or an action)',
    path: ['targets'],
  });
export type Level = z.infer<typeof Level>;

const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day such as 09:00');

export const BusinessHours = z.strictObject({
  days: z.array(Weekday).min(1),
  start: ClockTime,
  end: ClockTime,
  timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
  /** Severities that page even outside business hours. */
  bypassSeverities: z.array(SeverityName).optional(),
});
export type BusinessHours = z.infer<typeof BusinessHours>;

export const Policy = z
  .strictObject({
    name: Id.regex(/^[A-Za-z0-9._-]+$/, 'may hold letters, digits, dot, dash and underscore only'),
    description: z.string().optional(),
    severities: z.array(SeverityName).optional(),
    levels: z.array(Level).min(1, 'a policy needs at least one level'),
    /** Walk all levels again this many times before TIMED_OUT. */
    repeatPolicy: z.number().int().min(0).max(100).default(0),
    /** Hard bound on level changes (ESCALATING moves), loops included. */
    maxEscalations: z.number().int().min(0).optional(),
    /** Wait after the last level (and its repeats) before looping or timing out. */
    finalWait: Duration.optional(),
    ackTimeout: Duration.refine((ms) => ms > 0, 'must be longer than 0').optional(),
    autoResolve: Duration.refine((ms) => ms > 0, 'must be longer than 0').optional(),
    cooldown: Duration.optional(),
    businessHours: BusinessHours.optional(),
    /**
     * A level that reached nobody (every delivery failed for good, or its targets resolved to no
     * one): `next` (the default) pages the next level now instead of after its delay; `fallback`
     * pages `fallback` now and lets the walk go on as planned. The last level unreached pages
     * `fallback` in every case.
     */
    onUnreached: z.enum(['next', 'fallback']).optional(),
    /** Who is paged when a level reaches nobody (see onUnreached): a shared channel, a manager. */
    fallback: z.array(Target).min(1, 'list at least one fallback target, or leave fallback out').optional(),
    /** Where each `repeatPolicy` loop starts (1-based level; default 1): the levels before it page once. */
    repeatFrom: z.number().int('must be a whole level number').min(1, 'levels count from 1').optional(),
    /** Re-notify whoever acknowledged, every `every`, at most `count` times, while it stays acknowledged. */
    ackReminder: z
      .strictObject({
        every: Duration.refine((ms) => ms > 0, 'must be longer than 0'),
        count: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'at most 100 reminders'),
      })
      .optional(),
    /** Per severity, high (pages at any hour) or low (waits for businessHours on every level): domain/urgency.ts. */
    urgency: UrgencyMap.optional(),
  })
  .superRefine((policy, ctx) => {
    if (policy.repeatFrom !== undefined && policy.repeatFrom > policy.levels.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['repeatFrom'],
        message: `the policy has ${policy.levels.length} level(s); repeatFrom names one of them (1 to ${policy.levels.length})`,
      });
    }
  });
/** A policy as parsed: every duration in milliseconds. This is also the snapshot a workflow runs. */
export type Policy = z.infer<typeof Policy>;
