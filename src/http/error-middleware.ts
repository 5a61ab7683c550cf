import type { Logger } from "@aws-lambda-powertools/logger";
import type { MiddlewareObj } from "@middy/core";
import type { ApiEvent, ApiResult } from "./api-event.js";
import { requestIdOf } from "./request-id.js";
import { requestStateOf } from "./request-state.js";

export interface ProblemErrorsOptions {
  readonly logger: Logger;
}

/**
 * Answers every error as `application/problem+json` (RFC 9457) through the one error table.
 * Server-side failures are logged with their cause; their bodies stay generic. Replaces Middy's
 * `http-error-handler`, which cannot produce problem details.
 */
export const problemErrors = ({
  logger,
}: ProblemErrorsOptions): MiddlewareObj<ApiEvent, ApiResult> => ({
  name: "problemErrors",
  // The error table is loaded with the first failure: an answered request never needs it.
  onError: async (request) => {
    const { problemFor, problemResponse } = await import("./problem.js");
    const route = requestStateOf(request.event).route;
    const problem = problemFor(request.error, requestIdOf(request.event, request.context), {
      changes: route?.changes ?? false,
    });
    if (problem.status >= 500) {
      logger.error("request failed", { code: problem.code, error: request.error });
    }
    request.response = problemResponse(problem, request.error);
  },
});
