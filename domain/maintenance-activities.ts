import type { MaintenanceMatchSpec } from './maintenance-hold.js';

/** What a maintenance window's workflow asks its activities (activities/maintenance.ts). */
export interface HoldRequest {
  name: string;
  match: MaintenanceMatchSpec;
  /** The window's end, ISO-8601. */
  until: string;
  reason?: string;
  /** The incidents of this task queue: one deployment's. */
  taskQueue: string;
}

export interface ReleaseRequest {
  name: string;
  workflowIds: string[];
  /** When the window ended early, ISO-8601. */
  ended: string;
}

export interface MaintenanceActivities {
  /** Signals every open incident the window matches to hold its paging; answers their workflow ids. */
  holdMatchingIncidents(request: HoldRequest): Promise<string[]>;
  /** Tells the incidents a window held that it ended early. */
  releaseIncidents(request: ReleaseRequest): Promise<number>;
}
