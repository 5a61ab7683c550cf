/** A field-level complaint about a request. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * The kinds of failure the service distinguishes. Each maps to exactly one HTTP status in
 * `http/problem.ts`; adapters map every SDK exception to one of these.
 */
export type DomainErrorKind =
  | "invalid-request"
  | "payload-too-large"
  | "unsupported-media-type"
  | "upstream-not-allowed"
  | "policy-unavailable"
  | "ecr-rejected-request"
  | "upstream-unusable"
  | "rule-not-found"
  | "rule-conflict"
  | "rule-quota-exceeded"
  | "ecr-throttled"
  | "ecr-unavailable"
  | "ecr-timeout";

export interface DomainErrorOptions {
  readonly cause?: unknown;
  readonly fields?: readonly FieldError[];
}

/**
 * The one error type that crosses from the domain and adapters to the HTTP layer.
 * `code` is ECR's exception name when ECR produced the error, else one of the service's own
 * codes. `message` is safe to show only for 4xx kinds; the HTTP layer never shows it on 5xx.
 */
export class DomainError extends Error {
  override readonly name = "DomainError";
  readonly kind: DomainErrorKind;
  readonly code: string;
  readonly fields: readonly FieldError[];

  constructor(
    kind: DomainErrorKind,
    code: string,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.fields = options.fields ?? [];
  }
}

/** The request (path, body or headers) is not acceptable; nothing behind the gate was reached. */
export const invalidRequest = (message: string, fields: readonly FieldError[]): DomainError =>
  new DomainError("invalid-request", "ValidationFailed", message, { fields });

/** The body is not one JSON object at all. */
export const invalidBody = (message: string): DomainError =>
  new DomainError("invalid-request", "InvalidBody", message);
