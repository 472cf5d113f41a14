import { defineSurface } from '../surface.js';
import { sendProblem } from '../problem.js';
import { accountsRoutes } from './accounts.routes.js';
import { auditRoutes } from './audit.routes.js';
import { contactActionsRoutes } from './contact-actions.routes.js';
import { contactsRoutes } from './contacts.routes.js';
import { erasedAddressesRoutes } from './erased-addresses.routes.js';
import { webhooksRoutes } from './webhooks.routes.js';
import { eventsRoutes } from './events.routes.js';
import { importsRoutes } from './imports.routes.js';
import { indexRoutes } from './index.routes.js';
import { keysRoutes } from './keys.routes.js';
import { listsRoutes } from './lists.routes.js';
import { operationsRoutes } from './operations.routes.js';
import { requestsRoutes } from './requests.routes.js';
import { sessionsRoutes } from './sessions.routes.js';
import { ProblemSchema } from './schemas.js';

/** Lethe's own API under /v1: Bearer keys (or the dashboard's session), per-route scopes, RFC 9457 problem details. */
export const nativeSurface = defineSurface({
  name: 'native',
  mounts: [{ prefix: '/v1', routes: [indexRoutes, accountsRoutes, keysRoutes, contactsRoutes, contactActionsRoutes, listsRoutes, eventsRoutes, auditRoutes, operationsRoutes, importsRoutes, requestsRoutes, erasedAddressesRoutes, webhooksRoutes, sessionsRoutes] }],
  // Keys for API clients; the dashboard's session cookie for the browser (see http/auth.ts).
  credentials: ['bearer-key', 'session-cookie'],
  schemas: [ProblemSchema],
  renderError: sendProblem,
});
