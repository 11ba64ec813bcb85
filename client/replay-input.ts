import { z } from 'zod';
import { Duration } from '../domain/duration.js';
import { IncidentInput, type IncidentInputBody } from '../domain/incident.js';
import { AlertmanagerPayload, incidentFromAlert } from './api/alerts.js';

/**
 * The recorded alert stream `escalate policy replay` reads: JSON Lines, one alert delivery per
 * line, each with the time it arrived. A line holds either our API body (`alert`, as POST
 * /v1/incidents takes it) or an Alertmanager webhook body (`alertmanager`, every alert in it; a
 * resolved one resolves its incident then). `ackAfter` (a duration) or `ackAt` (a time) says when
 * the incident this alert opens is acknowledged; without either the replay's `--ack-after` applies,
 * and without that nobody acknowledges.
 */
export const ReplayLine = z
  .strictObject({
    at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time with a zone, e.g. 2026-03-01T02:14:00Z' }),
    alert: z.unknown().optional(),
    alertmanager: z.unknown().optional(),
    ackAfter: Duration.optional(),
    ackAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time with a zone' }).optional(),
  })
  .refine((line) => (line.alert === undefined) !== (line.alertmanager === undefined), {
    message: 'needs exactly one of alert (an API body) or alertmanager (an Alertmanager webhook body)',
  })
  .refine((line) => line.ackAfter === undefined || line.ackAt === undefined, { message: 'give ackAfter or ackAt, not both' });

/** One thing that happens during a replay, at `at` (epoch ms of the recorded stream). */
export type ReplayEvent =
  | { kind: 'fire'; at: number; line: number; input: IncidentInputBody; ackAt?: number }
  | { kind: 'resolve'; at: number; line: number; key: string };

export class ReplayInputError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} cannot be replayed:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ReplayInputError';
  }
}

/**
 * Reads the stream into events ordered by time (a line's alerts in their order). Every bad line is
 * reported at once, by line number and field; nothing is replayed from a file with one.
 */
export function parseReplayAlerts(text: string, file: string, defaultAckAfterMs?: number): ReplayEvent[] {
  const events: ReplayEvent[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      problems.push(`line ${line}: not JSON (${(error as Error).message})`);
      return;
    }
    const parsed = ReplayLine.safeParse(json);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => `line ${line}: ${issue.path.join('.') || '(line)'}: ${issue.message}`));
      return;
    }
    const { at: atText, alert, alertmanager, ackAfter, ackAt: ackAtText } = parsed.data;
    const at = Date.parse(atText);
    const ackAfterMs = ackAfter ?? defaultAckAfterMs;
    const ackAt = ackAtText !== undefined ? Date.parse(ackAtText) : ackAfterMs !== undefined ? at + ackAfterMs : undefined;
    if (ackAt !== undefined && ackAt < at) problems.push(`line ${line}: ackAt: is before the alert (${atText})`);
    const fire = (input: IncidentInputBody): ReplayEvent => ({ kind: 'fire', at, line, input, ...(ackAt !== undefined && { ackAt }) });
    if (alert !== undefined) {
      const body = IncidentInput.safeParse(alert);
      if (!body.success)
        problems.push(...body.error.issues.map((issue) => `line ${line}: alert.${issue.path.join('.')}: ${issue.message}`));
      else events.push(fire(alert as IncidentInputBody));
      return;
    }
    const payload = AlertmanagerPayload.safeParse(alertmanager);
    if (!payload.success) {
      problems.push(...payload.error.issues.map((issue) => `line ${line}: alertmanager.${issue.path.join('.')}: ${issue.message}`));
      return;
    }
    for (const item of payload.data.alerts) {
      const input = incidentFromAlert('alertmanager', item, { externalURL: payload.data.externalURL, receiver: payload.data.receiver });
      events.push(item.status === 'resolved' ? { kind: 'resolve', at, line, key: input.key ?? '' } : fire(input));
    }
  });
  if (problems.length > 0) throw new ReplayInputError(file, problems);
  if (events.length === 0) throw new ReplayInputError(file, ['no alerts in the file (one JSON object per line)']);
  return events.sort((a, b) => a.at - b.at);
}
