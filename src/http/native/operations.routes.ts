import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import { ANY_OPERATION_SCOPE } from '../../core/operations/operation-scope.js';
import { parseRef } from '../../core/refs.js';
import { AnalyticsQuery, AnalyticsSchema, analyticsQueryOf, presentAnalytics } from './operations-analytics.wire.js';
import { presentReceipt, ReceiptSchema } from './operations-receipt.wire.js';
import { streamProgress } from './operations-stream.js';
import {
  createInputOf,
  CreateOperationBody,
  OPERATION_BODY_LIMIT,
  OPERATION_JSON_BUDGET,
  OperationSchema,
  OutcomeSchema,
  PageOf,
  presentOperation,
  presentTarget,
  StateSchema,
  TargetSchema,
} from './operations.wire.js';
import { errorResponses, ProblemRef } from './schemas.js';
import { Cursor, Limit, parseIsoTime } from './wire.js';

const tags = ['operations'];

const RefParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The operation\'s id or uuid' }) });

const ListQuery = Type.Object(
  {
    state: Type.Optional(StateSchema),
    action: Type.Optional(Type.String({ maxLength: 32, description: 'soft_delete, restore, erase, purge (or import)' })),
    kind: Type.Optional(Type.String({ maxLength: 64, description: '"operation" for deletion work, "import.contacts" for imports' })),
    via: Type.Optional(Type.String({ maxLength: 64, description: 'The API it came through: native, sendgrid, mailjet, marketing-cloud, constant-contact, cli, scheduler' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after this time' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Created before this time' })),
    limit: Limit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);

const TargetsQuery = Type.Object({ outcome: Type.Optional(OutcomeSchema), limit: Limit, cursor: Cursor }, { additionalProperties: false });

export async function operationsRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.post('/operations', {
    // Any of these lets the request in (before its body is read); the handler checks the one the action needs.
    config: { scope: ANY_OPERATION_SCOPE, bodyText: { perItem: ['selector'] }, json: OPERATION_JSON_BUDGET },
    bodyLimit: OPERATION_BODY_LIMIT,
    schema: {
      tags,
      summary: 'Start a bulk soft delete, restore, erase or purge of up to 1,000,000 contacts; answers 202 at once with the queued operation',
      description:
        'Scopes: soft_delete and restore need "delete", erase and purge need "erase", a dry run only "read". ' +
        'Duplicates are counted once; values that are invalid or match no contact are counted per target, never fatal. ' +
        'With accounts: "all", a parent account erases the given emails in itself and every sub-account, one child operation per account.',
      body: CreateOperationBody,
      response: { 202: OperationSchema, ...errorResponses, 409: ProblemRef, 413: ProblemRef },
    },
  }, async (request, reply) => {
    // Core checks the scope the action needs (delete, erase, or read for a dry run).
    const operation = await core.operations.create(request.actor, createInputOf(request.body));
    return reply.status(202).header('location', `/v1/operations/${operation.id}`).send(presentOperation(operation));
  });

  app.get('/operations', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'The account\'s operations, newest first, filtered by state, action, kind, API (via) and creation time, with cursor pagination',
      querystring: ListQuery,
      response: { 200: PageOf(OperationSchema), ...errorResponses },
    },
  }, async (request) => {
    const q = request.query;
    const page = await core.operations.list(request.actor, {
      limit: q.limit ?? 100,
      ...(q.state !== undefined ? { state: q.state } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
      ...(q.kind !== undefined ? { kind: q.kind } : {}),
      ...(q.via !== undefined ? { via: q.via } : {}),
      ...(q.from !== undefined ? { from: parseIsoTime(q.from) } : {}),
      ...(q.to !== undefined ? { to: parseIsoTime(q.to) } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
    return { data: page.items.map(presentOperation), next_cursor: page.nextCursor };
  });

  app.get('/operations/analytics', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'Counts of operations and of their contacts by state, in hourly or daily buckets (UTC) over a date range',
      querystring: AnalyticsQuery,
      response: { 200: AnalyticsSchema, ...errorResponses },
    },
  }, async (request) => presentAnalytics(await core.operationReports.analytics(request.actor, analyticsQueryOf(request.query))));

  app.get('/operations/:id', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'An operation: state, counts, times, rate and ETA, who asked and through which API, and its per-account parts',
      params: RefParam,
      response: { 200: OperationSchema, ...errorResponses },
    },
  }, async (request) => presentOperation(await core.operations.get(request.actor, parseRef(request.params.id))));

  app.get('/operations/:id/targets', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'What became of each named target, in request order; a value is shown only while pending, afterwards only its keyed hash',
      params: RefParam,
      querystring: TargetsQuery,
      response: { 200: PageOf(TargetSchema), ...errorResponses },
    },
  }, async (request) => {
    const q = request.query;
    const page = await core.operations.targets(request.actor, parseRef(request.params.id), {
      limit: q.limit ?? 100,
      ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
    return { data: page.items.map(presentTarget), next_cursor: page.nextCursor };
  });

  app.post('/operations/:id/cancel', {
    // Core checks the rest: canceling needs the scope that starting the operation needed.
    config: { scope: ANY_OPERATION_SCOPE },
    schema: {
      tags,
      summary: 'Cancel an operation: a queued one at once, a running one at its next chunk boundary (what is done stays done)',
      params: RefParam,
      response: { 200: OperationSchema, ...errorResponses, 409: ProblemRef },
    },
  }, async (request) => {
    return presentOperation(await core.operations.cancel(request.actor, parseRef(request.params.id)));
  });

  app.get('/operations/:id/stream', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'Server-Sent Events of an operation\'s progress: a "progress" event whenever it changes, then one "done" event in a final state',
      params: RefParam,
      produces: ['text/event-stream'],
      response: {
        200: Type.String({ description: 'text/event-stream; each event\'s data is the operation as GET /v1/operations/{id} answers it' }),
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const ref = parseRef(request.params.id);
    // Read once before answering, so that an unknown id is a 404 and not an empty stream.
    const first = await core.operations.get(request.actor, ref);
    return streamProgress(request, reply, first, () => core.operations.get(request.actor, ref), () => core.keys.isActive(request.actor.keyId));
  });

  app.get('/operations/:id/receipt', {
    config: { scope: 'read' },
    schema: {
      tags,
      summary: 'The receipt of a finished operation: what was done, without personal data, anchored to the hash of its audit entry (409 until finished)',
      params: RefParam,
      response: { 200: ReceiptSchema, ...errorResponses, 409: ProblemRef },
    },
  }, async (request) => {
    const operation = await core.operations.get(request.actor, parseRef(request.params.id));
    return presentReceipt(await core.operationReports.receipt(request.actor, operation));
  });
}
