// Benchmark-only workflow (bench/module-cost.ts): loads the production workflow modules (the same
// module graph as the escalation worker's bundle, domain/ and zod included) and returns at once.
import * as production from '../../workflows/index.js';

export async function moduleCostProduction(): Promise<string> {
  return `production modules (${Object.keys(production).length} exports)`;
}
