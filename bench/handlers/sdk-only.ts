/**
 * The baseline: the ECR client with default options and the one command, nothing else. It sends
 * what the service sends for the benchmark's request, so the SDK does the same work in both.
 * The endpoint and credentials come from the environment, as in the service.
 * @module
 */
import { CreatePullThroughCacheRuleCommand, ECRClient } from "@aws-sdk/client-ecr";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

const client = new ECRClient({});

interface CreateBody {
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
}

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  // Trusted input: the benchmark always sends the same valid body; validation is the service's job.
  const body: CreateBody = JSON.parse(event.body ?? "{}");
  await client.send(
    new CreatePullThroughCacheRuleCommand({
      registryId: event.pathParameters?.["registryId"],
      ecrRepositoryPrefix: body.ecrRepositoryPrefix,
      upstreamRegistryUrl: body.upstreamRegistryUrl,
    }),
  );
  return { statusCode: 201, body: "" };
};
