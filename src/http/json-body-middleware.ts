import type { MiddlewareObj } from "@middy/core";
import { DomainError, invalidBody } from "../domain/errors.js";
import { type ApiEvent, type ApiResult, headerValues } from "./api-event.js";

export interface JsonBodyOptions {
  /** The largest body accepted, in UTF-8 bytes after any base64 decoding. */
  readonly maxBytes?: number;
}

const unsupported = (detail: string): DomainError =>
  new DomainError("unsupported-media-type", "UnsupportedMediaType", detail);

const MEDIA_TYPE_HINT =
  "Send the body as Content-Type: application/json (charset, if given, utf-8).";

/**
 * Accepts `application/json` in any case, with parameters, where a `charset` must be `utf-8`.
 * `+json` types and anything unparseable are refused: the contract admits exactly one type.
 */
const checkContentType = (values: readonly string[]): void => {
  const [value, ...others] = values;
  if (value === undefined) throw unsupported(`The request has no Content-Type. ${MEDIA_TYPE_HINT}`);
  if (others.length > 0) {
    throw unsupported(`The request has more than one Content-Type. ${MEDIA_TYPE_HINT}`);
  }
  const semicolon = value.indexOf(";");
  const mediaType = semicolon === -1 ? value : value.slice(0, semicolon);
  const parameters = semicolon === -1 ? [] : value.slice(semicolon + 1).split(";");
  if (mediaType.trim().toLowerCase() !== "application/json") {
    throw unsupported(`Content-Type must be application/json. ${MEDIA_TYPE_HINT}`);
  }
  for (const parameter of parameters) {
    const separator = parameter.indexOf("=");
    if (separator <= 0) {
      throw unsupported(`The Content-Type parameters are malformed. ${MEDIA_TYPE_HINT}`);
    }
    const name = parameter.slice(0, separator).trim().toLowerCase();
    const quoted = parameter.slice(separator + 1).trim();
    const charset = quoted.replace(/^"(.*)"$/, "$1").toLowerCase();
    if (name === "charset" && charset !== "utf-8") {
      throw unsupported(`The charset must be utf-8. ${MEDIA_TYPE_HINT}`);
    }
  }
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

const bodyBytes = (event: ApiEvent): Buffer => {
  const body = typeof event.body === "string" ? event.body : "";
  return event.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8");
};

/**
 * Turns a REST event's body into a parsed JSON object, or refuses it: 415 for the media type,
 * 413 past the size limit, 400 for anything that is not one JSON object. Replaces Middy's JSON
 * parser, which answers malformed JSON with 415 and matches the media type case-sensitively.
 */
export const jsonBody = ({
  maxBytes = 16 * 1024,
}: JsonBodyOptions = {}): MiddlewareObj<ApiEvent, ApiResult> => ({
  name: "jsonBody",
  before: (request) => {
    const { event } = request;
    checkContentType(headerValues(event, "content-type"));
    const bytes = bodyBytes(event);
    if (bytes.length > maxBytes) {
      throw new DomainError(
        "payload-too-large",
        "PayloadTooLarge",
        `The body is ${bytes.length} bytes; at most ${maxBytes} are accepted.`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(bytes));
    } catch {
      throw invalidBody("The body is not valid UTF-8 JSON.");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw invalidBody("The body must be a JSON object.");
    }
    event.body = parsed;
  },
});
