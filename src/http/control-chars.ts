import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { hasControlChars } from '../core/text.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Top-level body fields whose text core checks item by item, left out of the body's
     * check: bulk rows (a bad row is an invalid row, the rest are written) and a million
     * selector values (not walked twice). Path parameters, the query and the body's other
     * fields are checked still; a body that is text (CSV) is left to core whole.
     */
    bodyText?: { perItem: readonly string[] };
  }
}

const refused = (field: string, where: string) =>
  new AppError('VALIDATION_FAILED', `${field || where} must not contain control characters`, { field, details: [{ field, message: `${field || where} must not contain control characters` }] });

/** The first string (value or name) of a parsed JSON value holding a control character, as a field path; iterative, so depth costs no stack. */
export function controlCharPath(value: unknown, options: { freeText: boolean }): string | undefined {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [item, path] = stack.pop() as [unknown, string];
    if (typeof item === 'string') {
      if (hasControlChars(item, options)) return path;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}[${i}]`]);
    } else if (typeof item === 'object' && item !== null) {
      for (const key of Object.keys(item)) {
        const field = path ? `${path}.${key}` : key;
        if (hasControlChars(key)) return path || 'body';
        stack.push([(item as Record<string, unknown>)[key], field]);
      }
    }
  }
  return undefined;
}

/**
 * A surface's preValidation hook: path parameters and query values carry no control
 * character at all, body text none but tab and line breaks (PostgreSQL cannot store NUL,
 * and it answered 500). Refused with VALIDATION_FAILED in the surface's shape.
 */
export async function refuseControlChars(request: FastifyRequest): Promise<void> {
  const params = controlCharPath(request.params, { freeText: false });
  if (params !== undefined) throw refused(params, 'a path parameter');
  const query = controlCharPath(request.query, { freeText: false });
  if (query !== undefined) throw refused(query, 'the query');
  const { body: raw } = request;
  const perItem = request.routeOptions.config?.bodyText?.perItem;
  if (raw === undefined || raw === null || (perItem && typeof raw === 'string')) return;
  const checked = perItem && typeof raw === 'object' && !Array.isArray(raw) ? Object.fromEntries(Object.entries(raw).filter(([key]) => !perItem.includes(key))) : raw;
  const body = controlCharPath(checked, { freeText: true });
  if (body !== undefined) throw refused(body, 'the body');
}
