import type { Policy } from './policy.js';

/**
 * A short, stable version of a policy snapshot: FNV-1a (64 bits, as two 32-bit halves) of its
 * parsed JSON. Same policy text, same version, in every process; the API and CLI show it so an
 * operator can tell which config an incident runs after a reload.
 */
export function policyVersion(policy: Policy): string {
  const text = JSON.stringify(policy);
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x01000193 ^ 0x5bd1e995) >>> 0;
  }
  return `${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}
