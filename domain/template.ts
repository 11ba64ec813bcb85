/**
 * `{{ incident.<field> }}` in an action's URL, headers and body: the incident's id, key, summary,
 * severity, service, source, state, level, or `labels.<name>`. An unknown field or a label the
 * incident does not carry becomes the empty string. Pure, applied in the activity.
 */
export type TemplateIncident = Record<string, unknown> & { labels?: Record<string, string> };

const FIELD = /\{\{\s*incident\.([A-Za-z][A-Za-z0-9_.-]*)\s*\}\}/g;

export function fillTemplate(text: string, incident: TemplateIncident): string {
  return text.replace(FIELD, (_match, path: string) => {
    if (path.startsWith('labels.')) return incident.labels?.[path.slice('labels.'.length)] ?? '';
    const value = path === 'id' ? incident['workflowId'] : incident[path];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  });
}

/** fillTemplate over every string in a JSON value (objects and arrays walked, keys left as they are). */
export function fillJson(value: unknown, incident: TemplateIncident): unknown {
  if (typeof value === 'string') return fillTemplate(value, incident);
  if (Array.isArray(value)) return value.map((item) => fillJson(item, incident));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillJson(item, incident)]));
  }
  return value;
}
