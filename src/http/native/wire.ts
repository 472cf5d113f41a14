import { Type } from 'typebox';
import type { TSchema } from 'typebox';
import { MAX_PAGE } from '../../core/input.js';

/** Small pieces of the /v1 wire format shared by the contact, list and event routes. */

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100, description: `Page size, 1 to ${MAX_PAGE}` }));
export const Cursor = Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The next_cursor of the previous page' }));
export const NextCursor = Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last page' }));

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Epoch ms of an ISO 8601 date-time with a zone; NaN when it is not one (core reports it). */
export function parseIsoTime(value: string): number {
  return ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
}
