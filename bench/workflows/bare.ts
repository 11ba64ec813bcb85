// Benchmark-only workflow (bench/module-cost.ts): imports nothing of the project.
export async function moduleCostBare(): Promise<string> {
  return 'bare';
}
