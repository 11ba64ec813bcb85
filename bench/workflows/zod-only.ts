// Benchmark-only workflow (bench/module-cost.ts): loads zod and builds one schema, nothing of the project.
import { z } from 'zod';

const Input = z.strictObject({ summary: z.string() });

export async function moduleCostZod(): Promise<string> {
  return Input.safeParse({ summary: 'zod' }).success ? 'zod' : 'invalid';
}
