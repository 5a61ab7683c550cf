import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EcrEmulator, startEcrEmulator } from "../../dev/ecr-emulator.js";
import { loadPolicyFile } from "../../src/adapters/policy-file.js";
import {
  createRuleEvent,
  deleteRuleEvent,
  getRuleEvent,
  lambdaContext,
  listRulesEvent,
  syncRuleEvent,
  validationEvent,
} from "../fixtures/api-gateway-event.js";
import { fixturePolicyFile, type Handler, handlerFor } from "../fixtures/handler.js";

/**
 * The lifecycle routes with the real SDK over HTTP against the ECR emulator: paging as ECR
 * pages, and the one deadline that all of a request's ECR calls share.
 */
const REGISTRY = "123456789012";
const DEADLINE_MS = 1_500;
const ATTEMPT_TIMEOUT_MS = 5_000;

let emulator: EcrEmulator;
let handler: Handler;

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

const seed = async (rule: Record<string, unknown>): Promise<void> => {
  const response = await fetch(`${emulator.url}/__emulator/rules`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ registryId: REGISTRY, ...rule }),
  });
  expect(response.status).toBe(201);
};

beforeAll(async () => {
  emulator = await startEcrEmulator();
  process.env["AWS_ENDPOINT_URL_ECR"] = emulator.url;
  handler = await handlerFor({
    policy: await loadPolicyFile(fixturePolicyFile("service.yaml")),
    env: {
      ECR_DEADLINE_MS: String(DEADLINE_MS),
      ECR_ATTEMPT_TIMEOUT_MS: String(ATTEMPT_TIMEOUT_MS),
    },
  });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

describe("listing against the emulator", () => {
  it("walks 120 rules seven at a time, losing and repeating none", async () => {
    const prefixes = Array.from({ length: 120 }, (_, i) => `rule-${String(i).padStart(3, "0")}`);
    for (const prefix of prefixes)
      await seed({ ecrRepositoryPrefix: prefix, upstreamRegistryUrl: "quay.io" });

    const seen: string[] = [];
    let pages = 0;
    let nextToken: string | undefined;
    do {
      const response = await handler(
        listRulesEvent(REGISTRY, {
          query: { limit: "7", ...(nextToken === undefined ? {} : { nextToken }) },
        }),
        lambdaContext(),
      );
      expect(response.statusCode).toBe(200);
      const page = json(response.body) as {
        rules: { ecrRepositoryPrefix: string; policy: string }[];
        nextToken?: string;
      };
      expect(page.rules.length).toBeLessThanOrEqual(7);
      expect(page.rules.every((rule) => rule.policy === "allowed")).toBe(true);
      seen.push(...page.rules.map((rule) => rule.ecrRepositoryPrefix));
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken !== undefined);

    expect(seen).toEqual(prefixes);
    expect(pages).toBe(18);
  });

  it("keeps paging right when a rule is deleted between pages", async () => {
    for (const prefix of ["p1", "p2", "p3", "p4"])
      await seed({ ecrRepositoryPrefix: prefix, upstreamRegistryUrl: "quay.io" });

    const first = json(
      (await handler(listRulesEvent(REGISTRY, { query: { limit: "2" } }), lambdaContext())).body,
    );
    await handler(deleteRuleEvent(REGISTRY, "p3"), lambdaContext());
    const second = json(
      (
        await handler(
          listRulesEvent(REGISTRY, {
            query: { limit: "2", nextToken: String(first["nextToken"]) },
          }),
          lambdaContext(),
        )
      ).body,
    );

    expect(
      (second["rules"] as { ecrRepositoryPrefix: string }[]).map(
        (rule) => rule.ecrRepositoryPrefix,
      ),
    ).toEqual(["p4"]);
  });
});

describe("one deadline for all of a request's ECR calls", () => {
  it("covers a create and its validation: the rule stands, unchecked, within the deadline", async () => {
    emulator.addFault({ fault: "hang", operations: ["ValidatePullThroughCacheRule"], count: 5 });
    const started = performance.now();

    const response = await handler(
      createRuleEvent({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "docker.io" }),
      lambdaContext(),
    );

    const elapsed = performance.now() - started;
    expect(response.statusCode).toBe(201);
    expect(json(response.body)["validation"]).toMatchObject({ isValid: null });
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(elapsed).toBeLessThan(DEADLINE_MS + 700);
  });

  it("covers a create and the Describe of its retry: one deadline, not one per call", async () => {
    await seed({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });
    emulator.addFault({ fault: "hang", operations: ["DescribePullThroughCacheRules"], count: 5 });
    const started = performance.now();

    const response = await handler(
      createRuleEvent({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" }),
      lambdaContext(),
    );

    const elapsed = performance.now() - started;
    expect(response.statusCode).toBe(504);
    expect(elapsed).toBeLessThan(DEADLINE_MS + 700);
    expect(emulator.calls().map((call) => call.operation)).toEqual([
      "CreatePullThroughCacheRule",
      "DescribePullThroughCacheRules",
    ]);
  });

  it("answers the validation route's time-out with 504, saying nothing changed", async () => {
    await seed({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "registry-1.docker.io" });
    emulator.addFault({ fault: "hang", operations: ["ValidatePullThroughCacheRule"], count: 5 });

    const response = await handler(validationEvent(REGISTRY, "hub"), lambdaContext());

    expect(response.statusCode).toBe(504);
    expect(json(response.body)["detail"]).toBe(
      "ECR did not answer in time. Nothing was changed; retrying is safe.",
    );
  });
});

describe("ECR's validation of a seeded rule", () => {
  it("reports a credential-requiring upstream without a credential as invalid", async () => {
    await seed({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "registry-1.docker.io" });

    const response = await handler(validationEvent(REGISTRY, "hub"), lambdaContext());

    expect(json(response.body)).toMatchObject({
      isValid: false,
      failure: expect.stringContaining("requires authentication"),
    });
  });
});

describe("sync against the emulator", () => {
  it("updates a drifted credential with UpdatePullThroughCacheRule, then finds it unchanged", async () => {
    emulator.seed({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      credentialArn: `arn:aws:secretsmanager:eu-west-1:${REGISTRY}:secret:ecr-pullthroughcache/old`,
    });

    const first = json((await handler(syncRuleEvent(REGISTRY, "hub"), lambdaContext())).body);
    const second = json((await handler(syncRuleEvent(REGISTRY, "hub"), lambdaContext())).body);

    expect(first).toMatchObject({
      sync: "updated",
      credentialArn: `arn:aws:secretsmanager:eu-west-1:${REGISTRY}:secret:ecr-pullthroughcache/docker-hub`,
    });
    expect(second).toMatchObject({ sync: "unchanged" });
    expect(
      emulator.calls().filter((call) => call.operation === "UpdatePullThroughCacheRule"),
    ).toHaveLength(1);
  });
});

describe("ECR's answers and throttling", () => {
  it("answers an ECR 200 whose dates are no dates with 502", async () => {
    for (const createdAt of [1e300, -1e15]) {
      emulator.addFault({
        fault: "literal",
        operations: ["DescribePullThroughCacheRules"],
        body: {
          pullThroughCacheRules: [
            {
              registryId: REGISTRY,
              ecrRepositoryPrefix: "ab",
              upstreamRegistryUrl: "quay.io",
              createdAt,
            },
          ],
        },
      });

      const response = await handler(getRuleEvent(REGISTRY, "ab"), lambdaContext());

      expect(response.statusCode).toBe(502);
      expect(json(response.body)).toMatchObject({ code: "EcrUnavailable" });
    }
  });

  it("stops retrying when ECR's Retry-After would outlast the deadline, and passes the wait on", async () => {
    emulator.addFault({ fault: "throttle", count: 10, retryAfter: 30 });
    const started = performance.now();

    const response = await handler(getRuleEvent(REGISTRY, "ab"), lambdaContext());

    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ "Retry-After": "30" });
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS);
  });
});
