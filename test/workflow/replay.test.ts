import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { historyFromJson } from '../histories/history-json.js';

// Incidents run for hours while the code under them changes. Each history in test/histories/
// (recorded by `npm run record-history`) is replayed against the workflow code as it is now: a
// change that would make a running incident fail its next task (a command added, dropped or moved)
// fails here, and needs patched() (STYLE.md) before it ships.
const historiesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'histories');
const scenarios = readdirSync(historiesDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => basename(file, '.json'))
  .sort();

const workflowsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'workflows');

/** Every `patched('id')` in workflows/: the branches running incidents may take. */
function patchIds(): { id: string; file: string }[] {
  return readdirSync(workflowsDir)
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [...readFileSync(join(workflowsDir, file), 'utf8').matchAll(/\b(?:patched|deprecatePatch)\(\s*['"]([^'"]+)['"]/g)].map((m) => ({
        id: m[1] as string,
        file,
      })),
    );
}

/** Patch ids the recorded histories took (their markers carry the id as a JSON string payload). */
function recordedPatchIds(): Set<string> {
  const ids = new Set<string>();
  for (const scenario of scenarios) {
    const history = JSON.parse(readFileSync(join(historiesDir, `${scenario}.json`), 'utf8')) as {
      events: { markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> } }[];
    };
    for (const event of history.events) {
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName !== 'core_patch') continue;
      for (const detail of Object.values(marker.details ?? {})) {
        for (const payload of detail.payloads ?? []) {
          // The SDK writes {"id": "<patch>", "deprecated": false}.
          const value: unknown = JSON.parse(Buffer.from(payload.data ?? '', 'base64').toString('utf8'));
          if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string')
            ids.add((value as { id: string }).id);
        }
      }
    }
  }
  return ids;
}

describe('recorded incident histories', () => {
  it('has histories to replay', () => {
    expect(scenarios.length).toBeGreaterThan(0);
  });

  it('covers every patched() branch of the workflow code with a recorded history', () => {
    const recorded = recordedPatchIds();
    // Each id a running incident may meet needs a history that took its new branch (STYLE.md).
    const uncovered = patchIds().filter(({ id }) => !recorded.has(id));
    expect(uncovered.map(({ id, file }) => `${file}: patched('${id}')`)).toEqual([]);
  });

  it.each(scenarios)('replays the recorded %s incident with the current workflow code', async (scenario) => {
    const history = historyFromJson(JSON.parse(readFileSync(join(historiesDir, `${scenario}.json`), 'utf8')));
    // The recorder keys each incident by its scenario name: the workflow reads its own id.
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: `replay-${scenario}` },
      history,
      `incident-${scenario}`,
    );
  });
});
