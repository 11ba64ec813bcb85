import type { Client } from '@temporalio/client';

/** One history event reduced to what the timing analysis needs. */
export interface TimedEvent {
  id: number;
  type: string;
  /** Epoch milliseconds (with the server's sub-millisecond part). */
  at: number;
  /** TimerStarted: the timer's duration in ms. ActivityTaskStarted: the attempt. */
  detail?: number;
  /** TimerFired: its TimerStarted event. ActivityTask Started/Completed/Failed: its ActivityTaskScheduled event. */
  ref?: number;
  /** ActivityTaskScheduled: the activity type (`deliver`, `resolveTargets`). */
  name?: string;
}

type Stamp = { seconds?: unknown; nanos?: number | null } | null | undefined;

/** The event's type from the one `<type>EventAttributes` field it carries, as TIMER_FIRED etc. */
function eventType(event: Record<string, unknown>): string {
  const field = Object.keys(event).find((key) => key.endsWith('EventAttributes') && event[key] != null) ?? 'unknownEventAttributes';
  return field
    .replace(/EventAttributes$/, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

const toMs = (ts: Stamp): number => (ts ? Number(ts.seconds ?? 0) * 1000 + (ts.nanos ?? 0) / 1e6 : Number.NaN);

export async function timedHistory(client: Client, workflowId: string): Promise<TimedEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((event) => {
    const timer = event.timerStartedEventAttributes?.startToFireTimeout;
    const detail = timer != null ? toMs(timer) : (event.activityTaskStartedEventAttributes?.attempt ?? undefined);
    const ref =
      event.timerFiredEventAttributes?.startedEventId ??
      event.activityTaskStartedEventAttributes?.scheduledEventId ??
      event.activityTaskCompletedEventAttributes?.scheduledEventId ??
      event.activityTaskFailedEventAttributes?.scheduledEventId;
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return {
      id: Number(event.eventId),
      type: eventType(event as unknown as Record<string, unknown>),
      at: toMs(event.eventTime),
      ...(detail != null && { detail }),
      ...(ref != null && { ref: Number(ref) }),
      ...(name != null && { name }),
    };
  });
}

/** The first event of `type` after event `from` (0: from the start), optionally matching more. */
export function next(
  events: readonly TimedEvent[],
  from: number,
  type: string,
  also: (e: TimedEvent) => boolean = () => true,
): TimedEvent | undefined {
  return events.find((e) => e.id > from && e.type === type && also(e));
}

/** The events relative to a zero (e.g. the trigger), one per line, for a readable trace. */
export function traceLines(events: readonly TimedEvent[], zero: number): string[] {
  return events.map(
    (e) =>
      `${(e.at - zero).toFixed(1).padStart(8)} ms  ${e.type}${e.name ? ` ${e.name}` : ''}${e.detail !== undefined ? ` (${e.detail})` : ''}`,
  );
}
