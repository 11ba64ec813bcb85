import type { AnnouncedEvent } from '../domain/delivery.js';
import type { NotificationRecord } from '../domain/incident.js';

/** One level's (or fallback's, or breach report's) round of pages, as the notifier sends it. */
export interface NotifyRound {
  level: number;
  repeat: number;
  cycle: number;
  epoch: number;
  kind: 'page' | 'repeat' | 'fallback' | 'breach';
  /** Tells apart two rounds of one kind at one level (the SLA a breach page is for). */
  tag?: string;
  /** Workflow time the round was due, ISO. */
  at: string;
  dueAt: number;
  /** A reminder to whoever acknowledged: it goes out while the incident is acknowledged. */
  reminder?: boolean;
}

/** How one round's pages are going: it reached nobody when none is left and none got through. */
export interface Tally {
  pending: number;
  reached: boolean;
  reasons: string[];
}

/** A round that reached nobody, with each target and why. */
export type UnreachedHandler = (round: NotifyRound, reasons: string[]) => void;

/** One notification to send, before it has an entry in the record. */
export interface Send {
  idempotencyKey: string;
  kind: NotificationRecord['kind'];
  event?: AnnouncedEvent;
  level: number;
  repeat: number;
  cycle: number;
  at: string;
  reminder?: boolean;
}

/** One person's round of pages: the key a receipt hurries and a rule-delayed delivery waits on. */
export function roundKey(cycle: number, level: number, repeat: number, recipient: string): string {
  return `${cycle}/${level}/${repeat}/${recipient}`;
}
