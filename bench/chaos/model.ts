import type { IncidentRecord } from '../../domain/incident.js';
import type { AnswerOutcome, ApiCall, CreateOutcome } from './api-driver.js';
import type { PeerRequest } from './peer.js';
import type { Expectation } from './policy.js';

/** What one scenario did and saw: the input of the check (check.ts) and of the report. */

export interface AlertRun {
  key: string;
  /** `incident-<key>`: the id the alert's incident has whether or not its POST was answered. */
  id: string;
  create: CreateOutcome;
  answers: AnswerOutcome[];
  /** What the scenario did to it beside sending it: `ack`, `ack-at-L2R0`, `resolve-in-flight`, `double-ack`, ... */
  plan?: string;
  /** The final record as GET /v1/incidents/{id} returned it. */
  record?: IncidentRecord;
  /** The record reached a final state with nothing left pending before the run stopped waiting. */
  settled: boolean;
  /** The last GET's status when no record could be read. */
  readStatus?: number;
}

export type WindowKind = 'no worker' | 'server down' | 'peer 500' | 'peer 429' | 'peer hang' | 'peer drop' | 'one worker of two down';

/** A stretch of time a fault lasted, and when the system was whole again (a worker polling, the server answering). */
export interface FaultWindow {
  kind: WindowKind;
  from: number;
  to: number;
}

export interface ScenarioRun {
  name: string;
  title: string;
  /** What was done, in numbers: `22 SIGKILLs; worker down 161 s in all`. */
  faults: string[];
  startedAt: number;
  endedAt: number;
  alerts: AlertRun[];
  requests: PeerRequest[];
  calls: ApiCall[];
  windows: FaultWindow[];
  expectation: Expectation;
  /** How long each worker start took, spawn to polling (ms). */
  workerStartsMs: number[];
}

/** Which fault windows an instant falls in. */
export function windowsAt(windows: readonly FaultWindow[], at: number): FaultWindow[] {
  return windows.filter((w) => at >= w.from && at < w.to);
}
