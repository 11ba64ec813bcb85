import { request } from 'undici';

/** The bare workflow's one activity: a JSON POST carrying what the bench's receiver reads. */
export interface BarePageRequest {
  url: string;
  workflowId: string;
  level: number;
  repeat: number;
}

export function createBareActivities() {
  return {
    async page(input: BarePageRequest): Promise<void> {
      const body = JSON.stringify({
        event: input.repeat > 0 ? 'incident.repeat' : 'incident.page',
        idempotencyKey: `${input.workflowId}:${input.level}:${input.repeat}`,
        incident: { workflowId: input.workflowId },
        level: input.level,
        repeat: input.repeat,
      });
      const answer = await request(input.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await answer.body.dump();
      if (answer.statusCode >= 300) throw new Error(`bare page to ${input.url} answered ${answer.statusCode}`);
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
