import { DomainError, type DomainErrorKind, type FieldError } from "../domain/errors.js";
import type { ApiResult } from "./api-event.js";

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

interface ProblemRow {
  readonly status: number;
  readonly title: string;
  /** For 5xx: the only detail ever shown, so nothing internal can leak. */
  readonly genericDetail?: string;
}

/** Retry-After for throttling that outlasted the SDK's own retries, in seconds. */
export const THROTTLED_RETRY_AFTER_SECONDS = 2;

/** The one table from domain error kind to HTTP status (contract §3). */
export const PROBLEM_TABLE: Readonly<Record<DomainErrorKind, ProblemRow>> = {
  "invalid-request": { status: 400, title: "Invalid request" },
  "payload-too-large": { status: 413, title: "Payload too large" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "upstream-not-allowed": { status: 403, title: "Upstream registry not allowed" },
  "ecr-rejected-request": { status: 400, title: "Rejected by ECR" },
  "upstream-unusable": { status: 422, title: "Upstream registry unusable" },
  "rule-not-found": { status: 404, title: "Cache rule not found" },
  "rule-conflict": { status: 409, title: "Cache rule conflict" },
  "rule-quota-exceeded": { status: 429, title: "Cache rule quota reached" },
  "ecr-throttled": { status: 429, title: "Too many requests" },
  "policy-unavailable": {
    status: 503,
    title: "Policy unavailable",
    genericDetail: "The upstream registry policy could not be loaded; no request is admitted.",
  },
  "ecr-unavailable": {
    status: 502,
    title: "Bad gateway",
    genericDetail: "ECR could not complete the request. Try again later.",
  },
  "ecr-timeout": {
    status: 504,
    title: "Gateway timeout",
    genericDetail:
      "ECR did not answer in time. The rule may or may not have been created; retrying is safe.",
  },
};

/** Errors that Middy's own middlewares throw carry `statusCode` and `expose`. */
const httpErrorStatus = (error: unknown): number | undefined => {
  if (typeof error !== "object" || error === null || !("statusCode" in error)) return undefined;
  const { statusCode } = error;
  return typeof statusCode === "number" && statusCode >= 400 && statusCode <= 499
    ? statusCode
    : undefined;
};

const MIDDY_CODES: Readonly<Record<number, string>> = {
  413: "PayloadTooLarge",
  415: "UnsupportedMediaType",
};

/** The problem details for any thrown value; 5xx details never echo the error's own message. */
export const problemFor = (error: unknown, requestId: string): ProblemBody => {
  if (error instanceof DomainError) {
    const row = PROBLEM_TABLE[error.kind];
    return {
      type: `urn:ecr-cache-rules:problem:${error.kind}`,
      title: row.title,
      status: row.status,
      detail: row.genericDetail ?? error.message,
      code: error.code,
      requestId,
      ...(error.fields.length > 0 ? { errors: error.fields } : {}),
    };
  }
  const status = httpErrorStatus(error);
  if (status !== undefined) {
    const exposed =
      typeof error === "object" && error !== null && "expose" in error && error.expose === true;
    return {
      type: "urn:ecr-cache-rules:problem:invalid-request",
      title: "Invalid request",
      status,
      detail:
        exposed && error instanceof Error ? error.message : "The request could not be processed.",
      code: MIDDY_CODES[status] ?? "InvalidRequest",
      requestId,
    };
  }
  return {
    type: "urn:ecr-cache-rules:problem:internal",
    title: "Internal error",
    status: 500,
    detail: "The service failed unexpectedly. Try again later.",
    code: "InternalError",
    requestId,
  };
};

/** The HTTP answer for a problem; throttling after retries says when to come back. */
export const problemResponse = (
  problem: ProblemBody,
  kind: DomainErrorKind | undefined,
): ApiResult => ({
  statusCode: problem.status,
  headers: {
    "Content-Type": "application/problem+json",
    "Cache-Control": "no-store",
    ...(kind === "ecr-throttled" ? { "Retry-After": String(THROTTLED_RETRY_AFTER_SECONDS) } : {}),
  },
  body: JSON.stringify(problem),
});
