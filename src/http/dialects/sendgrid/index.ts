import { defineSurface } from '../../surface.js';
import { contactsRoutes } from './contacts.routes.js';
import { eraseJobRoutes } from './erasejob.routes.js';
import { sendErrors } from './errors.js';
import { listsRoutes } from './lists.routes.js';
import { ErrorResponse, errorResponses } from './schemas.js';
import { scopesRoutes } from './scopes.routes.js';
import { upsertRoutes } from './upsert.routes.js';

const MINUTE = 60_000;

/**
 * Twilio SendGrid's marketing contacts, lists and erase job, at SendGrid's own paths
 * under /v3, answering in SendGrid's shapes. Bearer keys; a per-account limit per minute
 * with SendGrid's three headers on every response (erase jobs have their own). Translation
 * only: core decides.
 */
export const sendgridSurface = defineSurface({
  name: 'sendgrid',
  mounts: [
    { prefix: '/v3/marketing', routes: [contactsRoutes, upsertRoutes, listsRoutes] },
    { prefix: '/v3/recipients', routes: [eraseJobRoutes] },
    { prefix: '/v3/scopes', routes: [scopesRoutes] },
  ],
  credentials: ['bearer-key'],
  rateLimits: {
    policies: (config) => ({
      default: { bucket: 'sendgrid', limit: config.sendgridRateLimit, windowMs: MINUTE },
      erasejob: { bucket: 'sendgrid.erasejob', limit: config.eraseJobRateLimit, windowMs: MINUTE },
    }),
    headers: (state) => ({
      'x-ratelimit-limit': String(state.limit),
      'x-ratelimit-remaining': String(state.remaining),
      'x-ratelimit-reset': String(Math.ceil(state.resetAt / 1000)),
    }),
  },
  schemas: [ErrorResponse],
  docs: { tags: ['SendGrid'], errorResponses },
  renderError: sendErrors,
  // Every other path under /v3 (outside Mailjet's and other surfaces' mounts) answers 404 in SendGrid's shape.
  fallback: '/v3',
  unknownRoute: { message: 'Not Found' },
});
