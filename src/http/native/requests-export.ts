import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import yazl from 'yazl';
import { toIso } from '../../core/clock.js';
import type { Core } from '../../core/core.js';
import type { ExportRecord } from '../../core/requests/export-records.js';
import { EXPORT_COLUMNS } from '../../core/requests/export-records.js';
import { EXPORT_SECTIONS } from '../../core/requests/request.js';
import type { ExportSection, PrivacyRequest } from '../../core/requests/request.js';

/**
 * An access request's export as one JSON document, written as it is read: a header, then
 * each section's records, a stored part at a time, so a person with 100,000 events never
 * sits in memory whole.
 */
export function exportJson(core: Core, request: PrivacyRequest, accounts: ReadonlyArray<{ id: number; name: string }>): Readable {
  async function* chunks(): AsyncGenerator<string> {
    const header = { request: headerOf(request), accounts };
    yield JSON.stringify(header).slice(0, -1);
    for (const section of EXPORT_SECTIONS) {
      yield `,${JSON.stringify(section)}:[`;
      let first = true;
      let batch: string[] = [];
      for await (const record of core.requests.exportRecords(request, section)) {
        batch.push(JSON.stringify(record));
        if (batch.length >= 500) {
          yield (first ? '' : ',') + batch.join(',');
          first = false;
          batch = [];
        }
      }
      if (batch.length > 0) yield (first ? '' : ',') + batch.join(',');
      yield ']';
    }
    yield '}\n';
  }
  return Readable.from(chunks());
}

const headerOf = (r: PrivacyRequest) => ({ id: r.id, uuid: r.uuid, type: r.type, reference: r.reference, received_at: toIso(r.receivedAt), completed_at: toIso(r.completedAt) });

/** A record's cell: nested values (custom fields, categories, audit data) as JSON text. */
const cell = (value: unknown): string | number | boolean | null => (value !== null && typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean | null));

function csvOf(core: Core, request: PrivacyRequest, section: ExportSection): Readable {
  const columns: readonly string[] = EXPORT_COLUMNS[section];
  async function* rows(): AsyncGenerator<string> {
    yield stringify([columns]);
    let batch: unknown[][] = [];
    for await (const record of core.requests.exportRecords(request, section)) {
      batch.push(columns.map((c) => cell((record as ExportRecord)[c] ?? null)));
      if (batch.length >= 500) {
        yield stringify(batch);
        batch = [];
      }
    }
    if (batch.length > 0) yield stringify(batch);
  }
  return Readable.from(rows());
}

/**
 * The same export as CSV files in one zip (`contacts.csv`, `lists.csv`, `events.csv`,
 * `audit.csv`, `operations.csv`, and `request.json` with the header), each file streamed
 * when its turn comes: what a spreadsheet user opens.
 */
export function exportZip(core: Core, request: PrivacyRequest, accounts: ReadonlyArray<{ id: number; name: string }>): Readable {
  const zip = new yazl.ZipFile();
  const mtime = new Date(request.completedAt ?? request.createdAt);
  zip.addBuffer(Buffer.from(`${JSON.stringify({ request: headerOf(request), accounts }, null, 2)}\n`), 'request.json', { mtime });
  for (const section of EXPORT_SECTIONS) zip.addReadStream(csvOf(core, request, section), `${section}.csv`, { mtime });
  zip.end();
  return zip.outputStream as Readable;
}
