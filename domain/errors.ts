import type { z } from 'zod';

/** One bad field: where it is and why, as a person fixing the file or request needs it. */
export interface FieldError {
  path: string;
  message: string;
  line?: number;
  column?: number;
  segments?: PropertyKey[];
}

/** `['policies', 0, 'levels', 1, 'delay']` → `policies[0].levels[1].delay`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** One line per field: `file:line:col policies[0].levels[1].delay: "15 minutes" is not a duration; use 15m`. */
export function formatFieldErrors(errors: readonly FieldError[], source?: string): string {
  return errors
    .map((error) => {
      const where = source ? `${source}${error.line ? `:${error.line}:${error.column ?? 1}` : ''} ` : '';
      return `${where}${error.path ? `${error.path}: ` : ''}${error.message}`;
    })
    .join('\n');
}
