import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * Marketing Cloud is lenient about case, and its clients rely on it: field names are
 * accepted in either case (`Values` or `values`), and Salesforce's FuelSDK for Node
 * lower-cases the whole path and query before sending (`.../configsettings`,
 * `?operationid=`, `type=listreference`). These helpers give this surface, and only it,
 * the same leniency.
 */

/** The value of `name` in a JSON object, whatever the case of its key; undefined when absent or not an object. */
export function field(object: unknown, name: string): unknown {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return undefined;
  const record = object as Record<string, unknown>;
  if (name in record) return record[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : record[key];
}

/** The query string's parameters under lower-cased names (the first value of a repeated one). */
export function lowerQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof query !== 'object' || query === null) return out;
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    const name = key.toLowerCase();
    if (name in out) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = String(first);
  }
  return out;
}

/** Registers a route at its path and, when the path has capitals, at its lower-cased path too (hidden from the docs). */
export function routeBothCases(app: FastifyInstance, options: RouteOptions): void {
  app.route(options);
  const lower = options.url.toLowerCase();
  if (lower !== options.url) app.route({ ...options, url: lower, schema: { ...(options.schema ?? {}), hide: true } });
}
