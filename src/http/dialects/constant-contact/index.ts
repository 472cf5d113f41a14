import { defineSurface } from '../../surface.js';
import { activitiesRoutes } from './activities.routes.js';
import { contactsRoutes } from './contacts.routes.js';
import { ctctErrors, CtctErrorSchema, sendCtctError } from './errors.js';
import { contactListsRoutes } from './lists.routes.js';

const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;

/**
 * Constant Contact's v3 contacts, lists and bulk activities (`/v3/contacts`,
 * `/v3/contact_lists`, `/v3/activities`), answering in its shapes: code and its generated
 * client work with only the base URL changed. `Authorization: Bearer` with a Lethe key or
 * an access token Lethe issued; per-key limits per second and per day, 429 beyond either.
 * Deleting is a soft delete (scope `delete`); nothing here erases. Translation only: core decides.
 */
export const constantContactSurface = defineSurface({
  name: 'constant-contact',
  mounts: [
    { prefix: '/v3/contacts', routes: [contactsRoutes] },
    { prefix: '/v3/contact_lists', routes: [contactListsRoutes] },
    { prefix: '/v3/activities', routes: [activitiesRoutes] },
  ],
  credentials: ['bearer-key', 'access-token'],
  rateLimits: {
    policies: (config) => ({
      default: [
        { bucket: 'ctct.second', limit: config.ctctRatePerSecond, windowMs: SECOND, per: 'key' },
        { bucket: 'ctct.day', limit: config.ctctRatePerDay, windowMs: DAY, per: 'key' },
      ],
    }),
  },
  schemas: [CtctErrorSchema],
  docs: { tags: ['Constant Contact'], errorResponses: ctctErrors },
  renderError: sendCtctError,
  unknownRoute: { message: 'Not Found', methodNotAllowed: true },
});
