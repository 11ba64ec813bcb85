import { createRoute } from '@hono/zod-openapi';
import { errorResponse } from '../schemas.js';
import { auth, bearer, json } from './common.js';
import {
  EndMaintenanceQuery,
  MaintenanceBody,
  MaintenanceListSchema,
  MaintenanceNameParam,
  MaintenanceWindowSchema,
} from '../maintenance-schemas.js';

export const startMaintenance = createRoute({
  method: 'post',
  path: '/v1/maintenance',
  tags: ['maintenance'],
  summary: 'Open a maintenance window now, for a while (for) or until a time (until); scope maintenance:write',
  description:
    'While it is open, a new alert it matches is answered { escalated: false, reason } and opens no incident, and open incidents it matches stop paging until it ends (then they are paged at the level they reached, if still unanswered). Responders can still acknowledge and resolve.',
  security: bearer,
  request: { body: { content: { 'application/json': { schema: MaintenanceBody } }, required: true } },
  responses: {
    201: json(MaintenanceWindowSchema, 'the window, open from now'),
    400: errorResponse(
      'the body is not valid (for and until both or neither, an end in the past, an unknown match key); nothing was opened',
    ),
    409: errorResponse('a window with this name is open, or the config file defines one by that name'),
    ...auth,
  },
});

export const listMaintenance = createRoute({
  method: 'get',
  path: '/v1/maintenance',
  tags: ['maintenance'],
  summary: 'Maintenance windows open or scheduled: the config file`s and the ones opened at run time',
  security: bearer,
  responses: { 200: json(MaintenanceListSchema, 'the windows, soonest end first'), ...auth },
});

export const endMaintenance = createRoute({
  method: 'delete',
  path: '/v1/maintenance/{name}',
  tags: ['maintenance'],
  summary: 'End a run-time maintenance window now; incidents it held page again at the level they reached; scope maintenance:write',
  security: bearer,
  request: { params: MaintenanceNameParam, query: EndMaintenanceQuery },
  responses: {
    200: json(MaintenanceWindowSchema, 'the window that ended'),
    400: errorResponse('not a window name'),
    404: errorResponse('no open window by that name'),
    409: errorResponse('the window is defined in the config file: remove it there and reload'),
    ...auth,
  },
});
