/**
 * Durations in config and API bodies: `0`, `500ms`, `5m`, `1h30m`, `2d`, or ISO-8601 (`PT15M`,
 * `P1DT2H`). Calendar units (years, months) are refused: an escalation delay must be a fixed span.
 * Parsed to whole milliseconds; numbers are taken as milliseconds already.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const COMPACT = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w))+$/;
const COMPACT_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export type DurationParse = { ok: true; ms: number } | { ok: false; reason: string };

export function parseDuration(value: string | number): DurationParse {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0
      ? { ok: true, ms: Math.round(value) }
      : { ok: false, reason: `${value} is not a duration; use a non-negative number of milliseconds` };
  }
  const text = value.trim();
  if (text === '0') return { ok: true, ms: 0 };
  if (COMPACT.test(text)) {
    let ms = 0;
    for (const [, amount, unit] of text.matchAll(COMPACT_PART)) {
      ms += Number(amount) * (UNIT_MS[unit as string] as number);
    }
    return { ok: true, ms: Math.round(ms) };
  }
  const upper = text.toUpperCase();
  const iso = ISO.exec(upper);
  if (iso && upper !== 'P' && !upper.endsWith('T')) {
    const [, w, d, h, m, s] = iso.map((part) => (part === undefined ? 0 : Number(part)));
    const ms = (w ?? 0) * UNIT_MS.w! + (d ?? 0) * UNIT_MS.d! + (h ?? 0) * UNIT_MS.h! + (m ?? 0) * UNIT_MS.m! + (s ?? 0) * 1000;
    return { ok: true, ms: Math.round(ms) };
  }
  if (/^P[^T]*[YM]/.test(upper)) {
    return { ok: false, reason: `"${value}" uses years or months, which have no fixed length; use days (P30D) or 720h` };
  }
  return { ok: false, reason: `"${value}" is not a duration; use ${suggestDuration(text)}` };
}

/** A hint for the common mistakes: `15 minutes` → `15m`, `2 hours` → `2h`. */
function suggestDuration(text: string): string {
  const words = /^(\d+(?:\.\d+)?)\s*(milliseconds?|millis?|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)$/i.exec(text);
  if (words) {
    const unit = words[2]!.toLowerCase();
    const short = unit.startsWith('milli')
      ? 'ms'
      : unit.startsWith('s')
        ? 's'
        : unit.startsWith('mi')
          ? 'm'
          : unit.startsWith('h')
            ? 'h'
            : unit.startsWith('d')
              ? 'd'
              : 'w';
    return `${words[1]}${short}`;
  }
  return 'a form such as 500ms, 30s, 5m, 1h30m, 2d or PT15M';
}

/** Formats milliseconds as the compact form (`1h30m`, `500ms`): for logs, messages and the UI. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms);
  if (rest <= 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', UNIT_MS.d!],
    ['h', UNIT_MS.h!],
    ['m', UNIT_MS.m!],
    ['s', UNIT_MS.s!],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}
