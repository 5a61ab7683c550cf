import { type ApiEvent, headerValues } from "./api-event.js";
import { HttpError } from "./http-error.js";
import { parseMediaType } from "./media-type.js";

/** The largest body accepted, in UTF-8 bytes after any base64 decoding (contract §1). */
export const MAX_BODY_BYTES = 16 * 1024;

const MEDIA_TYPE_HINT =
  "Send the body as Content-Type: application/json (charset, if given, utf-8).";

const unsupported = (detail: string): HttpError =>
  new HttpError("unsupported-media-type", `${detail} ${MEDIA_TYPE_HINT}`);

/**
 * Accepts `application/json` in any case, with parameters (quoted ones too), where a `charset`
 * must be `utf-8`. `+json` types, repeated headers and any `Content-Encoding` other than
 * `identity` are refused: the service decodes none, and would otherwise read compressed bytes
 * as JSON.
 */
const checkMediaType = (event: ApiEvent): void => {
  const [value, ...others] = headerValues(event, "content-type");
  if (value === undefined) throw unsupported("The request has no Content-Type.");
  if (others.length > 0) throw unsupported("The request has more than one Content-Type.");
  const mediaType = parseMediaType(value);
  if (mediaType === undefined) throw unsupported("The Content-Type is malformed.");
  if (mediaType.type !== "application/json") {
    throw unsupported("Content-Type must be application/json.");
  }
  const charset = mediaType.parameters.get("charset");
  if (charset !== undefined && charset.toLowerCase() !== "utf-8") {
    throw unsupported("The charset must be utf-8.");
  }
  const encodings = headerValues(event, "content-encoding")
    .flatMap((header) => header.split(","))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (encodings.length > 0) {
    throw new HttpError(
      "unsupported-media-type",
      `Content-Encoding '${encodings.join(", ").slice(0, 40)}' is not supported: send the JSON body uncompressed.`,
    );
  }
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

const bodyBytes = (event: ApiEvent): Buffer => {
  const body = typeof event.body === "string" ? event.body : "";
  return event.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8");
};

/** The request carries a body at all (API Gateway sends `null` or `""` for none). */
export const hasBody = (event: ApiEvent): boolean =>
  typeof event.body === "string" && event.body.length > 0;

/**
 * Reads a REST event's body as one JSON object, or refuses it: 415 for the media type, 413
 * past the size limit, 400 for anything that is not one JSON object. Replaces Middy's JSON
 * parser, which answers malformed JSON with 415 and matches the media type case-sensitively.
 * `expected` names the members a good body has, for the empty-body answer.
 */
export const readJsonBody = (event: ApiEvent, expected: string): Record<string, unknown> => {
  checkMediaType(event);
  const bytes = bodyBytes(event);
  if (bytes.length > MAX_BODY_BYTES) {
    throw new HttpError(
      "payload-too-large",
      `The body is ${bytes.length} bytes; at most ${MAX_BODY_BYTES} are accepted.`,
    );
  }
  if (bytes.length === 0) {
    throw new HttpError("invalid-body", `The body is empty: send a JSON object with ${expected}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new HttpError("invalid-body", "The body is not valid UTF-8 JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HttpError("invalid-body", `The body must be a JSON object with ${expected}.`);
  }
  return parsed as Record<string, unknown>;
};
