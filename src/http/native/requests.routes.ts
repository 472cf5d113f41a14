import type { Readable } from 'node:stream';
import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import { parseRef } from '../../core/refs.js';
import { PageOf } from './operations.wire.js';
import { exportJson, exportZip } from './requests-export.js';
import { CreateRequestBody, createRequestInputOf, ExtendBody, presentRequest, RejectBody, RequestSchema, RequestStateSchema, RequestTypeSchema } from './requests.wire.js';
import { errorResponses, ProblemRef } from './schemas.js';
import { Cursor, Limit, parseIsoTime } from './wire.js';

const tags = ['requests'];
/** Erasure requests need "erase", access requests "read": the use case checks the type's scope. */
const REQUEST_SCOPES = ['read', 'erase'] as const;

const RefParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The request\'s id or uuid' }) });

const ListQuery = Type.Object(
  {
    state: Type.Optional(RequestStateSchema),
    type: Type.Optional(RequestTypeSchema),
    due_before: Type.Optional(Type.String({ format: 'date-time', description: 'Due before this time' })),
    overdue: Type.Optional(Type.Boolean({ description: 'true: only open requests past their deadline' })),
    limit: Limit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);

const Download = Type.Unsafe<Readable>({ type: 'string', description: 'The export, streamed' });

export async function requestsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  const now = () => core.deps.clock.now();

  app.post('/requests', {
    config: { scope: REQUEST_SCOPES },
    schema: {
      tags,
      summary: 'Record a privacy request (erasure or access) with its legal deadline; its work starts at once',
      description:
        'due_at is received_at plus the account\'s request_due_days (default 30). An erasure runs as an erase operation (accounts: "all" across the sub-accounts, by emails) ' +
        'and completes once every part is erased and the storage scrubbed; an access request gathers everything held on the person into an export. ' +
        'Scopes: erasure needs "erase", access "read". Only keyed hashes of the identifiers are kept.',
      body: CreateRequestBody,
      response: { 201: RequestSchema, ...errorResponses, 429: ProblemRef },
    },
  }, async (request, reply) => {
    const created = await core.requests.create(request.actor, createRequestInputOf(request.body));
    return reply.status(201).header('location', `/v1/requests/${created.id}`).send(presentRequest(created, now()));
  });

  app.get('/requests', {
    config: { scope: REQUEST_SCOPES },
    schema: {
      tags,
      summary: 'The account\'s privacy requests, newest first, of the types the key may see (admin: all), filtered by state, type, deadline and overdue',
      querystring: ListQuery,
      response: { 200: PageOf(RequestSchema), ...errorResponses },
    },
  }, async (request) => {
    const q = request.query;
    const page = await core.requests.list(request.actor, {
      limit: q.limit ?? 50,
      ...(q.state !== undefined ? { state: q.state } : {}),
      ...(q.type !== undefined ? { type: q.type } : {}),
      ...(q.due_before !== undefined ? { dueBefore: parseIsoTime(q.due_before) } : {}),
      ...(q.overdue !== undefined ? { overdue: q.overdue } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
    const at = now();
    return { data: page.items.map((r) => presentRequest(r, at)), next_cursor: page.nextCursor };
  });

  app.get('/requests/:id', {
    config: { scope: REQUEST_SCOPES },
    schema: { tags, summary: 'A privacy request: its state, deadline, operation, receipt or export', params: RefParam, response: { 200: RequestSchema, ...errorResponses } },
  }, async (request) => presentRequest(await core.requests.get(request.actor, parseRef(request.params.id)), now()));

  app.post('/requests/:id/reject', {
    config: { scope: REQUEST_SCOPES },
    schema: {
      tags,
      summary: 'Reject an open request with a reason; its unfinished operation is canceled (what is done stays done)',
      params: RefParam,
      body: RejectBody,
      response: { 200: RequestSchema, ...errorResponses, 409: ProblemRef },
    },
  }, async (request) => presentRequest(await core.requests.reject(request.actor, parseRef(request.params.id), request.body.reason), now()));

  app.post('/requests/:id/extend', {
    config: { scope: REQUEST_SCOPES },
    schema: {
      tags,
      summary: 'Extend an open request\'s deadline once, with a reason, up to request_max_days after receipt (default 90)',
      params: RefParam,
      body: ExtendBody,
      response: { 200: RequestSchema, ...errorResponses, 409: ProblemRef },
    },
  }, async (request) => {
    const due = request.body.due_at;
    return presentRequest(await core.requests.extend(request.actor, parseRef(request.params.id), { reason: request.body.reason, ...(due !== undefined ? { dueAt: parseIsoTime(due) } : {}) }), now());
  });

  app.get('/requests/:id/export', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'The export of a completed access request as one JSON document (the key that made the request, or an admin; until it expires)',
      params: RefParam,
      produces: ['application/json'],
      response: { 200: Download, ...errorResponses, 409: ProblemRef },
    },
  }, async (request, reply) => {
    const found = await core.requests.exportOf(request.actor, parseRef(request.params.id));
    const accounts = await core.requests.exportAccounts(found);
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="lethe-request-${found.id}.json"`)
      .header('cache-control', 'no-store')
      .send(exportJson(core, found, accounts));
  });

  app.get('/requests/:id/export.zip', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'The same export as CSV files (contacts, lists, events, audit, operations) in one zip',
      params: RefParam,
      produces: ['application/zip'],
      response: { 200: Download, ...errorResponses, 409: ProblemRef },
    },
  }, async (request, reply) => {
    const found = await core.requests.exportOf(request.actor, parseRef(request.params.id));
    const accounts = await core.requests.exportAccounts(found);
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="lethe-request-${found.id}.zip"`)
      .header('cache-control', 'no-store')
      .send(exportZip(core, found, accounts));
  });
}
