import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from './markdown.js';

/**
 * `--profile`: each worker process runs with `node --cpu-prof`, and every thread writes a V8 CPU
 * profile when it exits (the main thread: activities, the SDK's bridge to its Rust core; the
 * workflow threads: the workflow code in its sandbox). This summarises where each thread's busy time
 * went: by function (self time) and by where the code comes from.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** Frames whose inclusive time says what a workflow costs (names as the SDK 1.24 and zod 4 spell them). */
const INCLUSIVE: [string, (frame: ProfileNode['callFrame']) => boolean][] = [
  ['the workflow modules evaluated for each run (importWorkflows)', (f) => f.functionName === 'importWorkflows'],
  ['  zod schemas built ($constructor)', (f) => f.functionName === '$constructor'],
  ['the workflow function (incidentEscalation / bareEscalation)', (f) => /^(incidentEscalation|bareEscalation)$/.test(f.functionName)],
  ['the SDK promise hook (a stack trace per promise: initAll)', (f) => f.functionName === 'initAll'],
  ['activations in the sandbox (runInContext)', (f) => f.functionName === 'runInContext'],
];
interface Profile {
  nodes: ProfileNode[];
  /** Microseconds on the machine's monotonic clock, as process.hrtime (ns) / 1000. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A section's measured window per worker folder (`after-cpu`): the summary keeps only samples inside it. */
const windows = new Map<string, { fromUs: number; toUs: number }>();
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
export function markProfileWindow(folder: string, fromUs: number, toUs: number): void {
  windows.set(folder, { fromUs, toUs });
}

/** Where a frame's code comes from: a package, a folder of the project, the workflow bundle, or V8 itself. */
function origin(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : 'native / V8 builtins';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  if (/workflow-bundle|bundle-.*\.js/.test(url)) return 'workflow bundle (workflow code, its imports, the SDK workflow runtime)';
  const project = /\/dist\/([^/]+)\//.exec(url) ?? /\/(bench|domain|workflows|activities|runtime|client|worker)\//.exec(url);
  if (project) return `project ${project[1]}/`;
  if (url.startsWith('node:')) return 'node internals';
  return url.split('/').slice(-2).join('/');
}

const ms = (us: number) => (us / 1000).toFixed(0);
const pct = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`;

function summarise(file: string, top: number, window: { fromUs: number; toUs: number } | undefined): string | undefined {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (!window || (at >= window.fromUs && at <= window.toUs)) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    busy += us;
    const fn = `${frame.functionName || '(anonymous)'} ${frame.url ? `(${frame.url.split('/').slice(-1)[0]})` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const from = origin(frame.url, frame.functionName);
    byOrigin.set(from, (byOrigin.get(from) ?? 0) + us);
  }
  if (busy < 200_000) return undefined; // a thread that hardly ran
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = INCLUSIVE.map(() => 0);
  for (const [id, us] of selfUs) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    const hit = INCLUSIVE.map(() => false);
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const frame = byId.get(cursor)?.callFrame;
      if (!frame) break;
      INCLUSIVE.forEach(([, matches], i) => {
        if (!hit[i] && matches(frame)) hit[i] = true;
      });
    }
    hit.forEach((h, i) => {
      if (h) inclusive[i] = (inclusive[i] ?? 0) + us;
    });
  }
  const inside = INCLUSIVE.flatMap(([label], i) => {
    const us = inclusive[i] ?? 0;
    return us >= 10_000 ? [[label, ms(us), pct(us, busy)]] : [];
  });
  const rows = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => [name.slice(0, 90), ms(us), pct(us, busy)]);
  return [
    `\n#### ${file.split('/').slice(-2).join('/')}: ${ms(busy)} ms busy`,
    '',
    markdownTable(['code from', 'self ms', 'of busy'], rows(byOrigin, 12)),
    ...(inside.length > 0 ? ['', markdownTable(['inside (inclusive time)', 'ms', 'of busy'], inside)] : []),
    '',
    markdownTable(['function (self time)', 'self ms', 'of busy'], rows(byFunction, top)),
  ].join('\n');
}

/** Every profile under `dir` (a folder per worker process), largest threads first. */
export function profileReport(dir: string, top = 15): string {
  const out: string[] = ['\n### Where the worker CPU went (V8 CPU profiles, --profile)'];
  let folders: string[] = [];
  try {
    folders = readdirSync(dir).sort();
  } catch {
    return '';
  }
  for (const folder of folders) {
    let files: string[] = [];
    try {
      files = readdirSync(join(dir, folder)).filter((f) => f.endsWith('.cpuprofile'));
    } catch {
      continue;
    }
    const window = windows.get(folder);
    const within = window
      ? `, samples inside the measured window only (${((window.toUs - window.fromUs) / 1e6).toFixed(1)} s)`
      : ', the whole process life';
    out.push(`\n**${folder}** (${files.length} thread profile(s)${within})`);
    for (const file of files) {
      const text = summarise(join(dir, folder, file), top, window);
      if (text) out.push(text);
    }
  }
  return out.join('\n');
}
