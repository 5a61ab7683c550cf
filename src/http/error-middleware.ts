import type { Logger } from "@aws-lambda-powertools/logger";
import type { MiddlewareObj } from "@middy/core";
import { DomainError } from "../domain/errors.js";
import type { ApiEvent, ApiResult } from "./api-event.js";
import { requestIdOf } from "./audit-middleware.js";
import { problemFor, problemResponse } from "./problem.js";

export interface ProblemErrorsOptions {
  readonly logger: Logger;
}

/**
 * Answers every error as `application/problem+json` (RFC 9457). Server-side failures are logged
 * with their cause; their bodies stay generic. Replaces Middy's `http-error-handler`, which
 * cannot produce problem details.
 */
export const problemErrors = ({
  logger,
}: ProblemErrorsOptions): MiddlewareObj<ApiEvent, ApiResult> => ({
  name: "problemErrors",
  onError: (request) => {
    const problem = problemFor(request.error, requestIdOf(request.event, request.context));
    if (problem.status >= 500)
      logger.error("request failed", { code: problem.code, error: request.error });
    request.response = problemResponse(
      problem,
      request.error instanceof DomainError ? request.error.kind : undefined,
    );
  },
});
