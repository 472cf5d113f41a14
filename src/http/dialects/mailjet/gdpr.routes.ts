import type { SurfaceApp, SurfaceContext } from '../../surface.js';
import { Type } from 'typebox';
import type { Core } from '../../../core/core.js';
import { parseNumericId } from '../../../core/refs.js';

const IdParam = Type.Object({ id: Type.String({ maxLength: 20, description: 'The contact\'s integer ID' }) });

/**
 * Mailjet's v4 GDPR delete: the contact is anonymized at once and purged after the
 * account's retention. The engine decides and does it; this only translates.
 */
export async function gdprRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  const erase = async (request: { actor: Parameters<Core['lifecycle']['eraseContact']>[0]; params: { id: string } }) => {
    const id = parseNumericId(request.params.id) ?? 0;
    // Any contact the account still holds, soft-deleted ones included (Mailjet clients do
    // not see those, but their personal data is still there): unknown ids are 404.
    await core.lifecycle.eraseContact(request.actor, id);
  };

  const schema = (summary: string) => ({ summary, params: IdParam, response: { 200: Type.Unsafe<undefined>({ description: 'Deleted: no body' }) } });

  app.delete('/contacts/:id', {
    config: { scope: 'erase' },
    schema: schema('Mailjet v4 GDPR delete (200, no body): anonymize the contact now (Email \\x<40 hex>@domain.invalid, Name "Anonymized"), purge it after retention; irreversible'),
  }, async (request, reply) => {
    await erase(request);
    return reply.status(200).send(undefined);
  });

  // The path Mailjet's own Node client builds for a v4 call (`/v4/REST/contacts/{ID}`).
  app.delete('/REST/contacts/:id', {
    config: { scope: 'erase' },
    schema: schema('Mailjet v4 GDPR delete, at the path node-mailjet builds (same as DELETE /v4/contacts/{ID})'),
  }, async (request, reply) => {
    await erase(request);
    return reply.status(200).send(undefined);
  });
}
