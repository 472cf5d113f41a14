import { defineSurface } from '../../surface.js';
import { analyticsRoutes } from './analytics.routes.js';
import { contactsRoutes } from './contacts.routes.js';
import { deleteRoutes } from './delete.routes.js';
import { MarketingCloudErrorSchema, mcErrors, sendMarketingCloudError } from './errors.js';
import { tokenRoutes } from './token.routes.js';

const MINUTE = 60_000;

/**
 * Salesforce Marketing Cloud's Contact Delete on Lethe: code and official clients work
 * with only the auth URL changed. `POST /v2/token` trades a key's id and secret for an
 * access token (20 minutes, for the key's account or one of its sub-accounts, Marketing
 * Cloud's business units); the contacts routes take that token. Errors in Marketing
 * Cloud's shapes; a per-account limit per minute (429 beyond it). Paths and query names
 * are accepted lower-cased too, as Marketing Cloud accepts them. Translation only.
 */
export const marketingCloudSurface = defineSurface({
  name: 'marketing-cloud',
  mounts: [
    { prefix: '/v2/token', routes: [tokenRoutes] },
    { prefix: '/contacts', routes: [contactsRoutes, deleteRoutes, analyticsRoutes] },
  ],
  credentials: ['access-token'],
  rateLimits: { policies: (config) => ({ default: { bucket: 'marketing-cloud', limit: config.marketingCloudRateLimit, windowMs: MINUTE } }) },
  schemas: [MarketingCloudErrorSchema],
  docs: { tags: ['Marketing Cloud'], security: [{ bearer: [] }], errorResponses: mcErrors },
  renderError: sendMarketingCloudError,
  unknownRoute: { message: 'Resource not found' },
});
