import { defineSurface } from '../../surface.js';
import { contactsRoutes } from './contacts.routes.js';
import { mailjetErrors, MailjetErrorSchema, sendMailjetError } from './errors.js';
import { gdprRoutes } from './gdpr.routes.js';
import { listsRoutes } from './lists.routes.js';

const MINUTE = 60_000;

/**
 * Mailjet's contact and GDPR deletion API (`/v3/REST/...`, `/v4/...`) on Lethe: code written
 * for Mailjet works with only the host changed. Basic auth with a key's public id and secret
 * (Mailjet's API key and secret key), then the account's per-minute call limit (Mailjet
 * answers 429 past it; it documents no headers). Every path under a mount answers in
 * Mailjet's shape once the key is checked: 405 where the path exists with other methods,
 * else 404. Translation only; core decides.
 */
export const mailjetSurface = defineSurface({
  name: 'mailjet',
  mounts: [
    { prefix: '/v3/REST', routes: [contactsRoutes, listsRoutes] },
    { prefix: '/v4', routes: [gdprRoutes] },
  ],
  credentials: ['basic-key'],
  rateLimits: { policies: (config) => ({ default: { bucket: 'mailjet', limit: config.mailjetRateLimit, windowMs: MINUTE } }) },
  schemas: [MailjetErrorSchema],
  docs: { tags: ['Mailjet'], security: [{ basic: [] }], errorResponses: mailjetErrors },
  renderError: sendMailjetError,
  unknownRoute: { authenticate: true, methodNotAllowed: true, message: 'no such resource' },
});
