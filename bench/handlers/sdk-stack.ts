/**
 * A second reference: the SDK-only handler plus the stack the service must carry whatever its
 * own code does: a Middy handler (the developers' guide), Powertools Logger with the Lambda
 * context injected (the style guide's one Logger) and one structured line per request with the
 * fields of the audit line (contract §4). No validation, policy or error mapping: what the
 * service adds on top of this is its own code and zod.
 * @module
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { CreatePullThroughCacheRuleCommand, ECRClient } from "@aws-sdk/client-ecr";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

const client = new ECRClient({});
const logger = new Logger({ serviceName: "ecr-cache-rules" });

interface CreateBody {
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
}

const create = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const started = performance.now();
  // Trusted input, as in sdk-only: the benchmark always sends the same valid body.
  const body: CreateBody = JSON.parse(event.body ?? "{}");
  const registryId = event.pathParameters?.["registryId"];
  await client.send(
    new CreatePullThroughCacheRuleCommand({
      registryId,
      ecrRepositoryPrefix: body.ecrRepositoryPrefix,
      upstreamRegistryUrl: body.upstreamRegistryUrl,
    }),
  );
  const identity = event.requestContext.identity;
  // The same keys the service's audit line carries on this path.
  logger.info("audit", {
    requestId: event.requestContext.requestId,
    httpMethod: event.httpMethod,
    resource: event.resource,
    callerAccount: identity.accountId ?? undefined,
    callerArn: identity.userArn ?? undefined,
    registryId,
    ecrRepositoryPrefix: body.ecrRepositoryPrefix,
    upstreamRequested: body.upstreamRegistryUrl,
    upstreamCanonical: body.upstreamRegistryUrl,
    policyDecision: "allowed",
    status: 201,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  });
  return { statusCode: 201, headers: { "x-request-id": event.requestContext.requestId }, body: "" };
};

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .handler(create);
