import type { FieldError } from "../domain/errors.js";

/**
 * Failures of the HTTP exchange itself, found before a request means anything to the domain:
 * the media type, the size, the body's syntax, a route that does not exist.
 */
export type TransportErrorKind =
  | "unsupported-media-type"
  | "payload-too-large"
  | "invalid-body"
  | "route-not-found";

/** A request refused for how it was sent rather than for what it asks. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly kind: TransportErrorKind;
  readonly fields: readonly FieldError[] = [];

  constructor(kind: TransportErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}
