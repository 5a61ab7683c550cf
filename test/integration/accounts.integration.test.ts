import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EcrEmulator, startEcrEmulator } from "../../dev/ecr-emulator.js";
import { type StsEmulator, startStsEmulator } from "../../dev/sts-emulator.js";
import type { UpstreamPolicy } from "../../src/domain/upstream-policy.js";
import {
  createRuleEvent,
  getRuleEvent,
  lambdaContext,
  listRulesEvent,
  upstreamsEvent,
} from "../fixtures/api-gateway-event.js";
import { type Handler, handlerFor, loadServicePolicy } from "../fixtures/handler.js";

/**
 * Several accounts with the real SDK against both emulators: one AssumeRole per request, named
 * after it, its credentials for every ECR call of that request and no other (the ECR emulator
 * refuses any call for the role's registry that they did not sign), STS failures inside the
 * request's one deadline.
 */
const OWN = "123456789012";
const MEMBER = "210987654321";
const OUTSIDER = "333344445555";
const CALLER = "111122223333";
const ROLE = `arn:aws:iam::${MEMBER}:role/ecr-cache-rules`;
const DEADLINE_MS = 1_500;

let sts: StsEmulator;
let ecr: EcrEmulator;
let handler: Handler;

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;
let sequence = 0;
const requestId = () => {
  sequence += 1;
  return `00000000-0000-4000-8000-${String(sequence).padStart(12, "0")}`;
};

const create = (
  registryId: string,
  body: Record<string, unknown>,
  options: { accountId?: string } = {},
) =>
  handler(
    createRuleEvent(body, {
      pathParameters: { registryId },
      path: `/registries/${registryId}/cache-rules`,
      requestId: requestId(),
      ...options,
    }),
    lambdaContext(),
  );

beforeAll(async () => {
  sts = await startStsEmulator();
  ecr = await startEcrEmulator({ registryRoles: { [MEMBER]: ROLE }, credentials: sts.credentials });
  process.env["AWS_ENDPOINT_URL_ECR"] = ecr.url;
  process.env["AWS_ENDPOINT_URL_STS"] = sts.url;
  const base = await loadServicePolicy();
  const policy: UpstreamPolicy = {
    ...base,
    registries: [
      { id: OWN, callers: [OWN, CALLER] },
      { id: MEMBER, roleArn: ROLE, callers: [MEMBER, CALLER] },
    ],
  };
  handler = await handlerFor({
    policy,
    env: { ECR_DEADLINE_MS: String(DEADLINE_MS), ECR_ATTEMPT_TIMEOUT_MS: "400" },
  });
});

afterAll(async () => {
  await ecr.close();
  await sts.close();
});

beforeEach(() => {
  ecr.reset();
  sts.reset();
});

describe("a registry with a role", () => {
  it("is served under one AssumeRole per request, named after the request, whose credentials sign every ECR call", async () => {
    const id = requestId();
    const response = await handler(
      createRuleEvent(
        { ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "docker.io" },
        {
          pathParameters: { registryId: MEMBER },
          path: `/registries/${MEMBER}/cache-rules`,
          requestId: id,
        },
      ),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(201);
    expect(json(response.body)).toMatchObject({ validation: { isValid: true } });
    const assumed = sts.calls();
    expect(assumed).toHaveLength(1);
    expect(assumed[0]).toMatchObject({ roleArn: ROLE, roleSessionName: id });
    const ecrCalls = ecr.calls();
    expect(ecrCalls.map((call) => call.operation)).toEqual([
      "CreatePullThroughCacheRule",
      "ValidatePullThroughCacheRule",
    ]);
    expect(ecrCalls.map((call) => call.accessKeyId)).toEqual([
      assumed[0]?.issuedAccessKeyId,
      assumed[0]?.issuedAccessKeyId,
    ]);
  });

  it("never lends one request's session to another", async () => {
    await create(MEMBER, { ecrRepositoryPrefix: "a1", upstreamRegistryUrl: "public.ecr.aws" });
    await create(MEMBER, { ecrRepositoryPrefix: "a2", upstreamRegistryUrl: "public.ecr.aws" });

    const keys = sts.calls().map((call) => call.issuedAccessKeyId);
    expect(new Set(keys).size).toBe(2);
    expect(ecr.calls().map((call) => call.accessKeyId)).toEqual(keys);
  });

  it("keeps one session across a retry's Describe", async () => {
    ecr.seed({
      registryId: MEMBER,
      ecrRepositoryPrefix: "pub",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    const retry = await create(MEMBER, {
      ecrRepositoryPrefix: "pub",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect(retry.statusCode).toBe(200);
    expect(ecr.calls().map((call) => call.operation)).toEqual([
      "CreatePullThroughCacheRule",
      "DescribePullThroughCacheRules",
    ]);
    expect(sts.calls()).toHaveLength(1);
    expect(new Set(ecr.calls().map((call) => call.accessKeyId))).toEqual(
      new Set([sts.calls()[0]?.issuedAccessKeyId]),
    );
  });

  it("keeps one session across the pages of a dry run's count", async () => {
    for (let i = 0; i < 12; i += 1) {
      ecr.seed({
        registryId: MEMBER,
        ecrRepositoryPrefix: `r${i}`,
        upstreamRegistryUrl: "public.ecr.aws",
      });
    }

    const preview = await handler(
      createRuleEvent(
        { ecrRepositoryPrefix: "new", upstreamRegistryUrl: "public.ecr.aws" },
        {
          pathParameters: { registryId: MEMBER },
          path: `/registries/${MEMBER}/cache-rules`,
          requestId: requestId(),
          query: { dryRun: "true" },
        },
      ),
      lambdaContext(),
    );

    expect(json(preview.body)).toMatchObject({ outcome: "create", quota: { used: 12 } });
    expect(sts.calls()).toHaveLength(1);
    expect(
      ecr.calls().every((call) => call.accessKeyId === sts.calls()[0]?.issuedAccessKeyId),
    ).toBe(true);
  });
});

describe("a registry without a role", () => {
  it("is served with the function's own credentials, without STS", async () => {
    const response = await create(OWN, {
      ecrRepositoryPrefix: "pub",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect(response.statusCode).toBe(201);
    expect(sts.calls()).toEqual([]);
    expect(ecr.calls().map((call) => call.accessKeyId)).toEqual([process.env["AWS_ACCESS_KEY_ID"]]);
  });
});

describe("authorisation", () => {
  it.each([
    ["a registry that is not onboarded", OUTSIDER, CALLER, "RegistryNotOnboarded"],
    ["a caller the registry does not list", MEMBER, OUTSIDER, "CallerNotAuthorized"],
  ])(
    "refuses %s with 403, reaching neither STS nor ECR",
    async (_, registryId, accountId, code) => {
      const responses = [
        await create(
          registryId,
          { ecrRepositoryPrefix: "ab", upstreamRegistryUrl: "quay.io" },
          { accountId },
        ),
        await handler(listRulesEvent(registryId, { accountId }), lambdaContext()),
        await handler(getRuleEvent(registryId, "ab", { accountId }), lambdaContext()),
        await handler(upstreamsEvent({ registryId }, { accountId }), lambdaContext()),
      ];

      for (const response of responses) {
        expect(response.statusCode).toBe(403);
        expect(json(response.body)).toMatchObject({ code });
        expect(response.body).not.toContain(OWN);
      }
      expect(sts.calls()).toEqual([]);
      expect(ecr.calls()).toEqual([]);
    },
  );

  it("decides before reading the body", async () => {
    const response = await create(OUTSIDER, { not: "even valid" });

    expect(json(response.body)).toMatchObject({ code: "RegistryNotOnboarded" });
  });

  it("answers a repeated registryId with the 400 that names it, authorising neither value", async () => {
    const response = await handler(
      upstreamsEvent({ registryId: [OUTSIDER, OWN] }, { accountId: CALLER }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(400);
    expect(json(response.body)).toMatchObject({
      code: "ValidationFailed",
      errors: [{ field: "registryId", message: "must be given only once" }],
    });
    expect(sts.calls()).toEqual([]);
    expect(ecr.calls()).toEqual([]);
  });
});

describe("STS failing", () => {
  it.each([
    ["throttling that outlasts the retries", { fault: "throttle" as const, count: 10 }, 429],
    ["server errors", { fault: "server-error" as const, count: 10 }, 502],
    [
      "access denied",
      {
        fault: "error" as const,
        errorType: "AccessDenied",
        status: 403,
        count: 10,
        message: `not authorized to assume ${ROLE}`,
      },
      502,
    ],
  ])(
    "answers %s with its status and AssumeRoleFailed, naming no role, and calls no ECR",
    async (_, fault, status) => {
      sts.addFault(fault);

      const response = await create(MEMBER, {
        ecrRepositoryPrefix: "ab",
        upstreamRegistryUrl: "public.ecr.aws",
      });

      expect(response.statusCode).toBe(status);
      expect(json(response.body)).toMatchObject({ code: "AssumeRoleFailed" });
      expect(response.body).not.toContain("arn:");
      expect(response.body).not.toContain("role/");
      expect(ecr.calls()).toEqual([]);
    },
  );

  it("answers a hung STS with 504 AssumeRoleFailed within the request's one deadline", async () => {
    sts.addFault({ fault: "hang", count: 10 });
    const started = performance.now();

    const response = await create(MEMBER, {
      ecrRepositoryPrefix: "ab",
      upstreamRegistryUrl: "public.ecr.aws",
    });

    expect(response.statusCode).toBe(504);
    expect(json(response.body)).toMatchObject({ code: "AssumeRoleFailed" });
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + 700);
  });
});
