import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { AppError, invalid } from '../errors.js';
import { columnsOf } from './import-row.js';
import type { Column } from './import-row.js';

/** What an import reads: rows already parsed from JSON, or CSV text (a string or a byte stream). */
export type ImportSource = { format: 'json'; rows: unknown[] } | { format: 'csv'; csv: string | Readable };

export interface ReadOptions {
  /** The column the rows are matched on: a CSV without it is refused. */
  requiredColumn: 'email' | 'external_key';
  /** More rows than this refuse the whole import. */
  maxRows: number;
  /** Called once with a CSV's columns, before its first record. */
  onColumns?: (columns: Column[]) => void;
}

const SLICE = 1 << 20;

/** A large string fed to the parser in slices, so that records flow out with backpressure. */
function* slices(text: string): Generator<string> {
  for (let i = 0; i < text.length; i += SLICE) yield text.slice(i, i + SLICE);
}

const tooMany = (field: string, maxRows: number) => new AppError('PAYLOAD_TOO_LARGE', `an import holds at most ${maxRows.toLocaleString('en-US')} rows`, { field, details: [{ field, message: `an import holds at most ${maxRows} rows` }] });

/**
 * The rows of a JSON source, checked as a whole (an array of 1 to `maxRows` rows), at
 * once: they are parsed already, and a caller that batches them need not pay an
 * async step per row.
 */
export function jsonRows(source: Extract<ImportSource, { format: 'json' }>, options: Pick<ReadOptions, 'maxRows'>): unknown[] {
  if (!Array.isArray(source.rows)) throw invalid('contacts', 'contacts must be an array');
  if (source.rows.length === 0) throw invalid('contacts', 'contacts holds no rows');
  if (source.rows.length > options.maxRows) throw tooMany('contacts', options.maxRows);
  return source.rows;
}

/**
 * The rows of an import source, in order, as they are parsed: JSON rows as given, CSV
 * records as arrays of cells (their columns go to `onColumns`; `rowOfRecord` makes
 * rows of them). A CSV is never held whole as records. Problems with the file as a whole throw VALIDATION_FAILED (or
 * PAYLOAD_TOO_LARGE) before or while rows flow: the caller writes inside a
 * transaction so that a refused file leaves nothing behind. Problems with single rows
 * are not checked here: they are reported per row when the import runs.
 */
export async function* readRows(source: ImportSource, options: ReadOptions): AsyncGenerator<unknown> {
  if (source.format === 'json') {
    yield* jsonRows(source, options);
    return;
  }
  const input = typeof source.csv === 'string' ? Readable.from(slices(source.csv)) : source.csv;
  // A line with more or fewer cells than the header is one invalid row, not a refused file.
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, max_record_size: 1 << 20 });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let columns: ReturnType<typeof columnsOf>['columns'] | undefined;
  let rows = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!columns) {
        const header = columnsOf(record);
        if (header.problems[0]) throw new AppError('VALIDATION_FAILED', header.problems[0].message, { field: 'csv', details: header.problems });
        if (!header.columns.some((c) => c.kind === 'field' && c.name === options.requiredColumn)) {
          throw invalid('csv', `the CSV header has no ${options.requiredColumn} column (the first line must name the columns)`);
        }
        columns = header.columns;
        options.onColumns?.(columns);
        continue;
      }
      rows += 1;
      if (rows > options.maxRows) throw tooMany('csv', options.maxRows);
      // Its cells are not kept: which column each belongs to is unknown.
      yield record.length === columns.length ? record : null;
    }
  } catch (error) {
    input.unpipe(parser);
    parser.destroy();
    if (error instanceof CsvError) {
      // csv-parse's own messages may quote the text at fault: give the line and the kind only.
      const line = (error as CsvError & { lines?: number }).lines;
      throw invalid('csv', `the body is not valid CSV${line ? ` at line ${line}` : ''} (${error.code})`);
    }
    throw error;
  }
  if (!columns) throw invalid('csv', 'the CSV is empty: it needs a header line and at least one row');
  if (rows === 0) throw invalid('csv', 'the CSV has a header but no rows');
}
