import {
  CreatePullThroughCacheRuleCommand,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  ECRClient,
  InvalidParameterException,
  type PullThroughCacheRule,
  PullThroughCacheRuleNotFoundException,
  SecretNotFoundException,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
} from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  apiGatewayEvent,
  createRuleEvent,
  deleteRuleEvent,
  getRuleEvent,
  lambdaContext,
  listRulesEvent,
  openApiEvent,
  syncRuleEvent,
  upstreamsEvent,
  validationEvent,
} from "../fixtures/api-gateway-event.js";
import { handlerFor } from "../fixtures/handler.js";
import { CREATED_AT, UPDATED_AT } from "../fixtures/in-memory-gateway.js";
import { openApiDocument } from "../fixtures/openapi.js";

const ecr = mockClient(ECRClient);
const handler = await handlerFor();
const REGISTRY = "123456789012";
const OTHER = "210987654321";
const SECRET = `arn:aws:secretsmanager:eu-west-1:${REGISTRY}:secret:ecr-pullthroughcache/docker-hub`;
const metadata = { $metadata: { httpStatusCode: 400, requestId: "ecr-req" } };

type Event = Parameters<typeof handler>[0];
const invoke = (event: Event) => handler(event, lambdaContext());
const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

const stored = (
  prefix: string,
  upstreamRegistryUrl: string,
  extra: Partial<PullThroughCacheRule> = {},
) => ({
  registryId: REGISTRY,
  ecrRepositoryPrefix: prefix,
  upstreamRegistryUrl,
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT,
  ...extra,
});

const calls = () => ecr.calls().map((call) => call.args[0].constructor.name);

beforeEach(() => {
  ecr.reset();
});

describe("GET /registries/{registryId}/cache-rules", () => {
  it("lists the registry's rules in ECR's order, each judged against today's policy", async () => {
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({
      pullThroughCacheRules: [
        stored("ecr-public", "public.ecr.aws"),
        stored("hub", "docker.io", { credentialArn: SECRET, upstreamRegistry: "docker-hub" }),
        stored("hub-old", "registry-1.docker.io", {
          credentialArn: "arn:old",
          upstreamRegistry: "docker-hub",
        }),
        stored("elsewhere", "registry.example.com"),
      ],
    });

    const response = await invoke(listRulesEvent(REGISTRY));

    expect(response.statusCode).toBe(200);
    const body = json(response.body);
    expect(body).not.toHaveProperty("nextToken");
    expect(body["rules"]).toEqual([
      {
        registryId: REGISTRY,
        ecrRepositoryPrefix: "ecr-public",
        upstreamRegistryUrl: "public.ecr.aws",
        createdAt: "2026-11-27T10:00:00.000Z",
        updatedAt: "2026-11-28T10:00:00.000Z",
        policy: "allowed",
      },
      expect.objectContaining({
        ecrRepositoryPrefix: "hub",
        credentialArn: SECRET,
        upstreamRegistry: "docker-hub",
        policy: "allowed",
      }),
      expect.objectContaining({ ecrRepositoryPrefix: "hub-old", policy: "drift" }),
      expect.objectContaining({ ecrRepositoryPrefix: "elsewhere", policy: "not-on-allowlist" }),
    ]);
    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)[0]?.args[0].input).toEqual({
      registryId: REGISTRY,
      maxResults: 50,
    });
  });

  it("answers an empty registry with an empty list", async () => {
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({ pullThroughCacheRules: [] });

    expect(json((await invoke(listRulesEvent(REGISTRY))).body)).toEqual({ rules: [] });
  });

  it("pages with limit and an opaque nextToken bound to the registry", async () => {
    ecr
      .on(DescribePullThroughCacheRulesCommand)
      .resolvesOnce({ pullThroughCacheRules: [stored("a", "quay.io")], nextToken: "ecr-page-2" })
      .resolvesOnce({ pullThroughCacheRules: [stored("b", "quay.io")] });

    const first = json((await invoke(listRulesEvent(REGISTRY, { query: { limit: "1" } }))).body);
    const token = String(first["nextToken"]);
    const second = json(
      (await invoke(listRulesEvent(REGISTRY, { query: { limit: "1", nextToken: token } }))).body,
    );

    expect(token).not.toContain("ecr-page-2");
    expect(second).toEqual({ rules: [expect.objectContaining({ ecrRepositoryPrefix: "b" })] });
    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)[1]?.args[0].input).toEqual({
      registryId: REGISTRY,
      maxResults: 1,
      nextToken: "ecr-page-2",
    });
  });

  it("refuses another registry's token, a forged one, and one ECR refuses, naming nextToken", async () => {
    ecr
      .on(DescribePullThroughCacheRulesCommand)
      .resolvesOnce({ pullThroughCacheRules: [], nextToken: "ecr-page-2" })
      .rejects(new InvalidParameterException({ message: "Invalid nextToken", ...metadata }));
    const token = String(json((await invoke(listRulesEvent(REGISTRY))).body)["nextToken"]);

    for (const [registryId, nextToken] of [
      [OTHER, token],
      [REGISTRY, "forged"],
      [REGISTRY, Buffer.from(JSON.stringify({ r: REGISTRY, t: "stale" })).toString("base64url")],
    ] as const) {
      const response = await invoke(listRulesEvent(registryId, { query: { nextToken } }));
      expect(response.statusCode).toBe(400);
      expect(json(response.body)).toMatchObject({
        code: "ValidationFailed",
        errors: [
          {
            field: "nextToken",
            message: expect.stringContaining("is not a token this service gave"),
          },
        ],
      });
    }
    // The foreign and the forged token never reached ECR.
    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)).toHaveLength(2);
  });

  it("passes ECR's refusal of a request without a token on as ECR's error", async () => {
    ecr
      .on(DescribePullThroughCacheRulesCommand)
      .rejects(new InvalidParameterException({ message: "bad registry", ...metadata }));

    const response = await invoke(listRulesEvent(REGISTRY));

    expect(response.statusCode).toBe(400);
    expect(json(response.body)).toMatchObject({ code: "InvalidParameterException" });
  });

  it.each(["0", "101", "1.5", "ten", "", "01"])(
    "refuses limit=%j without calling ECR",
    async (limit) => {
      const response = await invoke(listRulesEvent(REGISTRY, { query: { limit } }));

      expect(response.statusCode).toBe(400);
      expect(json(response.body)).toMatchObject({
        errors: [{ field: "limit", message: "must be a whole number from 1 to 100" }],
      });
      expect(calls()).toEqual([]);
    },
  );
});

describe("DELETE /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}", () => {
  it("answers 200 with the deleted rule as ECR returns it, whatever the policy says of it", async () => {
    ecr
      .on(DeletePullThroughCacheRuleCommand)
      .resolves(stored("bad", "registry.example.com", { updatedAt: undefined }));

    const response = await invoke(deleteRuleEvent(REGISTRY, "bad"));

    expect(response.statusCode).toBe(200);
    expect(json(response.body)).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "bad",
      upstreamRegistryUrl: "registry.example.com",
      createdAt: "2026-11-27T10:00:00.000Z",
    });
    expect(ecr.commandCalls(DeletePullThroughCacheRuleCommand)[0]?.args[0].input).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "bad",
    });
  });

  it("answers 404 for a rule that does not exist, as for a repeated delete", async () => {
    ecr
      .on(DeletePullThroughCacheRuleCommand)
      .rejects(new PullThroughCacheRuleNotFoundException({ message: "no such rule", ...metadata }));

    const response = await invoke(deleteRuleEvent(REGISTRY, "gone"));

    expect(response.statusCode).toBe(404);
    expect(json(response.body)).toMatchObject({ code: "PullThroughCacheRuleNotFoundException" });
  });

  it("takes any prefix ECR accepts, as reads do", async () => {
    ecr.on(DeletePullThroughCacheRuleCommand).resolves(stored("ROOT", "quay.io"));

    expect((await invoke(deleteRuleEvent(REGISTRY, "ROOT"))).statusCode).toBe(200);
    expect((await invoke(deleteRuleEvent(REGISTRY, "A"))).statusCode).toBe(400);
  });
});

describe("POST /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}/sync", () => {
  const describes = (rule: ReturnType<typeof stored>) =>
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({ pullThroughCacheRules: [rule] });
  const updates = () =>
    ecr.on(UpdatePullThroughCacheRuleCommand).callsFake((input: Record<string, unknown>) => ({
      ...input,
      updatedAt: new Date("2026-12-01T00:00:00.000Z"),
    }));

  it("updates a drifted credential to the policy's and answers the updated rule", async () => {
    describes(
      stored("hub", "registry-1.docker.io", {
        credentialArn: "arn:old",
        upstreamRegistry: "docker-hub",
      }),
    );
    updates();

    const response = await invoke(syncRuleEvent(REGISTRY, "hub"));

    expect(response.statusCode).toBe(200);
    expect(json(response.body)).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      createdAt: "2026-11-27T10:00:00.000Z",
      updatedAt: "2026-12-01T00:00:00.000Z",
      credentialArn: SECRET,
      upstreamRegistry: "docker-hub",
      sync: "updated",
    });
    expect(ecr.commandCalls(UpdatePullThroughCacheRuleCommand)[0]?.args[0].input).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "hub",
      credentialArn: SECRET,
    });
  });

  it.each([
    ["no body", { body: null }],
    ["an empty object", { body: "{}", headers: { "Content-Type": "application/json" } }],
  ])("takes %s", async (_, options) => {
    describes(stored("hub", "docker.io", { credentialArn: SECRET }));

    const response = await invoke(syncRuleEvent(REGISTRY, "hub", options));

    expect(json(response.body)).toMatchObject({ sync: "unchanged" });
    expect(ecr.commandCalls(UpdatePullThroughCacheRuleCommand)).toEqual([]);
  });

  it("refuses a body with members, or one that is not JSON, before calling ECR", async () => {
    const withMember = await invoke(
      syncRuleEvent(REGISTRY, "hub", {
        body: '{"credentialArn":"arn:x"}',
        headers: { "Content-Type": "application/json" },
      }),
    );
    const plain = await invoke(
      syncRuleEvent(REGISTRY, "hub", { body: "{}", headers: { "Content-Type": "text/plain" } }),
    );

    expect(withMember.statusCode).toBe(400);
    expect(json(withMember.body)).toMatchObject({
      errors: [{ field: "credentialArn", message: "is not a known field" }],
    });
    expect(plain.statusCode).toBe(415);
    expect(calls()).toEqual([]);
  });

  it("answers 403 for a rule whose upstream is not allowed: delete it instead", async () => {
    describes(stored("bad", "registry.example.com"));

    const response = await invoke(syncRuleEvent(REGISTRY, "bad"));

    expect(response.statusCode).toBe(403);
    expect(json(response.body)).toMatchObject({
      code: "UpstreamNotAllowed",
      detail: expect.stringContaining("delete it instead"),
    });
  });

  it("answers 409 CannotRemoveCredential for a credential the policy no longer binds", async () => {
    describes(stored("pub", "public.ecr.aws", { credentialArn: "arn:stray" }));

    const response = await invoke(syncRuleEvent(REGISTRY, "pub"));

    expect(response.statusCode).toBe(409);
    expect(json(response.body)).toMatchObject({ code: "CannotRemoveCredential" });
  });

  it("answers 404 for no rule and 422 for ECR's secret errors", async () => {
    ecr.on(DescribePullThroughCacheRulesCommand).resolvesOnce({ pullThroughCacheRules: [] });
    expect((await invoke(syncRuleEvent(REGISTRY, "none"))).statusCode).toBe(404);

    describes(stored("hub", "docker.io"));
    ecr
      .on(UpdatePullThroughCacheRuleCommand)
      .rejects(new SecretNotFoundException({ message: "no secret", ...metadata }));
    const response = await invoke(syncRuleEvent(REGISTRY, "hub"));
    expect(response.statusCode).toBe(422);
    expect(json(response.body)).toMatchObject({ code: "SecretNotFoundException" });
  });
});

describe("GET /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}/validation", () => {
  it("answers ECR's verdict, failure included", async () => {
    ecr.on(ValidatePullThroughCacheRuleCommand).resolves({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      credentialArn: SECRET,
      isValid: false,
      failure: "Unable to authenticate with the upstream registry",
    });

    const response = await invoke(validationEvent(REGISTRY, "hub"));

    expect(response.statusCode).toBe(200);
    expect(json(response.body)).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      isValid: false,
      failure: "Unable to authenticate with the upstream registry",
    });
  });

  it("answers 404 for a rule that does not exist", async () => {
    ecr
      .on(ValidatePullThroughCacheRuleCommand)
      .rejects(new PullThroughCacheRuleNotFoundException({ message: "none", ...metadata }));

    expect((await invoke(validationEvent(REGISTRY, "none"))).statusCode).toBe(404);
  });
});

describe("GET /upstreams", () => {
  it("lists what the registry may use, in policy order, with no ARN", async () => {
    const response = await invoke(upstreamsEvent({ registryId: OTHER }));

    expect(response.statusCode).toBe(200);
    expect(json(response.body)).toEqual({
      upstreams: [
        { url: "public.ecr.aws", aliases: [], requiresCredential: false },
        { url: "registry.k8s.io", aliases: [], requiresCredential: false },
        {
          url: "registry-1.docker.io",
          aliases: ["docker.io", "index.docker.io"],
          upstreamRegistry: "docker-hub",
          requiresCredential: true,
        },
        {
          url: "ghcr.io",
          aliases: [],
          upstreamRegistry: "github-container-registry",
          requiresCredential: true,
        },
      ],
    });
    expect(response.body).not.toContain("arn:");
    expect(calls()).toEqual([]);
  });

  it.each([
    ["no registryId", {}, [{ field: "registryId", message: "is required" }]],
    [
      "a malformed one",
      { registryId: "12" },
      [{ field: "registryId", message: "must be exactly 12 digits" }],
    ],
    [
      "a repeated one",
      { registryId: [REGISTRY, OTHER] },
      [{ field: "registryId", message: "must be given only once" }],
    ],
    [
      "a misspelt one",
      { registryID: REGISTRY },
      [
        {
          field: "registryID",
          message: "is not a known query parameter; did you mean 'registryId'?",
        },
        { field: "registryId", message: "is required" },
      ],
    ],
  ])("refuses %s with 400 naming it", async (_, query, errors) => {
    const response = await invoke(upstreamsEvent(query));

    expect(response.statusCode).toBe(400);
    expect(json(response.body)["errors"]).toEqual(expect.arrayContaining(errors));
  });
});

describe("GET /openapi.json", () => {
  it("serves the OpenAPI 3.1 document of every route", async () => {
    const response = await invoke(openApiEvent());

    expect(response.statusCode).toBe(200);
    expect(json(response.body)).toEqual(openApiDocument);
    expect(response.headers).not.toHaveProperty("Access-Control-Allow-Origin");
  });
});

describe("POST /registries/{registryId}/cache-rules?dryRun=true", () => {
  const dryRun = (body: Record<string, unknown>, dryRunValue: string | string[] = "true") =>
    invoke(createRuleEvent(body, { query: { dryRun: dryRunValue } }));
  const lists = (...rules: ReturnType<typeof stored>[]) =>
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({ pullThroughCacheRules: rules });

  it("previews a create: the exact request, the quota over every page, and never calls Create", async () => {
    ecr
      .on(DescribePullThroughCacheRulesCommand)
      .resolvesOnce({ pullThroughCacheRules: [stored("a", "quay.io")], nextToken: "p2" })
      .resolvesOnce({ pullThroughCacheRules: [stored("b", "quay.io"), stored("c", "quay.io")] });

    const response = await dryRun({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "Docker.io" });

    expect(response.statusCode).toBe(200);
    expect(json(response.body)).toEqual({
      decision: "allowed",
      outcome: "create",
      request: {
        registryId: REGISTRY,
        ecrRepositoryPrefix: "hub",
        upstreamRegistryUrl: "registry-1.docker.io",
        upstreamRegistry: "docker-hub",
        credentialArn: SECRET,
      },
      quota: { used: 3, limit: 50 },
    });
    expect(ecr.commandCalls(CreatePullThroughCacheRuleCommand)).toEqual([]);
    expect(response.headers).not.toHaveProperty("Location");
  });

  it.each([
    ["existing", stored("quay", "QUAY.IO")],
    ["conflict", stored("quay", "public.ecr.aws")],
  ])("says %s, with the rule under the prefix", async (outcome, rule) => {
    lists(rule);

    const body = json(
      (await dryRun({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" })).body,
    );

    expect(body).toMatchObject({
      outcome,
      existingRule: { ecrRepositoryPrefix: "quay", upstreamRegistryUrl: rule.upstreamRegistryUrl },
    });
  });

  it("says quota-exceeded when the registry holds 50 rules", async () => {
    lists(...Array.from({ length: 50 }, (_, i) => stored(`r${i}`, "quay.io")));

    const body = json(
      (await dryRun({ ecrRepositoryPrefix: "new", upstreamRegistryUrl: "quay.io" })).body,
    );

    expect(body).toMatchObject({ outcome: "quota-exceeded", quota: { used: 50, limit: 50 } });
  });

  it("answers exactly what a create answers for a refused request, and reads nothing", async () => {
    const response = await dryRun({
      ecrRepositoryPrefix: "evil",
      upstreamRegistryUrl: "registry.evil.example",
    });

    expect(response.statusCode).toBe(403);
    expect(calls()).toEqual([]);
  });

  it("creates for real with dryRun=false", async () => {
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .callsFake((input: Record<string, unknown>) => ({ ...input, createdAt: CREATED_AT }));

    const response = await dryRun(
      { ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" },
      "false",
    );

    expect(response.statusCode).toBe(201);
  });

  it.each([
    ["any other value", { dryRun: "yes" }, { field: "dryRun", message: "must be true or false" }],
    [
      "a repeated one",
      { dryRun: ["true", "false"] },
      { field: "dryRun", message: "must be given only once" },
    ],
    [
      "a misspelt one",
      { dryrun: "true" },
      { field: "dryrun", message: "is not a known query parameter; did you mean 'dryRun'?" },
    ],
  ])("refuses %s with 400 and never creates", async (_, query, error) => {
    const response = await invoke(
      createRuleEvent({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" }, { query }),
    );

    expect(response.statusCode).toBe(400);
    expect(json(response.body)["errors"]).toEqual([error]);
    expect(calls()).toEqual([]);
  });
});

describe("every route", () => {
  const routes: [string, Event][] = [
    ["list", listRulesEvent(REGISTRY)],
    ["read", getRuleEvent(REGISTRY, "ab")],
    ["delete", deleteRuleEvent(REGISTRY, "ab")],
    ["sync", syncRuleEvent(REGISTRY, "ab")],
    ["validation", validationEvent(REGISTRY, "ab")],
    ["upstreams", upstreamsEvent({ registryId: REGISTRY })],
    ["openapi", openApiEvent()],
  ];

  it.each(routes)(
    "%s refuses a query parameter it does not name, and reaches nothing behind the gate",
    async (_, event) => {
      const response = await invoke({
        ...event,
        queryStringParameters: { ...event.queryStringParameters, debug: "1" },
        multiValueQueryStringParameters: { ...event.multiValueQueryStringParameters, debug: ["1"] },
      });

      expect(response.statusCode).toBe(400);
      expect(json(response.body)["errors"]).toEqual([
        { field: "debug", message: "is not a known query parameter" },
      ]);
      expect(calls()).toEqual([]);
    },
  );

  it.each(routes.filter(([name]) => name !== "sync"))("%s refuses a body", async (_, event) => {
    const response = await invoke({
      ...event,
      body: "{}",
      headers: { "Content-Type": "application/json" },
    });

    expect(response.statusCode).toBe(400);
    expect(json(response.body)).toMatchObject({
      code: "InvalidBody",
      detail: expect.stringContaining("takes no body"),
    });
    expect(calls()).toEqual([]);
  });

  it("answers a route API Gateway would never send with 404 RouteNotFound", async () => {
    const response = await invoke(
      apiGatewayEvent({ method: "PATCH", resource: "/registries/{registryId}/cache-rules" }),
    );

    expect(response.statusCode).toBe(404);
    expect(json(response.body)).toMatchObject({ code: "RouteNotFound" });
  });
});

describe("one deadline for all of a request's ECR calls", () => {
  it("says a time-out on a read changed nothing, and on a create that it may have", async () => {
    const hasty = await handlerFor({ env: { ECR_DEADLINE_MS: "30" } });
    ecr.on(DescribePullThroughCacheRulesCommand).callsFake(() => new Promise(() => {}));
    ecr.on(CreatePullThroughCacheRuleCommand).callsFake(() => new Promise(() => {}));

    const read = await hasty(getRuleEvent(REGISTRY, "ab"), lambdaContext());
    const create = await hasty(
      createRuleEvent({ ecrRepositoryPrefix: "ab", upstreamRegistryUrl: "quay.io" }),
      lambdaContext(),
    );

    expect([read.statusCode, create.statusCode]).toEqual([504, 504]);
    expect(json(read.body)["detail"]).toBe(
      "ECR did not answer in time. Nothing was changed; retrying is safe.",
    );
    expect(json(create.body)["detail"]).toBe(
      "ECR did not answer in time. The change may or may not have been made; retrying is safe.",
    );
  });

  it("leaves the post-create validation out of time, not the created rule", async () => {
    const hasty = await handlerFor({ env: { ECR_DEADLINE_MS: "500" } });
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .callsFake(
        (input: Record<string, unknown>) =>
          new Promise((resolve) =>
            setTimeout(() => resolve({ ...input, createdAt: CREATED_AT }), 20),
          ),
      );
    ecr.on(ValidatePullThroughCacheRuleCommand).callsFake(() => new Promise(() => {}));

    const response = await hasty(
      createRuleEvent({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "docker.io" }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(201);
    expect(json(response.body)["validation"]).toEqual({
      isValid: null,
      failure: expect.stringContaining("ECR could not check it (ecr-timeout)"),
    });
  });
});

describe("field errors", () => {
  it("lists at most 20, and says how many there were", async () => {
    // Short keys, so that 2,197 of them fit in 16 KiB.
    const body = Object.fromEntries(Array.from({ length: 2_197 }, (_, i) => [i.toString(36), 0]));

    const response = await invoke(createRuleEvent(body));

    const problem = json(response.body);
    expect(problem["errors"]).toHaveLength(20);
    expect(problem["detail"]).toMatch(
      /and \d+ more; errors lists the first 20 of 2199 problems\.$/,
    );
    expect(response.body.length).toBeLessThan(4_096);
  });

  it("says an empty body is empty", async () => {
    const response = await invoke(createRuleEvent(""));

    expect(json(response.body)).toMatchObject({
      code: "InvalidBody",
      detail:
        "The body is empty: send a JSON object with ecrRepositoryPrefix and upstreamRegistryUrl.",
    });
  });

  it("suggests the field a misspelt one was meant to be", async () => {
    const response = await invoke(
      createRuleEvent({ ecrRepositoryPrefx: "ab", upstreamRegistryUrl: "quay.io" }),
    );

    expect(json(response.body)["errors"]).toEqual(
      expect.arrayContaining([
        {
          field: "ecrRepositoryPrefx",
          message: "is not a known field; did you mean 'ecrRepositoryPrefix'?",
        },
      ]),
    );
  });
});

describe("what the dispatcher reads from API Gateway's event", () => {
  it("refuses a body in an encoding it does not decode, with 415, and takes identity", async () => {
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .callsFake((input: Record<string, unknown>) => ({ ...input, createdAt: CREATED_AT }));
    const body = { ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" };
    const sent = (encoding: string) =>
      invoke(
        createRuleEvent(body, {
          headers: { "Content-Type": "application/json", "Content-Encoding": encoding },
        }),
      );

    const gzip = await sent("gzip");
    const both = await sent("identity, br");

    expect([gzip.statusCode, both.statusCode]).toEqual([415, 415]);
    expect(json(gzip.body)).toMatchObject({
      code: "UnsupportedMediaType",
      detail: expect.stringContaining("'gzip'"),
    });
    expect((await sent("identity")).statusCode).toBe(201);
    expect(ecr.commandCalls(CreatePullThroughCacheRuleCommand)).toHaveLength(1);
  });

  it("reads query parameters when API Gateway sends no multi-value map", async () => {
    const event = upstreamsEvent({ registryId: REGISTRY });
    event.multiValueQueryStringParameters = null;

    expect((await invoke(event)).statusCode).toBe(200);
  });

  it("treats a parameter with no value at all as absent", async () => {
    const event = upstreamsEvent({ registryId: REGISTRY });
    event.multiValueQueryStringParameters = { registryId: [REGISTRY], extra: [] };
    event.queryStringParameters = { registryId: REGISTRY };

    expect((await invoke(event)).statusCode).toBe(200);
  });

  it("serves a caller API Gateway names no account or ARN for", async () => {
    const event = upstreamsEvent({ registryId: REGISTRY });
    Reflect.set(event.requestContext.identity, "accountId", null);
    Reflect.set(event.requestContext.identity, "userArn", null);

    expect((await invoke(event)).statusCode).toBe(200);
  });
});

describe("ECR to ECR upstreams", () => {
  const CENTRAL = "444455556666.dkr.ecr.eu-west-1.amazonaws.com";
  const ecrPolicy = {
    version: 1 as const,
    upstreams: [
      {
        url: CENTRAL,
        aliases: [],
        upstreamRegistry: "ecr",
        customRoleArn: "arn:aws:iam::{registryId}:role/ecr-pullthroughcache-central",
        upstreamRepositoryPrefixes: ["golden", "base-images"],
      },
    ],
  };

  it("creates with the asked upstream prefix and the filled-in role, and validates it", async () => {
    const central = await handlerFor({ policy: ecrPolicy });
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .callsFake((input: Record<string, unknown>) => ({ ...input, createdAt: CREATED_AT }));
    ecr
      .on(ValidatePullThroughCacheRuleCommand)
      .resolves({ upstreamRegistryUrl: CENTRAL, isValid: true });

    const response = await central(
      createRuleEvent({
        ecrRepositoryPrefix: "golden",
        upstreamRegistryUrl: CENTRAL,
        upstreamRepositoryPrefix: "golden",
      }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(201);
    expect(ecr.commandCalls(CreatePullThroughCacheRuleCommand)[0]?.args[0].input).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "golden",
      upstreamRegistryUrl: CENTRAL,
      upstreamRegistry: "ecr",
      customRoleArn: `arn:aws:iam::${REGISTRY}:role/ecr-pullthroughcache-central`,
      upstreamRepositoryPrefix: "golden",
    });
    expect(json(response.body)).toMatchObject({
      customRoleArn: `arn:aws:iam::${REGISTRY}:role/ecr-pullthroughcache-central`,
      upstreamRepositoryPrefix: "golden",
      validation: { isValid: true },
    });
  });

  it("shows the entry's upstream prefixes in what a registry may use", async () => {
    const central = await handlerFor({ policy: ecrPolicy });

    const response = await central(upstreamsEvent({ registryId: REGISTRY }), lambdaContext());

    expect(json(response.body)).toEqual({
      upstreams: [
        {
          url: CENTRAL,
          aliases: [],
          upstreamRegistry: "ecr",
          requiresCredential: true,
          upstreamRepositoryPrefixes: ["golden", "base-images"],
        },
      ],
    });
  });

  it("checks the upstream prefix against ECR's pattern before the policy", async () => {
    const central = await handlerFor({ policy: ecrPolicy });

    const response = await central(
      createRuleEvent({
        ecrRepositoryPrefix: "golden",
        upstreamRegistryUrl: CENTRAL,
        upstreamRepositoryPrefix: "Golden",
      }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(400);
    expect(json(response.body)["errors"]).toEqual([
      {
        field: "upstreamRepositoryPrefix",
        message: expect.stringContaining("lower-case letters and digits"),
      },
    ]);
  });
});

describe("a validation without failure", () => {
  it("leaves failure out", async () => {
    ecr
      .on(ValidatePullThroughCacheRuleCommand)
      .resolves({ upstreamRegistryUrl: "quay.io", isValid: true });

    expect(json((await invoke(validationEvent(REGISTRY, "quay"))).body)).toEqual({
      registryId: REGISTRY,
      ecrRepositoryPrefix: "quay",
      upstreamRegistryUrl: "quay.io",
      isValid: true,
    });
  });
});

describe("answers that are not ECR's", () => {
  it.each([
    ["a createdAt past any date", new Date(1e300 * 1000)],
    ["a createdAt before any date", new Date(-1e15 * 1000)],
  ])("are a 502 for %s, not a 500", async (_, createdAt) => {
    ecr
      .on(DescribePullThroughCacheRulesCommand)
      .resolves({ pullThroughCacheRules: [stored("ab", "quay.io", { createdAt })] });

    const response = await invoke(getRuleEvent(REGISTRY, "ab"));

    expect(response.statusCode).toBe(502);
    expect(json(response.body)).toMatchObject({ code: "EcrUnavailable" });
  });
});

describe("ECR's secret errors", () => {
  it("name the secret the policy binds and what must be true of it", async () => {
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .rejects(new SecretNotFoundException({ message: "Secret not found", ...metadata }));

    const response = await invoke(
      createRuleEvent({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "docker.io" }),
    );

    expect(response.statusCode).toBe(422);
    expect(json(response.body)).toMatchObject({
      code: "SecretNotFoundException",
      detail: expect.stringContaining(
        "the policy binds the secret 'ecr-pullthroughcache/docker-hub' in account 123456789012, Region eu-west-1",
      ),
    });
  });
});
