import type { SurfaceApp, SurfaceContext } from '../surface.js';
import { Type } from 'typebox';
import type { ErasedAddress } from '../../core/reimport/erased-address.js';
import { toIso } from '../../core/clock.js';
import { errorResponses } from './schemas.js';
import { Limit, NextCursor, Nullable } from './wire.js';

const tags = ['erased addresses'];

const ErasedAddressSchema = Type.Object({
  address_hash: Type.String({ description: 'HMAC-SHA256 (hex) of the normalized address under the server\'s secret; never the address' }),
  operation_id: Nullable(Type.Integer({ description: 'The operation that erased it' })),
  erased_at: Type.String({ format: 'date-time' }),
});

const present = (e: ErasedAddress) => ({ address_hash: e.addressHash, operation_id: e.operationId, erased_at: toIso(e.erasedAt) as string });

/** The re-import guard's suppressions: one keyed hash per address erased in the account. */
export async function erasedAddressesRoutes(app: SurfaceApp, { core }: SurfaceContext): Promise<void> {
  app.get('/erased-addresses', {
    config: { scope: 'admin' },
    schema: {
      tags,
      summary: 'The account\'s erased-address suppressions (hashes, dates, the erasing operation), in hash order, with their count',
      querystring: Type.Object({ limit: Limit, cursor: Type.Optional(Type.String({ maxLength: 64, description: 'next_cursor of the previous page' })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(ErasedAddressSchema), count: Type.Integer({ description: 'Suppressions the account holds' }), next_cursor: NextCursor }), ...errorResponses },
    },
  }, async (request) => {
    const page = await core.erasedAddresses.list(request.actor, { limit: request.query.limit ?? 100, ...(request.query.cursor !== undefined ? { afterHash: request.query.cursor } : {}) });
    return { data: page.items.map(present), count: page.count, next_cursor: page.nextAfterHash };
  });

  app.post('/erased-addresses/lift', {
    config: { scope: 'admin' },
    schema: {
      tags,
      summary: 'Lift the suppression of one address (the person consented again): it may then be written whatever the policy; audited with the reason (erased_address.lifted)',
      body: Type.Object({
        email: Type.String({ minLength: 1, maxLength: 254 }),
        reason: Type.String({ minLength: 1, maxLength: 200, description: 'Why (kept in the audit; must not hold the address)' }),
      }, { additionalProperties: false }),
      response: { 200: ErasedAddressSchema, ...errorResponses },
    },
  }, async (request) => present(await core.erasedAddresses.lift(request.actor, request.body.email, request.body.reason)));
}
