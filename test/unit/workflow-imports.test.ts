import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every incident's workflow loads the workflow bundle's modules anew, so what workflow code imports
 * at run time is paid for once per incident, in CPU and memory. Schema and date libraries belong to
 * the edges (client, API, config loader); workflow code imports their types only.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const FORBIDDEN = ['zod', 'luxon'];

/** Modules `file` imports at run time (type-only imports and exports are erased by the compiler). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      const onlyTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((element) => element.isTypeOnly);
      if (!onlyTypes) found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return found;
}

/** Each module reachable at run time from `entry`, with the chain that reaches it. */
function reachable(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const specifier of runtimeImports(file)) {
      const chain = [...(chains.get(file) ?? []), specifier];
      if (!specifier.startsWith('.')) {
        if (!chains.has(specifier)) chains.set(specifier, chain);
        continue;
      }
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (chains.has(target)) continue;
      chains.set(target, chain);
      queue.push(target);
    }
  }
  return chains;
}

describe('the workflow bundle', () => {
  const modules = reachable(resolve(ROOT, 'workflows/index.ts'));

  it.each(FORBIDDEN)('reaches no %s at run time (import its types only)', (library) => {
    const hits = [...modules.entries()].filter(([name]) => name === library || name.startsWith(`${library}/`));
    expect(hits.map(([, chain]) => chain.map((step) => step.replace(`${ROOT}/`, '')).join(' → '))).toEqual([]);
  });

  it('walks the domain modules the workflow decides with', () => {
    const local = [...modules.keys()].filter((name) => name.startsWith(ROOT)).map((name) => name.replace(`${ROOT}/`, ''));
    expect(local).toEqual(
      expect.arrayContaining(['domain/planner.ts', 'domain/business-hours.ts', 'domain/carry.ts', 'workflows/rules.ts']),
    );
  });
});
