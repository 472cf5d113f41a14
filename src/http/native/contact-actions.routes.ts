import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Core } from '../../core/core.js';
import type { SingleContactResult } from '../../core/lifecycle/lifecycle.service.js';
import { ContactSchema, presentContact } from './contacts.wire.js';
import { errorResponses, IdParam, ProblemRef } from './schemas.js';
import { Nullable } from './wire.js';

const tags = ['contacts'];

const ActionBody = Type.Object(
  { label: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "Your reference for this change (a ticket number), kept on its operation and shown on its receipt" })) },
  { additionalProperties: false },
);

const ActionResult = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  status: Type.Unsafe<'active' | 'deleted' | 'erased' | 'purged'>({ type: 'string', enum: ['active', 'deleted', 'erased', 'purged'], description: "The contact's state now; purged: its rows are gone" }),
  changed: Type.Boolean({ description: 'false when the contact was already in that state (nothing was done)' }),
  operation_id: Nullable(Type.Integer({ description: 'The completed operation of size 1 recording the change (GET /v1/operations/{id}/receipt); null when nothing changed' })),
  contact: Nullable(ContactSchema),
});

function present(id: number, result: SingleContactResult) {
  const contact = result.contact;
  return {
    id,
    uuid: contact.uuid,
    status: result.purged ? ('purged' as const) : contact.status,
    changed: result.changed,
    operation_id: result.operation?.id ?? null,
    contact: result.purged ? null : presentContact(contact),
  };
}

/** No body is a body without options (a DELETE usually has none). */
const emptyBodyIsNoOptions = async (request: FastifyRequest) => {
  request.body ??= {};
};

/**
 * One contact's lifecycle at once, without a bulk operation: soft delete (`DELETE`),
 * restore, erase, purge. Same scopes as operations (delete; erase), audited, each recorded
 * as a completed operation of size 1; answered with the contact's state.
 */
export async function contactActionsRoutes(base: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const schema = (summary: string) => ({ tags, summary, params: IdParam, body: ActionBody, response: { 200: ActionResult, ...errorResponses, 409: ProblemRef } });

  app.delete('/contacts/:id', {
    config: { scope: 'delete' },
    preValidation: emptyBodyIsNoOptions,
    schema: schema('Soft-delete a contact now (scope delete): memberships removed, data kept, restorable'),
  }, async (request) => present(request.params.id, await core.lifecycle.changeContact(request.actor, request.params.id, 'soft_delete', request.body)));

  app.post('/contacts/:id/restore', {
    config: { scope: 'delete' },
    preValidation: emptyBodyIsNoOptions,
    schema: schema('Restore a soft-deleted contact now (scope delete; 409 for an erased one)'),
  }, async (request) => present(request.params.id, await core.lifecycle.changeContact(request.actor, request.params.id, 'restore', request.body)));

  app.post('/contacts/:id/erase', {
    config: { scope: 'erase' },
    preValidation: emptyBodyIsNoOptions,
    schema: schema('Erase a contact now (scope erase): personal data and message history gone, the shell kept until its retention ends'),
  }, async (request) => present(request.params.id, await core.lifecycle.eraseOne(request.actor, request.params.id, request.body)));

  app.post('/contacts/:id/purge', {
    config: { scope: 'erase' },
    preValidation: emptyBodyIsNoOptions,
    schema: schema('Purge a contact now (scope erase): its rows are gone'),
  }, async (request) => present(request.params.id, await core.lifecycle.changeContact(request.actor, request.params.id, 'purge', request.body)));
}
