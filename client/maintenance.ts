import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../domain/config.js';
import { fieldErrors } from '../domain/errors.js';
import {
  configuredSpec,
  generatedName,
  isOpen,
  MAINTENANCE_MEMO,
  MAINTENANCE_WORKFLOW_TYPE,
  maintenanceWorkflowId,
  MaintenanceName,
  MaintenanceRequest,
  SUPPRESSED_MEMO,
  windowFromRequest,
  type MaintenanceWindowSpec,
} from '../domain/maintenance.js';
import type { SuppressedAlert } from '../domain/maintenance-hold.js';
import { endMaintenanceSignal, suppressedSignal } from '../workflows/maintenance-messages.js';
import { InvalidIncidentRequestError } from './incidents.js';

/** No open or scheduled window by that name. */
export class MaintenanceNotFoundError extends Error {
  constructor(readonly windowName: string) {
    super(`no open maintenance window "${windowName}"; list them with \`escalate maintenance list\``);
    this.name = 'MaintenanceNotFoundError';
  }
}

/** The request clashes with a window that exists (same name, or one the config file owns). */
export class MaintenanceConflictError extends Error {
  constructor(
    readonly windowName: string,
    message: string,
  ) {
    super(message);
    this.name = 'MaintenanceConflictError';
  }
}

export interface ListedWindow extends MaintenanceWindowSpec {
  state: 'scheduled' | 'open';
  /** Alerts it answered `escalated: false` so far (as its workflow counted them; a moment behind). */
  suppressed: number;
}

export interface MaintenanceBookOptions {
  client: Client;
  taskQueue: string;
  /** The config in force (config windows follow a reload). */
  config: () => Config;
  now?: () => number;
  /** How long the API trusts its last look at visibility before alerts check again (default 2 s). */
  cacheMs?: number;
}

/** A window this process started or ended is trusted over visibility this long (visibility lags). */
const LOCAL_MS = 30_000;

/**
 * Maintenance windows as the client library and the API see them: the config file's, plus the
 * ones opened at run time, each a `maintenanceWindow` workflow whose memo holds the window. Alerts
 * are checked against them without asking any workflow (visibility and the config only), so an
 * alert is accepted or answered with no worker running. The last look at visibility is kept for a
 * moment: an alert storm costs one list call every `cacheMs`, not one per alert.
 */
/** How long a window's suppressed alerts are gathered into one count signal. */
const COUNT_BATCH_MS = 2_000;
const FLUSH_DEADLINE_MS = 10_000;

export class MaintenanceBook {
  private cached: { at: number; windows: (MaintenanceWindowSpec & { suppressed: number })[] } | undefined;
  private readonly startedHere = new Map<string, { spec: MaintenanceWindowSpec; at: number }>();
  private readonly endedHere = new Map<string, number>();
  private listing: Promise<(MaintenanceWindowSpec & { suppressed: number })[]> | undefined;
  /** Suppressed alerts waiting to be counted on their window's workflow, by window name. */
  private readonly uncounted = new Map<string, { window: MaintenanceWindowSpec; latest: SuppressedAlert; count: number }>();

  constructor(private readonly options: MaintenanceBookOptions) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Windows open now, the config's and run-time ones. */
  async openWindows(): Promise<MaintenanceWindowSpec[]> {
    const now = this.now;
    return (await this.all(now)).filter((window) => isOpen(window, now));
  }

  /** Every window not yet over (open or scheduled), soonest end first. */
  async list(): Promise<ListedWindow[]> {
    const now = this.now;
    const windows = await this.all(now, true);
    return windows
      .filter((window) => Date.parse(window.to) > now)
      .map((window) => ({ ...window, state: isOpen(window, now) ? ('open' as const) : ('scheduled' as const) }))
      .sort((a, b) => Date.parse(a.to) - Date.parse(b.to));
  }

  /** Opens a window now (`POST /v1/maintenance`); refused when the name is taken. */
  async start(body: unknown): Promise<MaintenanceWindowSpec> {
    const parsed = MaintenanceRequest.safeParse(body);
    if (!parsed.success) throw new InvalidIncidentRequestError(fieldErrors(parsed.error));
    const now = this.now;
    const name = parsed.data.name ?? generatedName(parsed.data.match, now);
    const built = windowFromRequest(parsed.data, now, name);
    if (!built.ok) throw new InvalidIncidentRequestError([{ path: built.refusal.field, message: built.refusal.reason }]);
    if (this.options.config().maintenance.some((window) => window.name === name)) {
      throw new MaintenanceConflictError(name, `a window named "${name}" is defined in the config file; choose another name`);
    }
    const window = built.window;
    try {
      await this.options.client.workflow.start(MAINTENANCE_WORKFLOW_TYPE, {
        workflowId: maintenanceWorkflowId(name),
        taskQueue: this.options.taskQueue,
        args: [window],
        memo: { [MAINTENANCE_MEMO]: window },
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        staticSummary: `Maintenance ${name} until ${window.to}`,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new MaintenanceConflictError(
          name,
          `a maintenance window named "${name}" is already open; end it first or choose another name`,
        );
      }
      throw error;
    }
    this.startedHere.set(name, { spec: window, at: now });
    this.endedHere.delete(name);
    this.cached = undefined;
    return window;
  }

  /**
   * Ends a run-time window now (`DELETE /v1/maintenance/{name}`): new alerts page again at once
   * (this process) or within the cache time (other API processes), and the incidents it held hear
   * so when a worker runs the window. A config window is ended by editing the file.
   */
  async end(nameText: string, by: string, reason?: string): Promise<MaintenanceWindowSpec> {
    const name = MaintenanceName.safeParse(nameText);
    if (!name.success) throw new InvalidIncidentRequestError(fieldErrors(name.error).map((e) => ({ ...e, path: 'name' })));
    if (this.options.config().maintenance.some((window) => window.name === name.data)) {
      throw new MaintenanceConflictError(
        name.data,
        `window "${name.data}" is defined in the config file; remove it from maintenance: there and reload the config`,
      );
    }
    const window = (await this.all(this.now)).find((w) => w.name === name.data && w.origin === 'api');
    if (!window) throw new MaintenanceNotFoundError(name.data);
    try {
      await this.options.client.workflow
        .getHandle(maintenanceWorkflowId(name.data))
        .signal(endMaintenanceSignal, { by, ...(reason !== undefined && { reason }) });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new MaintenanceNotFoundError(name.data);
      throw error;
    }
    this.endedHere.set(name.data, this.now);
    this.startedHere.delete(name.data);
    this.cached = undefined;
    return window;
  }

  /**
   * Counts an alert a window answered on that window's workflow (for `/v1/stats`). A signal needs
   * no worker; a config window's workflow is started by it if no worker started it yet (and then
   * holds open incidents it matches once a worker runs it).
   */
  async countSuppressed(window: MaintenanceWindowSpec, alert: { incidentId: string; summary: string }): Promise<void> {
    const signal: SuppressedAlert = { incidentId: alert.incidentId, summary: alert.summary, at: new Date(this.now).toISOString() };
    // A storm in a window would otherwise be one signal, and one workflow task, per alert: the first
    // is counted now, the rest of the next COUNT_BATCH_MS in one signal that names the latest.
    const batch = this.uncounted.get(window.name);
    if (batch) {
      batch.count += 1;
      batch.latest = signal;
      return;
    }
    this.uncounted.set(window.name, { window, latest: signal, count: 0 });
    setTimeout(() => void this.flushCount(window.name), COUNT_BATCH_MS).unref();
    await this.signalCount(window, signal);
  }

  /** The alerts counted here since the first of the batch, in one signal (a lost count only costs /v1/stats). */
  private async flushCount(name: string): Promise<void> {
    const batch = this.uncounted.get(name);
    this.uncounted.delete(name);
    if (!batch || batch.count === 0) return;
    // Its own deadline: the timer runs in the context of the alert that started the batch, whose deadline has passed.
    const signal = { ...batch.latest, count: batch.count };
    await this.options.client
      .withDeadline(Date.now() + FLUSH_DEADLINE_MS, () => this.signalCount(batch.window, signal))
      .catch(() => undefined);
  }

  private async signalCount(window: MaintenanceWindowSpec, signal: SuppressedAlert): Promise<void> {
    // A run-time window is only signalled: starting it again would bring back a window just ended.
    if (window.origin === 'api') {
      await this.options.client.workflow.getHandle(maintenanceWorkflowId(window.name)).signal(suppressedSignal, signal);
      return;
    }
    await this.options.client.workflow.signalWithStart(MAINTENANCE_WORKFLOW_TYPE, {
      workflowId: maintenanceWorkflowId(window.name),
      taskQueue: this.options.taskQueue,
      args: [window],
      memo: { [MAINTENANCE_MEMO]: window },
      signal: suppressedSignal,
      signalArgs: [signal],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }

  /**
   * Starts the workflow of every config window that has not ended (idempotent: one running is
   * left alone), so open incidents it matches are held when it opens. The worker calls it at start.
   */
  async startConfigured(): Promise<string[]> {
    const now = this.now;
    const started: string[] = [];
    for (const configured of this.options.config().maintenance) {
      const window = configuredSpec(configured);
      if (Date.parse(window.to) <= now) continue;
      await this.options.client.workflow
        .start(MAINTENANCE_WORKFLOW_TYPE, {
          workflowId: maintenanceWorkflowId(window.name),
          taskQueue: this.options.taskQueue,
          args: [window],
          memo: { [MAINTENANCE_MEMO]: window },
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          staticSummary: `Maintenance ${window.name} (config) ${window.from} to ${window.to}`,
        })
        .then(() => started.push(window.name));
    }
    return started;
  }

  /** Alerts windows answered within `sinceMs` of now, from their workflows' memos (open windows: all so far). */
  async suppressedSince(since: string): Promise<{ windows: number; suppressed: number }> {
    const query = `WorkflowType = "${MAINTENANCE_WORKFLOW_TYPE}" AND TaskQueue = "${this.options.taskQueue}" AND (ExecutionStatus = "Running" OR CloseTime >= "${since}")`;
    let windows = 0;
    let suppressed = 0;
    for await (const execution of this.options.client.workflow.list({ query, pageSize: 200 })) {
      windows += 1;
      const count = execution.memo?.[SUPPRESSED_MEMO];
      if (typeof count === 'number') suppressed += count;
      if (windows >= 1_000) break;
    }
    return { windows, suppressed };
  }

  /** The config's windows and the run-time ones (from visibility, cached), by name; config wins. */
  private async all(now: number, fresh = false): Promise<(MaintenanceWindowSpec & { suppressed: number })[]> {
    const cacheMs = this.options.cacheMs ?? 2_000;
    if (fresh || !this.cached || now - this.cached.at > cacheMs) this.cached = { at: now, windows: await this.refresh(fresh) };
    const byName = new Map<string, MaintenanceWindowSpec & { suppressed: number }>();
    for (const window of this.cached.windows) byName.set(window.name, window);
    for (const [name, local] of this.startedHere) {
      if (now - local.at > LOCAL_MS) this.startedHere.delete(name);
      else if (!byName.has(name)) byName.set(name, { ...local.spec, suppressed: 0 });
    }
    for (const [name, at] of this.endedHere) {
      if (now - at > LOCAL_MS && !byName.has(name)) this.endedHere.delete(name);
      else byName.delete(name);
    }
    for (const configured of this.options.config().maintenance) {
      const spec = configuredSpec(configured);
      byName.set(spec.name, { ...spec, suppressed: byName.get(spec.name)?.suppressed ?? 0 });
    }
    return [...byName.values()];
  }

  /**
   * One list call at a time, however many alerts arrive at once (a webhook batch). For an alert,
   * visibility failing is no reason to refuse it: it goes on with the windows last seen (paging in
   * a window is the safer mistake); a listing (`fresh`) says the error.
   */
  private refresh(fresh: boolean): Promise<(MaintenanceWindowSpec & { suppressed: number })[]> {
    if (!this.listing) this.listing = this.fromVisibility().finally(() => (this.listing = undefined));
    return fresh ? this.listing : this.listing.catch(() => this.cached?.windows ?? []);
  }

  private async fromVisibility(): Promise<(MaintenanceWindowSpec & { suppressed: number })[]> {
    const query = `WorkflowType = "${MAINTENANCE_WORKFLOW_TYPE}" AND ExecutionStatus = "Running" AND TaskQueue = "${this.options.taskQueue}"`;
    const windows: (MaintenanceWindowSpec & { suppressed: number })[] = [];
    for await (const execution of this.options.client.workflow.list({ query, pageSize: 200 })) {
      const spec = execution.memo?.[MAINTENANCE_MEMO];
      if (!isSpec(spec)) continue;
      const suppressed = execution.memo?.[SUPPRESSED_MEMO];
      windows.push({ ...spec, suppressed: typeof suppressed === 'number' ? suppressed : 0 });
      if (windows.length >= 500) break;
    }
    return windows;
  }
}

function isSpec(value: unknown): value is MaintenanceWindowSpec {
  if (typeof value !== 'object' || value === null) return false;
  const spec = value as Partial<MaintenanceWindowSpec>;
  return (
    typeof spec.name === 'string' &&
    typeof spec.from === 'string' &&
    typeof spec.to === 'string' &&
    typeof spec.match === 'object' &&
    spec.match !== null &&
    (spec.origin === 'api' || spec.origin === 'config')
  );
}
