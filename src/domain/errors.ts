/** A field-level complaint about a request. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * The service's own problem codes: every `code` of an answer is one of these, or the exception
 * name ECR (or STS) gave. Clients branch on them; the OpenAPI document lists them.
 */
export const SERVICE_CODES = [
  "ValidationFailed",
  "InvalidBody",
  "PayloadTooLarge",
  "UnsupportedMediaType",
  "UpstreamNotAllowed",
  "RegistryNotOnboarded",
  "CallerNotAuthorized",
  "CannotRemoveCredential",
  "PolicyUnavailable",
  "EcrUnavailable",
  "EcrTimeout",
  "AssumeRoleFailed",
  "RouteNotFound",
  "InternalError",
] as const;

export type ServiceCode = (typeof SERVICE_CODES)[number];

/** The ECR exception names the service answers with a status of their own (contract §3). */
export const ECR_CODES = [
  "InvalidParameterException",
  "ValidationException",
  "UnsupportedUpstreamRegistryException",
  "SecretNotFoundException",
  "UnableToAccessSecretException",
  "UnableToDecryptSecretValueException",
  "PullThroughCacheRuleNotFoundException",
  "PullThroughCacheRuleAlreadyExistsException",
  "LimitExceededException",
  "ThrottlingException",
  "ServerException",
] as const;

export type EcrCode = (typeof ECR_CODES)[number];

/** Every `code` a problem answer carries: the service's own, or ECR's (any other AWS name on a 502). */
export type ProblemCode = ServiceCode | EcrCode;

/** Kinds whose problem code is always the service's own. */
export type ServiceErrorKind =
  | "invalid-request"
  | "upstream-not-allowed"
  | "registry-not-onboarded"
  | "caller-not-authorized"
  | "cannot-remove-credential"
  | "policy-unavailable"
  | "ecr-timeout"
  | "role-unavailable"
  | "role-throttled"
  | "role-timeout";

/** Kinds that ECR produced: the problem code is ECR's exception name, which the error carries. */
export type EcrErrorKind =
  | "ecr-rejected-request"
  | "upstream-unusable"
  | "rule-not-found"
  | "rule-conflict"
  | "rule-quota-exceeded"
  | "ecr-throttled"
  | "ecr-access-denied"
  | "ecr-unavailable";

/**
 * The kinds of failure the domain and its adapters distinguish. Each maps to exactly one row of
 * the error table in `http/problem.ts`; adapters map every SDK exception to one of these.
 */
export type DomainErrorKind = ServiceErrorKind | EcrErrorKind;

export interface DomainErrorOptions {
  readonly cause?: unknown;
  readonly fields?: readonly FieldError[];
  /** ECR's exception name, for errors that ECR produced: the problem's `code` then. */
  readonly ecrCode?: string | undefined;
  /** How long ECR asked callers to wait, when it said so. */
  readonly retryAfterSeconds?: number;
}

/**
 * The one error type that crosses from the domain and adapters to the HTTP layer. `message` is
 * safe to show only for 4xx kinds; the HTTP layer never shows it on 5xx.
 */
export class DomainError extends Error {
  override readonly name = "DomainError";
  readonly kind: DomainErrorKind;
  readonly fields: readonly FieldError[];
  /** ECR's exception name, for errors that ECR produced. */
  readonly ecrCode: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: DomainErrorKind, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.fields = options.fields ?? [];
    this.ecrCode = options.ecrCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The request (path, query or body) is not acceptable; nothing behind the gate was reached. */
export const invalidRequest = (message: string, fields: readonly FieldError[]): DomainError =>
  new DomainError("invalid-request", message, { fields });

/** True when `error` is a {@link DomainError} of `kind`. */
export const isDomainError = (error: unknown, kind: DomainErrorKind): error is DomainError =>
  error instanceof DomainError && error.kind === kind;
