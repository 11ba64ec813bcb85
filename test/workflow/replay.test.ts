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

describe('recorded incident histories', () => {
  it('has histories to replay', () => {
    expect(scenarios.length).toBeGreaterThan(0);
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
