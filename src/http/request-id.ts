import type { Context } from "aws-lambda";
import type { ApiEvent } from "./api-event.js";

const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;

/** API Gateway's request id (what its access log holds), else the Lambda invocation id. */
export const requestIdOf = (event: ApiEvent, context: Context): string => {
  const candidate: unknown = event.requestContext?.requestId;
  return typeof candidate === "string" && REQUEST_ID.test(candidate)
    ? candidate
    : context.awsRequestId;
};
