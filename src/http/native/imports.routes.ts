import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { operationOutcome } from '../../core/operations/outcome.js';
import { OutcomeWireSchema } from './operations.wire.js';
import type { Static } from 'typebox';
import { toIso } from '../../core/clock.js';
import { MAX_LISTS_PER_WRITE } from '../../core/contacts/contact-rules.js';
import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { AppError, invalid } from '../../core/errors.js';
import type { ImportParams } from '../../core/imports/import.js';
import { IMPORT_FIELDS } from '../../core/imports/import-row.js';
import type { ImportOptions, ImportView } from '../../core/imports/imports.service.js';
import type { Operation } from '../../core/operations/operation.js';
import { OPERATION_STATES } from '../../core/operations/operation.js';
import { parseRef } from '../../core/refs.js';
import { errorResponses, IsoTime, ProblemRef } from './schemas.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import { Cursor, Limit, Nullable, NextCursor } from './wire.js';

const tags = ['imports'];

const MatchBy = Type.Unsafe<'email' | 'external_key'>({ type: 'string', enum: ['email', 'external_key'], description: 'The identity rows are matched on (default email); rows without it are reported as errors' });
const ListIds = Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { maxItems: MAX_LISTS_PER_WRITE, description: 'Lists every imported contact joins' });

const ROW_FIELDS = `${IMPORT_FIELDS.join(', ')}, custom_fields (object), attributes (object)`;

const JsonImportBody = Type.Object(
  {
    contacts: Type.Array(Type.Unknown(), {
      minItems: 1,
      description: `The rows, one object per contact, with the fields ${ROW_FIELDS}. Rows are checked one by one when the import runs: a bad row is reported in /errors and the others are imported.`,
    }),
    match_by: Type.Optional(MatchBy),
    list_ids: Type.Optional(ListIds),
  },
  { additionalProperties: false },
);

const CsvQuery = Type.Object(
  {
    match_by: Type.Optional(MatchBy),
    list_ids: Type.Optional({ ...ListIds, description: 'Lists every imported contact joins (repeat the parameter for several)' }),
  },
  { additionalProperties: false },
);

const RefParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The import\'s id or uuid' }) });

export const ImportSchema = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  state: Type.Unsafe<string>({ type: 'string', enum: [...OPERATION_STATES] }),
  outcome: OutcomeWireSchema,
  format: Type.String({ description: 'csv or json' }),
  match_by: MatchBy,
  list_ids: Type.Array(Type.Integer()),
  label: Nullable(Type.String()),
  rows: Type.Integer({ description: 'Rows in the file' }),
  processed: Type.Integer({ description: 'Rows processed so far' }),
  created: Type.Integer({ description: 'Contacts created' }),
  updated: Type.Integer({ description: 'Contacts updated (matched an existing contact, or a row earlier in the file)' }),
  invalid: Type.Integer({ description: 'Rows not imported; see /errors' }),
  failed: Type.Integer(),
  rate_per_second: Nullable(Type.Number({ description: 'Rows per second while processing' })),
  eta_seconds: Nullable(Type.Number({ description: 'Seconds left at the current rate' })),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  created_at: IsoTime,
  started_at: IsoTime,
  finished_at: IsoTime,
});

const RowErrorSchema = Type.Object({
  row: Type.Integer({ description: '1-based: the first contact (the line after a CSV header, or contacts[0]) is row 1' }),
  field: Type.String(),
  code: Type.String(),
  message: Type.String({ description: 'Why, naming the field and never its value' }),
  reason: Type.Optional(Type.String({ description: '`once_erased`: the row\'s address was once erased in the account (refused under the reimport_policy block; imported with a warning under warn)' })),
});

function presentImport(operation: Operation, tallies: { created: number; updated: number }): Static<typeof ImportSchema> {
  const params = operation.params as Partial<ImportParams> & { label?: string };
  return {
    id: operation.id,
    uuid: operation.uuid,
    state: operation.state,
    outcome: operationOutcome(operation),
    format: params.format ?? 'json',
    match_by: params.matchBy === 'externalKey' ? 'external_key' : 'email',
    list_ids: params.listIds ?? [],
    label: params.label ?? operation.label ?? null,
    rows: operation.counts.expected,
    processed: operation.counts.processed,
    created: tallies.created,
    updated: tallies.updated,
    invalid: operation.counts.invalid,
    failed: operation.counts.failed,
    rate_per_second: operation.ratePerSecond,
    eta_seconds: operation.etaSeconds,
    error: operation.error,
    created_at: toIso(operation.createdAt),
    started_at: toIso(operation.startedAt),
    finished_at: toIso(operation.finishedAt),
  };
}

const presentView = (view: ImportView) => presentImport(view.operation, view);

function optionsOf(matchBy: 'email' | 'external_key' | undefined, listIds: number[] | undefined): ImportOptions {
  return { ...(matchBy ? { matchBy: matchBy === 'external_key' ? 'externalKey' : 'email' } : {}), ...(listIds ? { listIds } : {}) };
}

/**
 * The CSV file of a `multipart/form-data` upload (a browser form, `curl -F file=@contacts.csv`):
 * its one file part, read up to the import body limit. Options go in the query, as for a CSV
 * body; any other part is refused, so that nothing sent is silently ignored.
 */
async function uploadedCsv(request: FastifyRequest, limit: number): Promise<string> {
  let csv: string | undefined;
  for await (const part of request.parts({ limits: { files: 1, fileSize: limit, fields: 10, fieldSize: 1024 } })) {
    if (part.type !== 'file') throw invalid(part.fieldname, 'a multipart upload holds one file (the CSV); put match_by and list_ids in the query');
    const bytes = await part.toBuffer();
    csv = bytes.toString('utf8');
  }
  if (csv === undefined) throw invalid('file', 'the multipart upload holds no file: send the CSV as a file part (curl -F file=@contacts.csv)');
  return csv;
}

export async function importsRoutes(app: SurfaceApp, { core, config }: SurfaceContext): Promise<void> {
  const bodyLimit = config.importBodyLimit;
  // Only this route takes multipart bodies (the plugin's parser is scoped to these routes).
  await app.register(multipart, { limits: { fileSize: bodyLimit, files: 1, fields: 10, fieldSize: 1024 } });

  app.post('/imports', {
    // A JSON row is an object with at most three more (custom_fields, attributes, list_ids).
    config: { scope: 'write', bodyText: { perItem: ['contacts'] }, json: { containers: config.importMaxRows * 4 + 16 } },
    bodyLimit,
    schema: {
      tags,
      summary: 'Import contacts in bulk from JSON or CSV (up to 1,000,000 rows); 202 with the import, which runs in the background',
      description:
        'Send `application/json` `{contacts: [...], match_by?, list_ids?}`, or a CSV body (`text/csv`) with the options in the query, ' +
        'or the CSV as the one file of a `multipart/form-data` upload (options in the query). ' +
        `A CSV's first line names the columns: ${IMPORT_FIELDS.join(', ')}, custom.<name> for a custom field and attributes.<name> for an attribute; ` +
        'names are case-insensitive, other columns are refused, and an empty cell leaves the field as it is. ' +
        'A file that cannot be imported as a whole (not CSV, no email column, empty, too many rows, unknown list) is refused with 400 and nothing is stored.',
      querystring: CsvQuery,
      body: {
        content: {
          'application/json': { schema: JsonImportBody },
          'text/csv': { schema: Type.String({ description: 'CSV with a header line' }) },
        },
      } as unknown as typeof JsonImportBody,
      response: { 202: ImportSchema, ...errorResponses, 413: ProblemRef, 415: ProblemRef },
    },
  }, async (request, reply) => {
    const body = request.body as unknown;
    let operation: Operation;
    if (request.isMultipart()) {
      const csv = await uploadedCsv(request, bodyLimit);
      operation = await core.imports.create(request.actor, { format: 'csv', csv }, optionsOf(request.query.match_by, request.query.list_ids));
    } else if (typeof body === 'string') {
      operation = await core.imports.create(request.actor, { format: 'csv', csv: body }, optionsOf(request.query.match_by, request.query.list_ids));
    } else if (typeof body === 'object' && body !== null) {
      if (Object.keys(request.query).length > 0) throw invalid('query', 'the options of a JSON import go in the body (match_by, list_ids), not in the query');
      const json = body as Static<typeof JsonImportBody>;
      operation = await core.imports.create(request.actor, { format: 'json', rows: json.contacts }, optionsOf(json.match_by, json.list_ids));
    } else {
      throw new AppError('VALIDATION_FAILED', 'send the contacts as application/json or text/csv', { field: 'body' });
    }
    return reply.status(202).header('location', `/v1/imports/${operation.id}`).send(presentImport(operation, { created: 0, updated: 0 }));
  });

  app.get('/imports/:id', {
    config: { scope: 'read' },
    schema: { tags, summary: 'An import\'s progress: state, rows processed, created, updated and invalid, rate and ETA', params: RefParam, response: { 200: ImportSchema, ...errorResponses } },
  }, async (request) => presentView(await core.imports.get(request.actor, parseRef(request.params.id))));

  app.get('/imports/:id/errors', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'The rows an import could not write: row number, field and reason (never the value), in row order',
      params: RefParam,
      querystring: Type.Object({ limit: Limit, cursor: Cursor }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(RowErrorSchema), next_cursor: NextCursor }), ...errorResponses },
    },
  }, async (request) => {
    const [after] = decodeCursor(request.query.cursor, 1) ?? [];
    const page = await core.imports.errors(request.actor, parseRef(request.params.id), { ...(after !== undefined ? { cursor: after } : {}), limit: request.query.limit ?? 100 });
    return { data: page.items, next_cursor: page.nextCursor === null ? null : encodeCursor([page.nextCursor]) };
  });

  app.get('/imports/:id/warnings', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'The rows an import wrote with a warning (reimport_policy warn: an address once erased in the account): row number and reason, never the value, in row order',
      params: RefParam,
      querystring: Type.Object({ limit: Limit, cursor: Cursor }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(RowErrorSchema), next_cursor: NextCursor }), ...errorResponses },
    },
  }, async (request) => {
    const [after] = decodeCursor(request.query.cursor, 1) ?? [];
    const page = await core.imports.errors(request.actor, parseRef(request.params.id), { ...(after !== undefined ? { cursor: after } : {}), limit: request.query.limit ?? 100 }, 'warned');
    return { data: page.items, next_cursor: page.nextCursor === null ? null : encodeCursor([page.nextCursor]) };
  });
}
