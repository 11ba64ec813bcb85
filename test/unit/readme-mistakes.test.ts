import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../domain/config-text.js';
import { formatFieldErrors } from '../../domain/errors.js';

/**
 * README.md's "Refused at load" shows each mistake as a YAML block followed by the errors quoted
 * in a text block. Each pair is parsed here as escalation.yaml, with ESCALATION_ENV unset, and
 * must print exactly the quoted lines: the documentation cannot drift from what the engine says.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('### Refused at load'), readme.indexOf('## Policies, routes and gates'));
const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```\n\n```text\n([\s\S]*?)```/g)].map((match, index) => ({
  index: index + 1,
  yaml: match[1] ?? '',
  quoted: (match[2] ?? '').trim(),
}));

describe("README's examples of mistakes refused at load", () => {
  it('has the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  it.each(examples)('example $index prints the error quoted under it', ({ yaml, quoted }) => {
    const result = parseConfigText(yaml, {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatFieldErrors(result.errors, 'escalation.yaml')).toBe(quoted);
  });
});
