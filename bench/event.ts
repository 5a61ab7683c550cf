/**
 * The request every benchmark invocation sends: an API Gateway REST (v1 payload) proxy event for
 * `POST /registries/{registryId}/cache-rules` with a body the default policy admits, and a Lambda
 * context with the fields Middy and Powertools read. Plain objects, so the child bundle needs
 * neither test fixtures nor type-only packages at run time.
 * @module
 */
import type { APIGatewayProxyEvent, Context } from "aws-lambda";

export const REGISTRY_ID = "123456789012";
export const REPOSITORY_PREFIX = "ecr-public";
export const UPSTREAM = "public.ecr.aws";

const FUNCTION_NAME = "ecr-cache-rules-prod-createCacheRule";

/**
 * A fresh event per invocation: the service's JSON body middleware replaces `body` with the
 * parsed object, so reusing one event would skip parsing from the second call on.
 */
export const createRuleEvent = (requestId: string): APIGatewayProxyEvent => {
  const headers = { "Content-Type": "application/json", Host: "api.example.com" };
  return {
    resource: "/registries/{registryId}/cache-rules",
    path: `/registries/${REGISTRY_ID}/cache-rules`,
    httpMethod: "POST",
    headers,
    multiValueHeaders: {
      "Content-Type": [headers["Content-Type"]],
      Host: [headers.Host],
    },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { registryId: REGISTRY_ID },
    stageVariables: null,
    body: JSON.stringify({ ecrRepositoryPrefix: REPOSITORY_PREFIX, upstreamRegistryUrl: UPSTREAM }),
    isBase64Encoded: false,
    requestContext: {
      accountId: "999988887777",
      apiId: "abcdef1234",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: "POST",
      path: `/prod/registries/${REGISTRY_ID}/cache-rules`,
      stage: "prod",
      requestId,
      requestTimeEpoch: 1_764_000_000_000,
      resourceId: "abc123",
      resourcePath: "/registries/{registryId}/cache-rules",
      identity: {
        accessKey: "ASIAEXAMPLE",
        accountId: "111122223333",
        apiKey: null,
        apiKeyId: null,
        caller: "AROAEXAMPLE:alice",
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: "o-abcdefghij",
        sourceIp: "10.0.0.1",
        user: "AROAEXAMPLE:alice",
        userAgent: "curl/8.5.0",
        userArn: "arn:aws:sts::111122223333:assumed-role/platform/alice",
      },
    },
  };
};

export const lambdaContext = (awsRequestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: FUNCTION_NAME,
  functionVersion: "$LATEST",
  invokedFunctionArn: `arn:aws:lambda:eu-west-1:999988887777:function:${FUNCTION_NAME}`,
  memoryLimitInMB: "512",
  awsRequestId,
  logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
  logStreamName: "2026/11/28/[$LATEST]abcdef",
  getRemainingTimeInMillis: () => 12_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
