import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/core.js';
import { authHook } from '../auth.js';
import { sendProblem } from '../problem.js';
import { accountsRoutes } from './accounts.routes.js';
import { auditRoutes } from './audit.routes.js';
import { contactsRoutes } from './contacts.routes.js';
import { eventsRoutes } from './events.routes.js';
import { importsRoutes } from './imports.routes.js';
import { keysRoutes } from './keys.routes.js';
import { listsRoutes } from './lists.routes.js';
import { operationsRoutes } from './operations.routes.js';
import { ProblemSchema } from './schemas.js';

export interface NativeOptions {
  core: Core;
  /** Largest body of POST /v1/imports, in bytes (default: the app's body limit). */
  importBodyLimit?: number;
}

/** Lethe's own API under /v1: Bearer keys, per-route scopes, RFC 9457 problem details. */
export async function nativeApi(app: FastifyInstance, { core, importBodyLimit }: NativeOptions): Promise<void> {
  app.addSchema(ProblemSchema);
  app.addHook('onRequest', authHook(core, 'native'));
  app.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));

  await app.register(accountsRoutes, { core });
  await app.register(keysRoutes, { core });
  await app.register(contactsRoutes, { core });
  await app.register(listsRoutes, { core });
  await app.register(eventsRoutes, { core });
  await app.register(auditRoutes, { core });
  await app.register(operationsRoutes, { core });
  await app.register(importsRoutes, { core, bodyLimit: importBodyLimit ?? app.initialConfig.bodyLimit ?? 64 * 1024 * 1024 });
}
