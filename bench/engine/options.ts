/** `npm run bench:engine -- [options]`: which sections, which variants, how big. */

export const SECTIONS = ['cpu', 'latency', 'throughput', 'storm', 'memory', 'big'] as const;
export type Section = (typeof SECTIONS)[number];
export const VARIANTS = ['before', 'after', 'bare'] as const;
export type VariantName = (typeof VARIANTS)[number];

export interface Sizes {
  /** Incidents on a fresh worker before a section measures (not in its figures). */
  warmup: number;
  cpuIncidents: number;
  cpuRatePerSecond: number;
  sequential: number;
  inFlight: number;
  throughputSeconds: number;
  storm: number;
  stormCapMs: number;
  openIncidents: number;
  openDelayMs: number;
  bigIncidents: number;
  bigDelayMs: number;
  /** --big-rate: incidents opened per second in the big section (undefined: as fast as the lanes go). */
  bigRatePerSecond: number | undefined;
}

export interface Options {
  quick: boolean;
  sections: Section[];
  variants: VariantName[];
  before: string | undefined;
  sizes: Sizes;
  /** --profile: workers run with `node --cpu-prof`; the profiles are kept under .artifacts/ and summarised. */
  profile: boolean;
  /** The dev server's history.timerProcessorMaxTimeShift (the test suite's 10ms), or undefined for the server default (1s). */
  timerShift: string | undefined;
}

export const USAGE = `npm run bench:engine -- [options]
  --quick              small sizes, to try the bench itself (a few minutes)
  --only a,b           sections: ${SECTIONS.join(', ')} (default: all but big; history comes with cpu)
  --big [N]            also the big section: N open incidents on one worker (default 10000)
  --big-rate R         open the big section's incidents at R per second, so level 2 comes due at that
                       rate too (default: as fast as 32 lanes go, which makes level 2 a burst)
  --storm N            alerts in the storm (default 6000; 1000 with --quick)
  --before <rev>       the before variant (default: $ENGINE_BEFORE, else HEAD)
  --variants a,b       which of before, after, bare (default: all three)
  --profile            workers run with node --cpu-prof (figures include its overhead): where their CPU goes
  --server-timer-shift default|<duration>  the dev server's timer shift (default 10ms, as the tests run it)`;

function list<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T[] {
  const names = (value ?? '').split(',').map((s) => (s === 'history' ? 'cpu' : s.trim()));
  const bad = names.filter((n) => !(allowed as readonly string[]).includes(n));
  if (!value || bad.length > 0) throw new Error(`${flag}: expected a comma-separated list of ${allowed.join(', ')}; got "${value ?? ''}"`);
  return [...new Set(names as T[])];
}

function count(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive whole number; got "${value ?? ''}"`);
  return n;
}

export function parseOptions(argv: readonly string[]): Options {
  const args = [...argv];
  const quick = args.includes('--quick');
  const profile = args.includes('--profile');
  let sections: Section[] = SECTIONS.filter((s) => s !== 'big');
  let variants: VariantName[] = [...VARIANTS];
  let before: string | undefined;
  let storm: number | undefined;
  let big: number | undefined;
  let bigRate: number | undefined;
  let timerShift: string | undefined = '10ms';
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const value = () => {
      i += 1;
      return args[i];
    };
    if (arg === '--quick' || arg === '--profile') continue;
    else if (arg === '--only') sections = list(value(), SECTIONS, '--only');
    else if (arg === '--variants') variants = list(value(), VARIANTS, '--variants');
    else if (arg === '--before') before = value();
    else if (arg === '--storm') storm = count(value(), '--storm');
    else if (arg === '--big-rate') bigRate = count(value(), '--big-rate');
    else if (arg === '--big') {
      const next = args[i + 1];
      big = next !== undefined && /^\d+$/.test(next) ? count(value(), '--big') : quick ? 500 : 10_000;
    } else if (arg === '--server-timer-shift') {
      const shift = value();
      timerShift = shift === 'default' ? undefined : shift;
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (big !== undefined && !sections.includes('big')) sections = [...sections, 'big'];
  if (sections.includes('big') && big === undefined) big = quick ? 500 : 10_000;
  const sizes: Sizes = {
    warmup: quick ? 5 : 10,
    cpuIncidents: quick ? 40 : 200,
    // Modest: at 10/s the product with the dev server keeps both cores of this machine busy.
    cpuRatePerSecond: 5,
    sequential: quick ? 20 : 100,
    inFlight: 32,
    throughputSeconds: quick ? 10 : 30,
    storm: storm ?? (quick ? 1000 : 6000),
    stormCapMs: 5 * 60_000,
    openIncidents: quick ? 200 : 1000,
    openDelayMs: quick ? 45_000 : 90_000,
    bigIncidents: big ?? 10_000,
    // Opening 10,000 takes minutes: level 2 comes due once they are all open, on a worker holding them all.
    bigDelayMs: quick ? 90_000 : 20 * 60_000,
    bigRatePerSecond: bigRate,
  };
  return { quick, sections, variants, before, sizes, timerShift, profile };
}
