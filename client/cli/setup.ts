import type { Connection } from '@temporalio/client';
import { INCIDENT_SEARCH_ATTRIBUTES, INDEXED_VALUE_TYPE } from '../../workflows/search-attributes.js';

const TYPE_NAME = Object.fromEntries(Object.entries(INDEXED_VALUE_TYPE).map(([name, n]) => [n, name]));

/** A search attribute exists with another type: Temporal cannot change it in place. */
export class SearchAttributeConflictError extends Error {
  constructor(
    readonly conflicts: { name: string; want: string; have: string }[],
    namespace: string,
  ) {
    super(
      conflicts
        .map((c) => `search attribute ${c.name} exists on namespace ${namespace} as ${c.have}, but the incident workflow needs ${c.want}`)
        .join('\n') +
        '\nremove it (temporal operator search-attribute remove --name <name>) or use another namespace, then run setup again',
    );
    this.name = 'SearchAttributeConflictError';
  }
}

export interface SetupResult {
  namespace: string;
  added: string[];
  present: string[];
}

/**
 * Registers the incident search attributes on a namespace of any Temporal server. Idempotent:
 * attributes already there with the right type are left alone; one with a wrong type stops setup
 * before anything is added.
 */
export async function setupSearchAttributes(connection: Connection, namespace: string): Promise<SetupResult> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom: Record<string, number> = {};
  for (const [name, type] of Object.entries(existing.customAttributes ?? {})) custom[name] = Number(type);
  const added: string[] = [];
  const present: string[] = [];
  const conflicts: { name: string; want: string; have: string }[] = [];
  const missing: Record<string, number> = {};
  for (const key of INCIDENT_SEARCH_ATTRIBUTES) {
    const want = INDEXED_VALUE_TYPE[key.type];
    const have = custom[key.name];
    if (have === undefined) {
      missing[key.name] = want;
      added.push(key.name);
    } else if (have !== want) {
      conflicts.push({ name: key.name, want: key.type, have: TYPE_NAME[have] ?? String(have) });
    } else {
      present.push(key.name);
    }
  }
  if (conflicts.length > 0) throw new SearchAttributeConflictError(conflicts, namespace);
  if (added.length > 0) await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return { namespace, added, present };
}
