// Summarises V8 CPU profiles of a bench run: where the workflow thread spends its time.
//   node --cpu-prof --cpu-prof-dir=.artifacts/prof --import tsx bench/run.ts
//   npx tsx bench/profile.ts .artifacts/prof
// Each thread writes its own .cpuprofile; the workflow thread is the one that ran `runInContext`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Frames whose inclusive time answers "what does one incident cost the workflow thread". */
const WATCHED: [string, (node: ProfileNode) => boolean][] = [
  ['workflow code (everything in the sandbox)', (n) => n.callFrame.functionName === 'runInContext' && n.callFrame.url === ''],
  ['  module evaluation per workflow (importWorkflows)', (n) => n.callFrame.functionName === 'importWorkflows'],
  ["    zod's own modules loading", (n) => /node_modules\/zod\/.*\.js$/.test(n.callFrame.functionName)],
  ['    domain/*.ts modules (building their zod schemas)', (n) => /^\.\/domain\/.*\.ts$/.test(n.callFrame.functionName)],
  ['  incidentEscalation (the workflow function)', (n) => n.callFrame.functionName === 'incidentEscalation'],
  ['    of which input safeParse', (n) => n.callFrame.functionName === 'safeParse'],
  ['SDK promise hook (stack trace per promise)', (n) => n.callFrame.functionName === 'initAll'],
  ['garbage collector', (n) => n.callFrame.functionName === '(garbage collector)'],
  ['idle', (n) => n.callFrame.functionName === '(idle)'],
];

function summarise(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const inclusive = WATCHED.map(() => 0);
  for (const [id, us] of selfUs) {
    // Count each watched frame once per sample even under recursion.
    const hit = WATCHED.map(() => false);
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const node = byId.get(cursor);
      if (!node) break;
      WATCHED.forEach(([, matches], i) => {
        if (!hit[i] && matches(node)) hit[i] = true;
      });
    }
    hit.forEach((h, i) => {
      if (h) inclusive[i] = (inclusive[i] ?? 0) + us;
    });
  }
  if ((inclusive[1] ?? 0) === 0) return; // not the workflow thread (it is the one that imports workflows)
  const busyUs = totalUs - (inclusive[WATCHED.length - 1] ?? 0);
  process.stdout.write(`\n${file}: ${(totalUs / 1e6).toFixed(1)} s profiled, ${(busyUs / 1e6).toFixed(1)} s busy\n`);
  WATCHED.slice(0, -1).forEach(([label], i) => {
    const us = inclusive[i] ?? 0;
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(9)} ms  ${((us / busyUs) * 100).toFixed(1).padStart(5)}% of busy  ${label}\n`);
  });
}

const dir = process.argv[2] ?? '.artifacts/prof';
for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) summarise(join(dir, name));
