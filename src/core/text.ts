/**
 * Control characters in text. PostgreSQL's text cannot hold NUL, and no field Lethe keeps
 * means anything by the other C0 characters; free text (a reason, a custom value) keeps
 * tab and line breaks. Checked where values enter: a bad value is refused, a bad row of a
 * bulk write is an invalid row.
 */

// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** True when `text` holds a control character (U+0000–U+001F, U+007F); with `freeText`, tab, LF and CR are allowed. */
export function hasControlChars(text: string, options: { freeText?: boolean } = {}): boolean {
  return (options.freeText ? CONTROL_BUT_LINE_BREAKS : ANY_CONTROL).test(text);
}
