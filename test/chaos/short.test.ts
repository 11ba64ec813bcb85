// The short failure runs (issue 9): faults 1, 3 and 6 of `npm run chaos` with a few alerts each,
// on a dev server of their own (they kill it), so every change is checked for "nothing is lost".
// Invariants only, never timings: those are RELIABILITY.md's business.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seededRandom, type ScenarioContext } from '../../bench/chaos/alerts.js';
import { checkScenario } from '../../bench/chaos/check.js';
import type { Figures } from '../../bench/chaos/figures.js';
import { explainAfterAnswer } from '../../bench/chaos/history.js';
import { problemLines, scenarioTables } from '../../bench/chaos/report.js';
import { noWorker, serverRestart, workerKill, type Scenario, type ScenarioSizes } from '../../bench/chaos/scenarios.js';
import { startDevChaosServer, type ChaosServer } from '../../bench/chaos/server.js';
import { startChaosStack, type ChaosStack } from '../../bench/chaos/stack.js';

const ALERTS = 12;
const SIZES: ScenarioSizes = { workerKills: 3, serverBounces: 1, serverDownMs: 2_000, settleMs: 45_000 };
const SEED = 9;

const log = (line: string) => {
  if (process.env.CHAOS_TEST_LOG) process.stderr.write(`[chaos] ${line}\n`);
};

describe('short failure runs: nothing is lost', () => {
  let server: ChaosServer;
  let stack: ChaosStack;
  const random = seededRandom(SEED);

  beforeAll(async () => {
    server = await startDevChaosServer(log);
    stack = await startChaosStack({ server, workers: 1, restartDelayMs: 500, workflowBundle: inject('workflowBundlePath'), log });
  });

  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
  });

  const run = async (scenario: Scenario): Promise<Figures> => {
    const ctx: ScenarioContext = { stack, count: ALERTS, runId: `t${Date.now().toString(36)}`, random, log };
    const result = await scenario.run(ctx, SIZES);
    const figures = checkScenario(result);
    figures.afterAnswerTraced = await explainAfterAnswer(server, figures.afterAnswer, 20);
    if (process.env.CHAOS_TEST_LOG) process.stderr.write(`${scenarioTables({ run: result, figures })}\n`);
    return figures;
  };

  /**
   * A page whose attempt started after the workflow took the acknowledgement but before the
   * cancellation reached the server is a race this product still loses (see RELIABILITY.md); the
   * test holds the line it keeps: no page starts after the responder was told, and none is handed
   * to a worker after the cancel request.
   */
  const expectNothingLost = (f: Figures) => {
    const seen = {
      incidentsLost: f.lost.length,
      wrongFinalState: f.wrongState.length,
      stepsLost: f.stepsLost.length,
      earlySteps: f.early.length,
      pagesAfterConfirmedAnswer: f.afterConfirmed.length,
      pagesHandedOutAfterCancel: f.afterAnswerTraced.afterCancel,
      unexpectedPages: f.unexpected.length,
      incidentsRead: f.exist,
    };
    const expected = {
      incidentsLost: 0,
      wrongFinalState: 0,
      stepsLost: 0,
      earlySteps: 0,
      pagesAfterConfirmedAnswer: 0,
      pagesHandedOutAfterCancel: 0,
      unexpectedPages: 0,
      incidentsRead: ALERTS,
    };
    expect(seen, problemLines(f, 3).join('\n')).toEqual(expected);
  };

  it('loses nothing when the only worker is SIGKILLed three times under its supervisor', async () => {
    expectNothingLost(await run(workerKill));
  }, 100_000);

  it('loses nothing when the Temporal server is SIGKILLed and restarted mid-escalation', async () => {
    expectNothingLost(await run(serverRestart));
  }, 100_000);

  it('accepts alerts while no worker runs and pages every one once a worker starts', async () => {
    const f = await run(noWorker);
    expect(f.accepted).toBe(ALERTS);
    expectNothingLost(f);
  }, 100_000);
});
