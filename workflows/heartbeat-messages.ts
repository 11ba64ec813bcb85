import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { HeartbeatConfigInput, HeartbeatMemo, HeartbeatPing, HeartbeatStopInput } from '../domain/heartbeat-state.js';

/**
 * The heartbeat watch's messages; clients import this module alone. Signals only: a ping must be
 * accepted while no worker runs (signal-with-start from the API), so nothing on that path waits
 * for the workflow to answer.
 */
export const heartbeatPingSignal = defineSignal<[HeartbeatPing]>('heartbeatPing');
/** New timing, severity or service after a config reload. */
export const heartbeatConfigSignal = defineSignal<[HeartbeatConfigInput]>('heartbeatConfig');
/** The heartbeat left the config: the watch ends. */
export const heartbeatStopSignal = defineSignal<[HeartbeatStopInput]>('heartbeatStop');
export const heartbeatStatusQuery = defineQuery<HeartbeatMemo>('heartbeatStatus');
