/** The longest caller-supplied value the audit line carries, in characters after escaping. */
export const MAX_AUDIT_TEXT = 256;

// Characters that split lines in some log pipeline, or reorder or hide text in a viewer: C0
// and C1 controls (U+0085 included), DEL, the Unicode line and paragraph separators, bidi
// embeddings, overrides and isolates and the marks, zero-width characters, the BOM and lone surrogates.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/u;

// Every unsafe character is one UTF-16 unit, so its char code is its code point.
const escaped = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * A caller-supplied value made safe for the audit line: every unsafe character written as a
 * visible `\uXXXX` escape, at most {@link MAX_AUDIT_TEXT} characters (then `…`), whole code
 * points only. Anything but a string is left out.
 */
export const auditText = (value: unknown): string | undefined => {
  if (typeof value !== "string") return undefined;
  if (value.length <= MAX_AUDIT_TEXT && !UNSAFE.test(value)) return value;
  let out = "";
  for (const char of value) {
    const piece = UNSAFE.test(char) ? escaped(char) : char;
    if (out.length + piece.length > MAX_AUDIT_TEXT - 1) return `${out}…`;
    out += piece;
  }
  return out;
};
