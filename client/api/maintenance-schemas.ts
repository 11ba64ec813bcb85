import { z } from '@hono/zod-openapi';
import { MaintenanceName, MaintenanceRequest } from '../../domain/maintenance.js';

/** Wire schemas of the maintenance routes; the request comes from domain/maintenance.ts. */

// A clone, as IncidentBody is: the clone has `.openapi` and validates exactly as the domain schema.
export const MaintenanceBody = MaintenanceRequest.clone().openapi('MaintenanceRequest', {
  example: { match: { service: 'db' }, for: '2h', by: 'dana', reason: 'db upgrade' },
});

const MatchSchema = z
  .object({
    service: z.string().optional(),
    source: z.string().optional(),
    severity: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    matchers: z.array(z.string()).optional(),
  })
  .openapi('MaintenanceMatch');

export const MaintenanceWindowSchema = z
  .object({
    name: z.string(),
    match: MatchSchema,
    from: z.string(),
    to: z.string(),
    by: z.string(),
    reason: z.string().optional(),
    origin: z.enum(['config', 'api']).openapi({ description: 'config: the config file`s maintenance:, api: opened at run time' }),
  })
  .openapi('MaintenanceWindow');

export const ListedWindowSchema = MaintenanceWindowSchema.extend({
  state: z.enum(['scheduled', 'open']),
  suppressed: z.number().int().openapi({ description: 'alerts it answered without opening an incident (a moment behind)' }),
}).openapi('ListedMaintenanceWindow');

export const MaintenanceListSchema = z.object({ windows: z.array(ListedWindowSchema) }).openapi('MaintenanceList');

export const MaintenanceNameParam = z.object({
  name: MaintenanceName.clone().openapi({ param: { name: 'name', in: 'path' }, example: 'db-upgrade' }),
});

export const EndMaintenanceQuery = z.strictObject({
  by: z.string().trim().min(1).max(200).optional().openapi({ description: 'who ends it; default: api:<token name>' }),
  reason: z.string().trim().min(1).max(500).optional(),
});
