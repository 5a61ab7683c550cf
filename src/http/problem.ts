import type { PolicyDecision } from "../domain/audit-trail.js";
import {
  DomainError,
  type DomainErrorKind,
  type FieldError,
  type ProblemCode,
} from "../domain/errors.js";
import type { ApiResult } from "./api-event.js";
import { HttpError, type TransportErrorKind } from "./http-error.js";

/** RFC 9457 problem details, as every error answer carries them. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly requestId: string;
  readonly errors?: readonly FieldError[];
}

export type ProblemKind = DomainErrorKind | TransportErrorKind | "internal";

/** What the request was doing when it failed, for the wording of a generic 5xx detail. */
export interface ProblemSituation {
  /** The route changes rules (create, delete, sync): a time-out may have changed one. */
  readonly changes: boolean;
}

/** One row of the error table: everything the answer, its headers and the audit line need. */
export interface ProblemRow {
  readonly status: number;
  readonly title: string;
  /** The answer's `code`; for rows from ECR, used only when the error carries no ECR name. */
  readonly code: ProblemCode;
  /** ECR produced it: `code` is ECR's exception name, and the audit line's `ecrErrorCode`. */
  readonly fromEcr: boolean;
  /** The answer says when to come back: the wait ECR asked for, else the default. */
  readonly retryAfter: boolean;
  /** For 5xx: the only detail ever shown, so nothing internal can leak. */
  readonly genericDetail?: (situation: ProblemSituation) => string;
  /**
   * The decision a gated route's audit line records when a request ends here before the policy
   * was asked (refused before the gate, or no policy at all).
   */
  readonly auditDecision?: PolicyDecision;
}

/** Retry-After for throttling that outlasted the SDK's own retries, in seconds. */
export const THROTTLED_RETRY_AFTER_SECONDS = 2;

const row = (
  status: number,
  title: string,
  code: ProblemCode,
  extra: Partial<Omit<ProblemRow, "status" | "title" | "code">> = {},
): ProblemRow => ({ status, title, code, fromEcr: false, retryAfter: false, ...extra });

const fixed = (detail: string) => () => detail;
const ecr = { fromEcr: true } as const;
const refused = { auditDecision: "invalid" } as const;

const retryWording = ({ changes }: ProblemSituation): string =>
  changes
    ? "The change may or may not have been made; retrying is safe."
    : "Nothing was changed; retrying is safe.";

/** The one table from every kind of failure to its answer (contract §3). */
export const PROBLEM_TABLE: Readonly<Record<ProblemKind, ProblemRow>> = {
  "invalid-request": row(400, "Invalid request", "ValidationFailed", refused),
  "invalid-body": row(400, "Invalid body", "InvalidBody", refused),
  "payload-too-large": row(413, "Payload too large", "PayloadTooLarge", refused),
  "unsupported-media-type": row(415, "Unsupported media type", "UnsupportedMediaType", refused),
  "route-not-found": row(404, "No such route", "RouteNotFound"),
  "upstream-not-allowed": row(403, "Upstream registry not allowed", "UpstreamNotAllowed"),
  "registry-not-onboarded": row(403, "Registry not onboarded", "RegistryNotOnboarded"),
  "caller-not-authorized": row(403, "Caller not authorized", "CallerNotAuthorized"),
  "cannot-remove-credential": row(409, "Credential cannot be removed", "CannotRemoveCredential"),
  "ecr-rejected-request": row(400, "Rejected by ECR", "InvalidParameterException", ecr),
  "upstream-unusable": row(
    422,
    "Upstream registry unusable",
    "UnsupportedUpstreamRegistryException",
    ecr,
  ),
  "rule-not-found": row(404, "Cache rule not found", "PullThroughCacheRuleNotFoundException", ecr),
  "rule-conflict": row(
    409,
    "Cache rule conflict",
    "PullThroughCacheRuleAlreadyExistsException",
    ecr,
  ),
  "rule-quota-exceeded": row(429, "Cache rule quota reached", "LimitExceededException", ecr),
  "ecr-throttled": row(429, "Too many requests", "ThrottlingException", {
    ...ecr,
    retryAfter: true,
  }),
  "policy-unavailable": row(503, "Policy unavailable", "PolicyUnavailable", {
    auditDecision: "denied",
    genericDetail: fixed(
      "The upstream registry policy could not be loaded; no request is admitted.",
    ),
  }),
  "ecr-access-denied": row(502, "Bad gateway", "EcrUnavailable", {
    ...ecr,
    genericDetail: fixed(
      "ECR refused the service access to this registry: nothing was changed, and retrying will not help. The platform team must grant the service's role the pull through cache permissions in that registry's account.",
    ),
  }),
  "ecr-unavailable": row(502, "Bad gateway", "EcrUnavailable", {
    ...ecr,
    genericDetail: fixed("ECR could not complete the request. Try again later."),
  }),
  "ecr-timeout": row(504, "Gateway timeout", "EcrTimeout", {
    genericDetail: (situation) => `ECR did not answer in time. ${retryWording(situation)}`,
  }),
  "role-unavailable": row(502, "Bad gateway", "AssumeRoleFailed", {
    genericDetail: fixed(
      "The service could not take on its role for this registry. Try again later; if it persists, the platform team must check the registry's onboarding.",
    ),
  }),
  "role-throttled": row(429, "Too many requests", "AssumeRoleFailed", {
    retryAfter: true,
    genericDetail: fixed("AWS STS is throttling the service. Try again later."),
  }),
  "role-timeout": row(504, "Gateway timeout", "AssumeRoleFailed", {
    genericDetail: (situation) =>
      `AWS STS did not answer in time. ${retryWording({ ...situation, changes: false })}`,
  }),
  internal: row(500, "Internal error", "InternalError", {
    genericDetail: fixed("The service failed unexpectedly. Try again later."),
  }),
};

/** The kind of any thrown value: one of the table's rows. */
export const problemKindOf = (error: unknown): ProblemKind =>
  error instanceof DomainError || error instanceof HttpError ? error.kind : "internal";

/** Errors that Middy's own middlewares throw carry `statusCode` and `expose`. */
const httpErrorStatus = (error: unknown): number | undefined => {
  if (typeof error !== "object" || error === null || !("statusCode" in error)) return undefined;
  const { statusCode } = error;
  return typeof statusCode === "number" && statusCode >= 400 && statusCode <= 499
    ? statusCode
    : undefined;
};

const MIDDY_KINDS: Readonly<Record<number, ProblemKind>> = {
  413: "payload-too-large",
  415: "unsupported-media-type",
};

/** How a request ended, as the audit line records it: the error table's row and the code. */
export interface Failure {
  readonly row: ProblemRow;
  readonly code: string;
}

/** The {@link Failure} a thrown value stands for. */
export const failureOf = (error: unknown): Failure => {
  const kind = problemKindOf(error);
  return { row: PROBLEM_TABLE[kind], code: problemCodeOf(error, kind) };
};

/** The answer's code: ECR's name for a row from ECR when the error has one, else the row's. */
export const problemCodeOf = (error: unknown, kind: ProblemKind): string =>
  (PROBLEM_TABLE[kind].fromEcr && error instanceof DomainError ? error.ecrCode : undefined) ??
  PROBLEM_TABLE[kind].code;

/** The problem details for any thrown value; 5xx details never echo the error's own message. */
export const problemFor = (
  error: unknown,
  requestId: string,
  situation: ProblemSituation = { changes: true },
): ProblemBody => {
  const kind = problemKindOf(error);
  if (kind === "internal") {
    const status = httpErrorStatus(error);
    if (status !== undefined) {
      const exposed =
        typeof error === "object" && error !== null && "expose" in error && error.expose === true;
      const middyKind = MIDDY_KINDS[status] ?? "invalid-request";
      return {
        type: `urn:ecr-cache-rules:problem:${middyKind}`,
        title: PROBLEM_TABLE[middyKind].title,
        status,
        detail:
          exposed && error instanceof Error ? error.message : "The request could not be processed.",
        code: PROBLEM_TABLE[middyKind].code,
        requestId,
      };
    }
  }
  const row = PROBLEM_TABLE[kind];
  const fields = error instanceof DomainError || error instanceof HttpError ? error.fields : [];
  const message = error instanceof Error ? error.message : "";
  return {
    type: `urn:ecr-cache-rules:problem:${kind}`,
    title: row.title,
    status: row.status,
    detail: row.genericDetail?.(situation) ?? message,
    code: problemCodeOf(error, kind),
    requestId,
    ...(fields.length > 0 ? { errors: fields } : {}),
  };
};

/** The HTTP answer for a problem; throttling says when to come back. */
export const problemResponse = (problem: ProblemBody, error: unknown): ApiResult => {
  const row = PROBLEM_TABLE[problemKindOf(error)];
  const retryAfter =
    (error instanceof DomainError ? error.retryAfterSeconds : undefined) ??
    THROTTLED_RETRY_AFTER_SECONDS;
  return {
    statusCode: problem.status,
    headers: {
      "Content-Type": "application/problem+json",
      "Cache-Control": "no-store",
      ...(row.retryAfter ? { "Retry-After": String(retryAfter) } : {}),
    },
    body: JSON.stringify(problem),
  };
};
