import { createRoute, z } from '@hono/zod-openapi';
import { ListOptions } from '../../visibility.js';
import { StatsQuery } from '../../stats.js';
import {
  AnnotateBody,
  EscalateBody,
  ReassignBody,
  SnoozeBody,
  StartHeaders,
  errorResponse,
  IncidentBody,
  IncidentIdParam,
  IncidentPageSchema,
  IncidentRecordSchema,
  NoteBody,
  ReasonBody,
  StartAnswer,
  StatsSchema,
  WorkingStatusSchema,
} from '../schemas.js';
import { auth, bearer, json } from './common.js';

const tooLarge = { 413: errorResponse('the body is larger than 256 KiB; nothing was changed') };

export const startIncident = createRoute({
  method: 'post',
  path: '/v1/incidents',
  tags: ['incidents'],
  summary: 'Open an incident, or count an occurrence on the open one with the same key',
  security: bearer,
  request: { headers: StartHeaders, body: { content: { 'application/json': { schema: IncidentBody } }, required: true } },
  description:
    'Answers as soon as the Temporal server has the alert, whether or not a worker is running: the alert is durable and pages when a worker runs it.',
  responses: {
    202: json(StartAnswer, 'accepted: a new incident (created true) or an occurrence of the open one with this key (created false)'),
    200: json(StartAnswer, 'not escalated: gated off or inhibited (escalated false with the reason)'),
    400: errorResponse('the body is not valid; nothing was started'),
    ...tooLarge,
    503: errorResponse(
      'the Temporal server is unreachable or did not take the alert within 2 s; send it again after Retry-After (it joins the same incident)',
    ),
    ...auth,
  },
});

export const getIncident = createRoute({
  method: 'get',
  path: '/v1/incidents/{id}',
  tags: ['incidents'],
  summary: 'One incident: state, level, notifications and timeline',
  security: bearer,
  request: { params: IncidentIdParam },
  responses: {
    200: json(IncidentRecordSchema, 'the incident record'),
    404: errorResponse('no such incident'),
    503: errorResponse('no escalation worker answered the state query in time; retry after Retry-After'),
    ...auth,
  },
});

export const listIncidents = createRoute({
  method: 'get',
  path: '/v1/incidents',
  tags: ['incidents'],
  summary: 'Incidents from Temporal visibility, newest first, filtered by search attributes and paged with a cursor',
  description: 'Visibility is eventually consistent: a change shows here shortly after it was made.',
  security: bearer,
  request: { query: ListOptions },
  responses: { 200: json(IncidentPageSchema, 'one page of incidents'), 400: errorResponse('a bad filter or cursor'), ...auth },
});

export const stats = createRoute({
  method: 'get',
  path: '/v1/stats',
  tags: ['incidents'],
  summary: 'Counts by state and severity, MTTA and MTTR over a window (default 24h)',
  security: bearer,
  request: { query: StatsQuery },
  responses: { 200: json(StatsSchema, 'the figures'), 400: errorResponse('a bad window'), ...auth },
});

function moveRoute<T extends z.ZodType>(operation: string, body: T, summary: string) {
  return createRoute({
    method: 'post',
    path: `/v1/incidents/{id}/${operation}`,
    tags: ['incidents'],
    summary,
    security: bearer,
    request: { params: IncidentIdParam, body: { content: { 'application/json': { schema: body } }, required: true } },
    responses: {
      200: json(IncidentRecordSchema, 'the incident after the change'),
      400: errorResponse('the body is not valid; nothing changed'),
      ...tooLarge,
      404: errorResponse('no such incident'),
      409: errorResponse('the state machine refused the move (for example acknowledging a resolved incident)'),
      503: errorResponse(
        'no escalation worker answered in time (Retry-After says when to try again); the answer may still take effect when a worker runs, so look at the incident first',
      ),
      ...auth,
    },
  });
}

export const acknowledge = moveRoute('acknowledge', NoteBody, 'Acknowledge: escalation stops');
export const resolve = moveRoute('resolve', NoteBody, 'Resolve: the incident closes');
export const cancel = moveRoute('cancel', ReasonBody, 'Cancel (false alarm): the incident closes');
export const escalate = moveRoute(
  'escalate',
  EscalateBody,
  'Escalate now: to the next level, or to toLevel; an acknowledged incident becomes ACTIVE at that level and is paged',
);
export const annotate = moveRoute('annotate', AnnotateBody, 'Add a note to the timeline');
export const workingStatus = moveRoute(
  'status',
  WorkingStatusSchema,
  'Set the working status of an acknowledged incident (investigating, identified, monitoring, mitigated); 409 unless acknowledged',
);
export const unacknowledge = moveRoute(
  'unacknowledge',
  ReasonBody,
  'Un-acknowledge: ACTIVE again, the level it is at paged again now and escalation going on from there',
);
export const reassign = moveRoute(
  'reassign',
  ReassignBody,
  'Reassign: page these targets now; the incident is ACTIVE and the walk goes on from its level',
);
export const snooze = moveRoute('snooze', SnoozeBody, 'Snooze: ACKNOWLEDGED for a while, then ACTIVE at the level it is at and paged');
