import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EndMaintenanceInput, MaintenanceWindowSpec, SuppressedAlert } from '../domain/maintenance-hold.js';

/** A maintenance window's messages (workflows/maintenance.ts); clients import this module alone. */

/** Someone ended the window before its time (`DELETE /v1/maintenance/{name}`). */
export const endMaintenanceSignal = defineSignal<[EndMaintenanceInput]>('endMaintenance');
/** The API answered an alert `escalated: false` for this window: counted (memo `suppressed`). */
export const suppressedSignal = defineSignal<[SuppressedAlert]>('suppressed');

export interface MaintenanceOutcome {
  window: MaintenanceWindowSpec;
  state: 'scheduled' | 'open' | 'ended';
  suppressed: number;
  /** The open incidents it held (their workflow ids). */
  held: string[];
  ended?: EndMaintenanceInput & { at: string };
}

export const maintenanceQuery = defineQuery<MaintenanceOutcome>('maintenanceWindow');
