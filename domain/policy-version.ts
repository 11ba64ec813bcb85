import { stableHash } from './hash.js';
import type { Policy } from './policy.js';

/**
 * A short, stable version of a policy snapshot: a hash of its parsed JSON. Same policy text, same
 * version, in every process; the API and CLI show it so an operator can tell which config an
 * incident runs after a reload.
 */
export function policyVersion(policy: Policy): string {
  return stableHash(JSON.stringify(policy));
}
