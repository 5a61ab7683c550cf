import {
  CreatePullThroughCacheRuleCommand,
  type CreatePullThroughCacheRuleCommandInput,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  ECRClient,
  PullThroughCacheRuleNotFoundException,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
} from "@aws-sdk/client-ecr";
import { AssumeRoleCommand, type AssumeRoleCommandInput, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { UpstreamPolicy } from "../../src/domain/upstream-policy.js";
import { ROUTES } from "../../src/http/route-table.js";
import { apiGatewayEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { type Handler, handlerFor, loadServicePolicy } from "../fixtures/handler.js";
import { CREATED_AT } from "../fixtures/in-memory-gateway.js";

/**
 * With a registries section, on every route: no request for a registry that is not onboarded,
 * or from a caller the registry does not list, ever reaches ECR or STS; and every ECR call for
 * a registry with a role goes out under the credentials of that request's own session.
 */
const OWN = "123456789012";
const MEMBER = "210987654321";
const CALLER = "111122223333";
const ROLE = `arn:aws:iam::${MEMBER}:role/ecr-cache-rules`;

const ecr = mockClient(ECRClient);
const sts = mockClient(STSClient);
let handler: Handler;

beforeAll(async () => {
  const base = await loadServicePolicy();
  const policy: UpstreamPolicy = {
    ...base,
    registries: [
      { id: OWN, callers: [OWN, CALLER] },
      { id: MEMBER, roleArn: ROLE, callers: [MEMBER, CALLER] },
    ],
  };
  handler = await handlerFor({ policy });
});

beforeEach(() => {
  ecr.reset();
  sts.reset();
  // Each session's key names the request it was made for.
  sts.on(AssumeRoleCommand).callsFake((input: AssumeRoleCommandInput) => ({
    Credentials: {
      AccessKeyId: `ASIA-${input.RoleSessionName}`,
      SecretAccessKey: "secret",
      SessionToken: "token",
      Expiration: new Date(Date.now() + 900_000),
    },
  }));
  ecr
    .on(CreatePullThroughCacheRuleCommand)
    .callsFake((input: CreatePullThroughCacheRuleCommandInput) => ({
      ...input,
      createdAt: CREATED_AT,
    }));
  ecr.on(DescribePullThroughCacheRulesCommand).resolves({ pullThroughCacheRules: [] });
  ecr
    .on(DeletePullThroughCacheRuleCommand)
    .rejects(new PullThroughCacheRuleNotFoundException({ message: "no such rule", $metadata: {} }));
  ecr.on(UpdatePullThroughCacheRuleCommand).resolves({});
  ecr
    .on(ValidatePullThroughCacheRuleCommand)
    .resolves({ upstreamRegistryUrl: "quay.io", isValid: true });
});

const registryRoutes = ROUTES.filter((route) => route.registry !== "none");

const requestCase = fc.record({
  route: fc.constantFrom(...registryRoutes),
  registryId: fc.oneof(
    fc.constantFrom(OWN, MEMBER, "333344445555", "999999999999"),
    fc.stringMatching(/^[0-9]{12}$/),
  ),
  caller: fc.option(fc.constantFrom(CALLER, OWN, MEMBER, "444455556666"), { nil: undefined }),
  requestId: fc.uuid(),
  body: fc.constantFrom(
    null,
    "{}",
    JSON.stringify({ ecrRepositoryPrefix: "ab", upstreamRegistryUrl: "public.ecr.aws" }),
    JSON.stringify({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "docker.io" }),
    "not json",
  ),
  dryRun: fc.constantFrom(undefined, "true", "false"),
});

describe("several accounts under arbitrary requests", () => {
  it("reach ECR or STS only for an onboarded registry and a listed caller, and only under that request's session", async () => {
    await fc.assert(
      fc.asyncProperty(
        requestCase,
        async ({ route, registryId, caller, requestId, body, dryRun }) => {
          ecr.resetHistory();
          sts.resetHistory();
          const inPath = route.registry === "path";
          const event = apiGatewayEvent({
            method: route.method,
            resource: route.resource,
            path: route.resource,
            pathParameters: inPath
              ? route.resource.includes("{ecrRepositoryPrefix}")
                ? { registryId, ecrRepositoryPrefix: "ab" }
                : { registryId }
              : null,
            query: {
              ...(route.registry === "query" ? { registryId } : {}),
              ...(dryRun !== undefined && route.query.includes("dryRun") ? { dryRun } : {}),
            },
            headers: { "Content-Type": "application/json" },
            body: route.body === "none" ? null : body,
            requestId,
            ...(caller === undefined ? {} : { accountId: caller }),
          });
          if (caller === undefined) Reflect.set(event.requestContext.identity, "accountId", null);

          const response = await handler(event, lambdaContext());

          const listed =
            caller !== undefined &&
            [OWN, MEMBER].includes(registryId) &&
            [CALLER, registryId].includes(caller);
          if (!listed) {
            expect(response.statusCode).toBe(403);
            expect(ecr.calls()).toEqual([]);
            expect(sts.calls()).toEqual([]);
            return;
          }
          const assumed = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);
          if (registryId === OWN) {
            expect(assumed).toEqual([]);
            return;
          }
          expect(assumed.length).toBeLessThanOrEqual(1);
          expect(
            assumed.every((input) => input.RoleArn === ROLE && input.RoleSessionName === requestId),
          ).toBe(true);
          for (const call of ecr.calls()) {
            const credentials = await (call.thisValue as ECRClient).config.credentials();
            expect(credentials.accessKeyId).toBe(`ASIA-${requestId}`);
          }
          expect(response.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 600 },
    );
  });
});
