import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { Pool } from 'undici';
import type { Arrival, Receiver } from '../receiver.js';
import type { Build } from './builds.js';
import type { Section, Sizes, VariantName } from './options.js';
import { barePlan, type Delays, type PolicyName } from './policies.js';
import { startBare, startProduct, type Running, type Target } from './processes.js';

/**
 * One variant started for one section: a fresh worker (and, for the product, a fresh API) on a
 * fresh task queue, so every section starts from the same state and runs alone with --only. The
 * product takes its incidents through `POST /v1/incidents`; the bare workflow through the client.
 */

export interface World {
  target: Target;
  serverPid: number;
  client: Client;
  receiver: Receiver;
  logDir: string;
  apiToken: string;
  delays: Delays;
  sizes: Sizes;
  /** The product's config file per variant (its webhooks carry the variant in their path). */
  configFiles: Partial<Record<VariantName, string>>;
  builds: Partial<Record<VariantName, Build>>;
  bareBundlePath: string;
  /** Unique to this run: part of every task queue and incident key. */
  runId: string;
  /** With --profile: each worker writes V8 CPU profiles into a folder per variant and section here. */
  profileDir: string | undefined;
}

export interface Opened {
  workflowId: string;
  /** performance.now() / Date.now() just before the request went out. */
  sentPerf: number;
  sentWall: number;
  /** How long the API (or the client's start) took to answer. */
  answerMs: number;
  /** 503 answers retried after their Retry-After. */
  retries: number;
}

export interface Launched {
  name: VariantName;
  taskQueue: string;
  running: Running;
  open(policy: PolicyName, label: string): Promise<Opened>;
  /** The receiver's first page of this incident at this level, or undefined after `timeoutMs`. */
  page(workflowId: string, level: number, timeoutMs: number): Promise<Arrival | undefined>;
  close(): Promise<void>;
}

const MAX_RETRIES = 10;

export async function launch(world: World, name: VariantName, section: Section): Promise<Launched> {
  const taskQueue = `bench-engine-${name}-${section}-${world.runId}`;
  const label = `${name}-${section}`;
  const nodeFlags = world.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(world.profileDir, label)}`] : [];
  let serial = 0;
  const keyFor = (tag: string) => `eb-${world.runId}-${name}-${tag}-${(serial += 1)}-${randomUUID().slice(0, 4)}`;
  const page = async (workflowId: string, level: number, timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const arrival = await Promise.race([world.receiver.waitFor(workflowId, level, 0), late]);
    clearTimeout(timer);
    return arrival;
  };

  if (name === 'bare') {
    const running = await startBare({
      target: world.target,
      taskQueue,
      bundlePath: world.bareBundlePath,
      logDir: world.logDir,
      label,
      nodeFlags,
    });
    return {
      name,
      taskQueue,
      running,
      page,
      close: () => running.stop(),
      async open(policy, tag) {
        const workflowId = `incident-${keyFor(tag)}`;
        const sentWall = Date.now();
        const sentPerf = performance.now();
        await world.client.workflow.start('bareEscalation', {
          taskQueue,
          workflowId,
          args: [barePlan(policy, world.receiver.base, world.delays)],
        });
        return { workflowId, sentPerf, sentWall, answerMs: performance.now() - sentPerf, retries: 0 };
      },
    };
  }

  const build = world.builds[name];
  const configFile = world.configFiles[name];
  if (!build || !configFile) throw new Error(`the ${name} variant was not built`);
  const running = await startProduct({
    build,
    target: world.target,
    taskQueue,
    configFile,
    apiToken: world.apiToken,
    logDir: world.logDir,
    label,
    nodeFlags,
  });
  const url = running.api?.url ?? '';
  const pool = new Pool(url, { connections: 64, keepAliveTimeout: 30_000 });
  return {
    name,
    taskQueue,
    running,
    page,
    async close() {
      await pool.close().catch(() => undefined);
      await running.stop();
    },
    async open(policy, tag) {
      const key = keyFor(tag);
      const body = JSON.stringify({ summary: `engine bench ${tag}`, severity: 'critical', source: 'bench', key, policy });
      const sentWall = Date.now();
      const sentPerf = performance.now();
      for (let retries = 0; ; retries += 1) {
        const answer = await pool.request({
          path: '/v1/incidents',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${world.apiToken}` },
          body,
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
        const text = await answer.body.text();
        // The current API answers 202 (accepted); earlier commits answered 201 or 200.
        if (answer.statusCode >= 200 && answer.statusCode < 300) {
          const parsed = JSON.parse(text) as { incidentId?: string; workflowId?: string; escalated?: boolean; reason?: string };
          if (parsed.escalated === false) throw new Error(`incident ${key} was not escalated: ${parsed.reason ?? text}`);
          const workflowId = parsed.workflowId ?? parsed.incidentId ?? `incident-${key}`;
          return { workflowId, sentPerf, sentWall, answerMs: performance.now() - sentPerf, retries };
        }
        if (answer.statusCode === 503 && retries < MAX_RETRIES) {
          const after = Number(answer.headers['retry-after'] ?? 1);
          await sleep(Math.max(0.1, Number.isFinite(after) ? after : 1) * 1000);
          continue;
        }
        throw new Error(`POST /v1/incidents for ${key} answered ${answer.statusCode}: ${text.slice(0, 500)}`);
      }
    },
  };
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight, until `stopAt` (performance.now()); the rest are skipped. */
export async function lanes(count: number, limit: number, stopAt: number, task: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const lane = async () => {
    for (;;) {
      const index = next;
      next += 1;
      if (index >= count || performance.now() >= stopAt) return;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return Math.min(next, count);
}

/** Opens `count` incidents at a steady rate (never more than `maxInFlight` unanswered). */
export async function paced(
  launched: Launched,
  policy: PolicyName,
  count: number,
  perSecond: number,
  maxInFlight: number,
): Promise<Opened[]> {
  const opened: Opened[] = [];
  const begin = performance.now();
  await lanes(count, maxInFlight, Number.POSITIVE_INFINITY, async (i) => {
    const wait = begin + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    opened.push(await launched.open(policy, `${policy}-${i}`));
  });
  return opened;
}

/**
 * Visibility's count of the variant's incidents that walked their policy to the end: the product's
 * in IncidentState TIMED_OUT (an open state by design: the incident waits for an answer, so its
 * workflow keeps running), the bare workflow's completed.
 */
export function walkedQuery(launched: Launched): string {
  const done = launched.name === 'bare' ? "ExecutionStatus = 'Completed'" : "IncidentState = 'TIMED_OUT'";
  return `TaskQueue = '${launched.taskQueue}' AND ${done}`;
}

/** Polls a visibility count until it reaches `expected`, or `timeoutMs`; answers the last count. */
export async function untilCount(client: Client, query: string, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = (await client.workflow.count(query)).count;
    if (seen >= expected) return seen;
    await sleep(250);
  }
  return seen;
}

/** The first page (level 1, repeat 0) of each, until `deadlineMs` (Date.now()); missing ones are absent. */
export async function pagesBy(
  launched: Launched,
  opened: readonly Opened[],
  level: number,
  deadlineMs: number,
): Promise<Map<string, Arrival>> {
  const got = new Map<string, Arrival>();
  await Promise.all(
    opened.map(async (o) => {
      const arrival = await launched.page(o.workflowId, level, Math.max(0, deadlineMs - Date.now()));
      if (arrival) got.set(o.workflowId, arrival);
    }),
  );
  return got;
}
