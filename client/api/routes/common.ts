import type { z } from '@hono/zod-openapi';
import { errorResponse } from '../schemas.js';

/** Pieces every route declaration shares: a JSON answer, the bearer requirement, its refusals. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
export const bearer = [{ bearer: [] }];
export const auth = {
  401: errorResponse('no or invalid bearer token'),
  403: errorResponse('the token lacks the scope'),
  429: errorResponse('this token is over api.rateLimit; retry after Retry-After'),
};
