/**
 * Ids, uuids and refs as callers write them (a path segment, a query value, a CLI flag):
 * one parser for every surface and the CLI.
 */

const NUMERIC_ID = /^\d{1,15}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The number a text of 1 to 15 digits names (always a safe integer); undefined for any other text. */
export function parseNumericId(text: string): number | undefined {
  return NUMERIC_ID.test(text) ? Number(text) : undefined;
}

/** A uuid, in either case. */
export const isUuid = (text: string): boolean => UUID.test(text);

/** A ref that is an id or a uuid: the number when it is all digits, else the text as given (core tries it as a uuid). */
export function parseRef(text: string): number | string {
  return parseNumericId(text) ?? text;
}
