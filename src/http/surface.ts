import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RawServerDefault, RouteOptions } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TSchema } from 'typebox';
import type { Config } from '../config.js';
import type { Actor, Surface } from '../core/actor.js';
import type { Core } from '../core/core.js';
import { AppError } from '../core/errors.js';
import { requireAnyScope, requireScope } from '../core/keys/scopes.js';
import type { Scope } from '../core/keys/scopes.js';
import type { RateLimitPolicy, RateLimitState } from '../core/rate-limits/rate-limit.js';
import { rateLimited } from '../core/rate-limits/rate-limits.service.js';
import { actorFor, authenticate } from './auth.js';
import { refuseControlChars } from './control-chars.js';
import { bulkGateHook } from './bulk-gate.js';
import type { BulkGate } from './bulk-gate.js';
import type { Credential } from './auth.js';

/**
 * What a route needs before its handler runs:
 * - a `Scope`: a key with that scope (or `admin`);
 * - several scopes: a key with any one of them (the use case then checks the precise one,
 *   e.g. `POST /v1/operations`: the action's scope is known once the body is read);
 * - `'authenticated'`: any valid key, whatever its scopes;
 * - `false`: open, no key read (health, OAuth token endpoints that authenticate the body).
 */
export type RouteScope = Scope | readonly Scope[] | 'authenticated' | false;

/**
 * Every route of a surface declares what it needs in its Fastify `config`, in one shape:
 * `config: { scope: 'read' }`, `config: { scope: 'erase', limit: 'erasejob' }`. A route of a
 * surface without `scope` refuses to start.
 */
export interface RouteNeeds {
  scope: RouteScope;
  /** The surface's rate-limit policy this route counts against (default: `default`, when the surface has one). */
  limit?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** See `RouteNeeds.scope`. Required on every route of a surface. */
    scope?: RouteScope;
    /** See `RouteNeeds.limit`. */
    limit?: string;
  }
  interface FastifyRequest {
    /** Who is asking; set by the surface's guard on every route that is not open. */
    actor: Actor;
    /** Where the account stands against the route's rate limit, once counted. */
    rateLimit?: RateLimitState;
  }
}

/** What a surface's route plugins receive. */
export interface SurfaceContext {
  core: Core;
  config: Readonly<Config>;
  /** The server-wide bound on large bodies read at once (none: unbounded, for tests that build one surface). */
  bulkGate?: BulkGate;
}

/** The app a surface's routes are declared on: schemas are TypeBox, so handlers see typed requests. */
export type SurfaceApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** A Fastify plugin registering routes (paths relative to the mount's prefix). */
export type SurfaceRoutes = (app: SurfaceApp, context: SurfaceContext) => Promise<void>;

/** One path prefix a surface owns, and the routes served under it. */
export interface Mount {
  /** `/v1`, `/v3/marketing`: no trailing slash. No two mounts of any surfaces may overlap. */
  prefix: string;
  routes: readonly SurfaceRoutes[];
}

export interface SurfaceRateLimits {
  /**
   * The surface's policies by name, from config. A route names one with `limit`; routes
   * naming none count against `default` (if declared; else they are not limited). Buckets
   * are counted in the database, per acting account (or per key, `per: 'key'`), across
   * every server process. A name may hold several policies (per second and per day): the
   * request counts against each, and is refused when any is spent.
   */
  policies(config: Readonly<Config>): Readonly<Record<string, RateLimitPolicy | readonly RateLimitPolicy[]>>;
  /**
   * The headers shown on every response of the surface, from the account's state against
   * the route's policy (a request counted nowhere, e.g. without a key, shows a fresh window).
   */
  headers?(state: RateLimitState): Record<string, string>;
}

/**
 * A surface: one API (Lethe's own, or a vendor's) as an encapsulated Fastify plugin. The
 * guard it gets runs, for every route, in this order: credential → acting account
 * (`on-behalf-of`) → route scope → rate limit (a request refused earlier is not counted) →
 * a permit of the server's large-body gate (bulk routes, bodies over the default limit) → body read (under the route's `bodyLimit`) → schema validation → handler. Every error,
 * from any of these steps, is rendered by `renderError`; an unknown path under a mount by
 * `unknownRoute`.
 */
export interface SurfaceDeclaration {
  /** Recorded as `actor.via` on operations and in the audit. */
  name: Surface;
  mounts: readonly Mount[];
  /** Which `Authorization` credentials the surface accepts (see `Credential`). */
  credentials: readonly Credential[];
  rateLimits?: SurfaceRateLimits;
  /** Shared JSON schemas its routes `$ref` (its error body), added once per mount. */
  schemas?: readonly TSchema[];
  /** What every route of the surface shows in the OpenAPI document, unless the route says otherwise. */
  docs?: {
    tags?: readonly string[];
    /** Its credential, as named in the document's security schemes (`[{ basic: [] }]`). */
    security?: ReadonlyArray<Record<string, readonly string[]>>;
    /** The error responses every route can give (`{ 400: ErrorRef, … }`), added to each route's own. */
    errorResponses?: Readonly<Record<number, unknown>>;
  };
  /**
   * Renders any error in the vendor's shape and status. Errors arrive as thrown: use
   * `toAppError` (http/to-app-error.ts) and `STATUS_OF` (http/error-codes.ts) to map
   * Fastify's and core's errors; log `INTERNAL` ones with their cause, never values.
   */
  renderError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /**
   * A prefix around mounts of several surfaces (SendGrid: `/v3`) whose unknown paths, outside
   * every mount, this surface answers in its shape. At most one surface per prefix; it may
   * not lie inside a mount.
   */
  fallback?: string;
  /** How a path under a mount that no route serves is answered (as an AppError given to `renderError`). */
  unknownRoute?: {
    /** Check the credential (and count the default rate limit) first, as Mailjet does: no key is then 401. Default false. */
    authenticate?: boolean;
    /** The message of the `NOT_FOUND` error (default "no such route"). */
    message?: string;
    /** Answer `NOT_ALLOWED` (405) when the path is served with other methods. Default false: 404. */
    methodNotAllowed?: boolean;
  };
}

/** Declares a surface (an identity function, for types and for reading). */
export const defineSurface = (declaration: SurfaceDeclaration): SurfaceDeclaration => declaration;

const segments = (prefix: string): string[] => prefix.split('/').filter(Boolean);

/** Throws when two mounts overlap: the same prefix, or one inside another (`/v3` and `/v3/REST`). */
export function checkMounts(surfaces: readonly SurfaceDeclaration[]): void {
  const mounts = surfaces.flatMap((s) => s.mounts.map((m) => ({ surface: s.name, prefix: m.prefix })));
  for (const [i, a] of mounts.entries()) {
    if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(a.prefix)) throw new Error(`surface ${a.surface}: mount "${a.prefix}" is not a path prefix like /v1`);
    for (const b of mounts.slice(i + 1)) {
      const [x, y] = [segments(a.prefix), segments(b.prefix)];
      const shorter = x.length <= y.length ? x : y;
      const longer = shorter === x ? y : x;
      if (shorter.every((part, k) => part === longer[k])) throw new Error(`mounts overlap: ${a.surface} ${a.prefix} and ${b.surface} ${b.prefix}`);
    }
  }
  const fallbacks = surfaces.flatMap((s) => (s.fallback === undefined ? [] : [{ surface: s.name, prefix: s.fallback }]));
  for (const [i, f] of fallbacks.entries()) {
    const taken = fallbacks.slice(i + 1).find((g) => g.prefix === f.prefix);
    if (taken) throw new Error(`both ${f.surface} and ${taken.surface} claim the unknown routes under ${f.prefix}`);
    const inside = mounts.find((m) => segments(m.prefix).every((part, k) => part === segments(f.prefix)[k]));
    if (inside) throw new Error(`${f.surface}'s fallback ${f.prefix} lies inside ${inside.surface}'s mount ${inside.prefix}`);
  }
}

const patternOf = (url: string) => new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]\w*/g, '[^/]+')}/?$`);

/** The route's needs, refusing at start a route that declares none or names an unknown policy. */
function checkRoute(surface: SurfaceDeclaration, route: RouteOptions, policies: Readonly<Record<string, RateLimitPolicy | readonly RateLimitPolicy[]>>): void {
  const config = (route.config ?? {}) as { scope?: RouteScope; limit?: string };
  if (config.scope === undefined) throw new Error(`${surface.name} route ${String(route.method)} ${route.url} declares no scope`);
  if (config.limit !== undefined && !policies[config.limit]) throw new Error(`${surface.name} route ${String(route.method)} ${route.url} names no policy of its surface: ${config.limit}`);
}

function checkScope(actor: Actor, scope: RouteScope): void {
  if (scope === false || scope === 'authenticated') return;
  if (typeof scope === 'string') requireScope(actor, scope);
  else requireAnyScope(actor, scope);
}

/**
 * The onRequest hook of a surface: credential → acting account → route scope → rate limit.
 * Exported for the few routes outside surfaces that need a key (`/metrics`).
 */
export function surfaceGuard(
  core: Core,
  surface: Pick<SurfaceDeclaration, 'name' | 'credentials' | 'unknownRoute'>,
  policyOf: (request: FastifyRequest) => readonly RateLimitPolicy[] = () => [],
) {
  return async (request: FastifyRequest): Promise<void> => {
    const scope: RouteScope | undefined = request.is404 ? (surface.unknownRoute?.authenticate ? 'authenticated' : false) : request.routeOptions.config.scope;
    if (scope === false) return;
    if (scope === undefined) throw new AppError('INTERNAL', 'route declares no scope');
    const key = await authenticate(core, request, surface.credentials);
    request.actor = await actorFor(core, key, request, surface.name);
    checkScope(request.actor, scope);
    // Counted only once the key may do what it asks: a key refused above cannot spend the
    // account's allowance (a read key cannot exhaust the erase jobs' limit).
    let refused = false;
    for (const policy of policyOf(request)) {
      const state = await core.rateLimits.hit(request.actor.accountId, policy, request.actor.keyId);
      refused ||= !state.allowed;
      // The headers show the tightest window: the one refused, else the one with least left.
      if (!request.rateLimit || (!state.allowed && request.rateLimit.allowed) || (state.allowed === request.rateLimit.allowed && state.remaining < request.rateLimit.remaining)) request.rateLimit = state;
    }
    if (refused) throw rateLimited();
  };
}

/** One mount of a surface, as an encapsulated plugin (its hooks and handlers apply to it alone). */
function mountPlugin(surface: SurfaceDeclaration, mount: Mount) {
  return async (app: FastifyInstance, context: SurfaceContext): Promise<void> => {
    const { core, config } = context;
    const policies = surface.rateLimits?.policies(config) ?? {};
    const policyOf = (request: FastifyRequest): readonly RateLimitPolicy[] => {
      const named = policies[request.routeOptions.config?.limit ?? 'default'];
      return named === undefined ? [] : Array.isArray(named) ? named : [named as RateLimitPolicy];
    };
    const served: RegExp[] = [];
    const unknown = surface.unknownRoute ?? {};

    for (const schema of surface.schemas ?? []) app.addSchema(schema);
    app.addHook('onRoute', (route) => {
      checkRoute(surface, route, policies);
      served.push(patternOf(route.url));
      const { errorResponses, ...docs } = surface.docs ?? {};
      if (route.schema) route.schema = { ...docs, ...route.schema, ...(errorResponses ? { response: { ...errorResponses, ...(route.schema.response as object) } } : {}) };
    });

    app.addHook('onRequest', surfaceGuard(core, surface, policyOf));
    if (context.bulkGate) app.addHook('onRequest', bulkGateHook(context.bulkGate, config));
    app.addHook('preValidation', refuseControlChars);

    const headers = surface.rateLimits?.headers;
    if (headers) {
      app.addHook('onSend', async (request, reply) => {
        const [policy] = policyOf(request);
        const state = request.rateLimit ?? (policy && core.rateLimits.fresh(policy));
        if (state) reply.headers(headers(state));
      });
    }

    app.setErrorHandler((error, request, reply) => surface.renderError(error, request, reply));
    app.setNotFoundHandler((request) => {
      const path = request.url.split('?')[0] ?? '';
      if (unknown.methodNotAllowed && served.some((pattern) => pattern.test(path))) throw new AppError('NOT_ALLOWED', `Method ${request.method} is not allowed on this resource`);
      throw new AppError('NOT_FOUND', unknown.message ?? 'no such route');
    });

    for (const routes of mount.routes) await app.register(async (scope) => routes(scope.withTypeProvider<TypeBoxTypeProvider>(), { core, config }));
  };
}

/**
 * Registers every surface, each mount as its own encapsulated plugin under its prefix.
 * Overlapping mounts are refused before anything is registered.
 */
export async function registerSurfaces(app: FastifyInstance, surfaces: readonly SurfaceDeclaration[], context: SurfaceContext): Promise<void> {
  checkMounts(surfaces);
  for (const surface of surfaces) {
    for (const mount of surface.mounts) await app.register(mountPlugin(surface, mount), { ...context, prefix: mount.prefix });
    // Its unknown routes only: a mount without routes answers every path through the not-found handler.
    if (surface.fallback !== undefined) await app.register(mountPlugin(surface, { prefix: surface.fallback, routes: [] }), { ...context, prefix: surface.fallback });
  }
}
