import { DateTime } from 'luxon';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { formatDuration } from '../duration.js';
import { formatPath, type FieldError } from '../errors.js';

/**
 * What every importer shares: the config it drafts (our schema's input, durations as text), the
 * report of how each piece came over, readable ids, and the vendors' time shapes in ours. Pure.
 */
export type ConfigDraft = z.input<typeof Config>;
export type UserDraft = NonNullable<NonNullable<ConfigDraft['directory']>['users']>[number];
export type ScheduleDraft = NonNullable<NonNullable<ConfigDraft['directory']>['schedules']>[number];
export type TeamDraft = NonNullable<NonNullable<ConfigDraft['directory']>['teams']>[number];
export type PolicyDraft = ConfigDraft['policies'][number];
export type LevelDraft = PolicyDraft['levels'][number];
export type TargetDraft = NonNullable<LevelDraft['targets']>[number];
export type RouteDraft = NonNullable<ConfigDraft['routes']>[number];

/** How the vendor's setup came over: each line names the vendor's object and ours. */
export interface ImportReport {
  exact: string[];
  /** Kept, but not quite as the vendor ran it; the line says how it differs. */
  approximate: string[];
  /** Dropped: our model has nothing like it. The line says what to do instead, where there is a way. */
  none: string[];
}

export type ImportResult = { ok: true; config: ConfigDraft; report: ImportReport } | { ok: false; errors: FieldError[] };

/** The export directory as read: path relative to it (`users.json`, `schedules/P1/overrides.json`) → parsed JSON. */
export type ExportFiles = Readonly<Record<string, unknown>>;

export function emptyReport(): ImportReport {
  return { exact: [], approximate: [], none: [] };
}

/** Parses one file of the export with its schema; a missing required file or a bad shape names the file and field. */
export function readFile<T extends z.ZodType>(
  files: ExportFiles,
  name: string,
  schema: T,
  errors: FieldError[],
  required = true,
): z.output<T> | undefined {
  const raw = files[name];
  if (raw === undefined) {
    if (required) errors.push({ path: name, message: 'is missing from the export directory; save the API answer under this name' });
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const field = formatPath(issue.path);
    errors.push({ path: field ? `${name}: ${field}` : name, message: issue.message });
  }
  return undefined;
}

/** `Dana Lee` → `dana-lee`: the ids our config uses, from the vendor's names. */
export function slug(text: string): string {
  const out = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return out || 'unnamed';
}

/** Readable, unique ids for vendor objects: the first `Dana Lee` is `dana-lee`, a second `dana-lee-2`. */
export class IdMap {
  private readonly byVendorId = new Map<string, string>();
  private readonly taken = new Set<string>();

  add(vendorId: string, name: string): string {
    const existing = this.byVendorId.get(vendorId);
    if (existing) return existing;
    const base = slug(name);
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}-${n}`;
    this.taken.add(id);
    this.byVendorId.set(vendorId, id);
    return id;
  }

  get(vendorId: string): string | undefined {
    return this.byVendorId.get(vendorId);
  }
}

/** Milliseconds as our duration text (`15m`, `1h30m`, `7d`). */
export function durationText(ms: number): string {
  return formatDuration(ms);
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * A rotation's first handoff, an instant, as our rotation writes it: the local date and time of day
 * in the schedule's zone. Our handoffs are whole minutes; `rounded` says seconds were dropped.
 */
export function localHandoff(instant: string, zone: string): { start: string; handoff: string; rounded: boolean } | undefined {
  const local = DateTime.fromISO(instant, { setZone: true }).setZone(zone);
  if (!local.isValid) return undefined;
  return { start: local.toFormat('yyyy-MM-dd'), handoff: local.toFormat('HH:mm'), rounded: local.second !== 0 || local.millisecond !== 0 };
}

/** A wall-clock time in a zone (`2026-01-05T09:00:00` in Europe/Berlin) as an instant with its offset. */
export function zonedInstant(local: string, zone: string): string | undefined {
  const at = DateTime.fromISO(local, { zone });
  return at.isValid ? (at.toISO({ suppressMilliseconds: true }) ?? undefined) : undefined;
}

/** The weekly window a restriction leaves, as a `businessHours` line the report can suggest. */
export function businessHoursHint(days: readonly string[], start: string, end: string, zone: string): string {
  return `businessHours: { days: [${days.join(', ')}], start: "${start}", end: "${end}", timezone: ${zone} }`;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
