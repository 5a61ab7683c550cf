/** A parsed `Content-Type`: the lower-cased type and its parameters, names lower-cased. */
export interface MediaType {
  readonly type: string;
  readonly parameters: ReadonlyMap<string, string>;
}

// RFC 9110 §8.3.1 and §5.6: type "/" subtype *( OWS ";" OWS [ name "=" ( token / quoted-string ) ] )
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED =
  '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*"';
const PARAMETER = `(${TOKEN})=(${TOKEN}|${QUOTED})`;
// Each run of white space has exactly one place to go, so a hostile value cannot make the
// match backtrack exponentially.
const MEDIA_TYPE = new RegExp(
  `^[ \\t]*(${TOKEN}/${TOKEN})[ \\t]*((?:;[ \\t]*(?:${PARAMETER}[ \\t]*)?)*)$`,
);
const PARAMETERS = new RegExp(PARAMETER, "g");

/**
 * Parses a `Content-Type` value strictly by RFC 9110, quoted parameter values included (so a
 * `;` inside quotes is part of the value); `undefined` for anything malformed.
 */
export const parseMediaType = (value: string): MediaType | undefined => {
  const match = MEDIA_TYPE.exec(value);
  if (match === null) return undefined;
  const parameters = new Map<string, string>();
  // Both groups always take part in a match; String() only satisfies the index type.
  for (const [, name = "", raw = ""] of String(match[2]).matchAll(PARAMETERS)) {
    const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    // The first of a repeated parameter counts, as most parsers do.
    if (!parameters.has(name.toLowerCase())) parameters.set(name.toLowerCase(), unquoted);
  }
  return { type: String(match[1]).toLowerCase(), parameters };
};
