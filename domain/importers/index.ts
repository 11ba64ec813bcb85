import type { ExportFiles, ImportReport, ImportResult } from './common.js';
import { GRAFANA_ONCALL_FILES, importGrafanaOnCall } from './grafana-oncall.js';
import { OPSGENIE_FILES, importOpsgenie } from './opsgenie.js';
import { PAGERDUTY_FILES, importPagerDuty } from './pagerduty.js';

export type { ConfigDraft, ExportFiles, ImportReport, ImportResult } from './common.js';

/** The tools we import from, the list answers each needs, and its mapping. */
export const IMPORTERS = {
  pagerduty: { title: 'PagerDuty', files: PAGERDUTY_FILES, run: importPagerDuty },
  opsgenie: { title: 'Opsgenie', files: OPSGENIE_FILES, run: importOpsgenie },
  'grafana-oncall': { title: 'Grafana OnCall', files: GRAFANA_ONCALL_FILES, run: importGrafanaOnCall },
} as const satisfies Record<string, { title: string; files: readonly string[]; run: (files: ExportFiles) => ImportResult }>;

export type Vendor = keyof typeof IMPORTERS;

export function isVendor(name: string): name is Vendor {
  return Object.hasOwn(IMPORTERS, name);
}

/** The report as an engineer reads it: three sections, one line per object. */
export function formatImportReport(vendor: Vendor, report: ImportReport): string {
  const section = (title: string, lines: string[]) => [`${title} (${lines.length})`, ...lines.map((l) => `  - ${l}`)].join('\n');
  return [
    `Imported from ${IMPORTERS[vendor].title}.`,
    section('Mapped exactly', report.exact),
    section('Mapped approximately', report.approximate),
    section('No equivalent (left out)', report.none),
  ].join('\n\n');
}
