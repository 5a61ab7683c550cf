/**
 * The request every benchmark invocation sends: an API Gateway REST (v1 payload) proxy event for
 * `POST /registries/{registryId}/cache-rules` with a body the default policy admits, and a Lambda
 * context with the fields Middy and Powertools read: the test fixtures' shapes, so the benchmark
 * sends what the component tests send.
 * @module
 */
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import {
  lambdaContext as fixtureContext,
  createRuleEvent as fixtureEvent,
} from "../test/fixtures/api-gateway-event.js";

export const REGISTRY_ID = "123456789012";
export const REPOSITORY_PREFIX = "ecr-public";
export const UPSTREAM = "public.ecr.aws";

/**
 * A fresh event per invocation: the service's JSON body middleware replaces `body` with the
 * parsed object, so reusing one event would skip parsing from the second call on.
 */
export const createRuleEvent = (requestId: string): APIGatewayProxyEvent =>
  fixtureEvent(
    { ecrRepositoryPrefix: REPOSITORY_PREFIX, upstreamRegistryUrl: UPSTREAM },
    { requestId },
  );

export const lambdaContext = (awsRequestId: string): Context => ({
  ...fixtureContext(),
  awsRequestId,
});
