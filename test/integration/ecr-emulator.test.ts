import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import {
  CreatePullThroughCacheRuleCommand,
  type CreatePullThroughCacheRuleCommandInput,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  type DescribePullThroughCacheRulesCommandInput,
  DescribeRepositoriesCommand,
  ECRClient,
  type ECRClientConfig,
  ECRServiceException,
  InvalidParameterException,
  LimitExceededException,
  PullThroughCacheRuleAlreadyExistsException,
  PullThroughCacheRuleNotFoundException,
  SecretNotFoundException,
  ServerException,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  UnsupportedUpstreamRegistryException,
  UpdatePullThroughCacheRuleCommand,
  type UpdatePullThroughCacheRuleCommandInput,
  type UpstreamRegistry,
  ValidatePullThroughCacheRuleCommand,
  ValidationException,
} from "@aws-sdk/client-ecr";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { HttpRequest } from "@smithy/core/protocols";
import type { AwsCredentialIdentity, FinalizeRequestMiddleware } from "@smithy/types";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ControlRequestError, type EcrEmulator, startEcrEmulator } from "../../dev/ecr-emulator.js";
import {
  remoteCredentialLookup,
  type StsEmulator,
  startStsEmulator,
} from "../../dev/sts-emulator.js";
import { rejectionOf } from "../fixtures/rejection.js";

const DEFAULT_ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "210987654321";
const CREDENTIAL_ARN =
  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/upstream-AbCdEf";
const ROTATED_CREDENTIAL_ARN =
  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/upstream-GhIjKl";
const CENTRAL_ECR = "444455556666.dkr.ecr.eu-west-1.amazonaws.com";
const CENTRAL_ROLE = "arn:aws:iam::123456789012:role/ecr-pullthroughcache-central";
const UPSTREAM_PREFIX_PATTERN =
  "^([a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*\\/?|ROOT)$";
const PREFIX_PATTERN = "^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*/?|ROOT)$";
const TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface RecordedCall {
  operation: string;
  body: unknown;
  accessKeyId: string | null;
  at: string;
}

let emulator: EcrEmulator;
let ecr: ECRClient;
const extraClients: ECRClient[] = [];

const newClient = (config: ECRClientConfig = {}): ECRClient => {
  const client = new ECRClient({
    endpoint: emulator.url,
    region: "eu-west-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    ...config,
  });
  extraClients.push(client);
  return client;
};

const control = (method: string, path: string, body?: unknown): Promise<Response> =>
  fetch(`${emulator.url}/__emulator/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });

const injectFault = async (fault: Record<string, unknown>): Promise<void> => {
  const response = await control("POST", "faults", fault);
  expect(response.status).toBe(204);
};

const recordedCalls = async (): Promise<RecordedCall[]> => {
  const response = await control("GET", "calls");
  return ((await response.json()) as { calls: RecordedCall[] }).calls;
};

const postEcr = (target: string | undefined, body: string): Promise<Response> =>
  fetch(emulator.url, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      ...(target === undefined ? {} : { "x-amz-target": target }),
    },
    body,
  });

const createRule = (input: Partial<CreatePullThroughCacheRuleCommandInput>) =>
  ecr.send(
    new CreatePullThroughCacheRuleCommand({
      ecrRepositoryPrefix: "ecr-public",
      upstreamRegistryUrl: "public.ecr.aws",
      ...input,
    }),
  );

const describeRules = (input: DescribePullThroughCacheRulesCommandInput = {}) =>
  ecr.send(new DescribePullThroughCacheRulesCommand(input));

const updateRule = (input: UpdatePullThroughCacheRuleCommandInput) =>
  ecr.send(new UpdatePullThroughCacheRuleCommand(input));

beforeAll(async () => {
  emulator = await startEcrEmulator({ port: 0 });
  ecr = newClient();
});

afterAll(async () => {
  for (const client of extraClients) client.destroy();
  await emulator.close();
});

beforeEach(async () => {
  const response = await control("POST", "reset");
  expect(response.status).toBe(204);
});

describe("CreatePullThroughCacheRule", () => {
  it("creates a rule in the default registry and answers with its details", async () => {
    // Prepare
    const before = Date.now();

    // Act
    const created = await createRule({
      ecrRepositoryPrefix: "central",
      upstreamRegistryUrl: CENTRAL_ECR,
      customRoleArn: CENTRAL_ROLE,
      upstreamRepositoryPrefix: "library",
    });

    // Assess
    expect(created).toMatchObject({
      ecrRepositoryPrefix: "central",
      upstreamRegistryUrl: CENTRAL_ECR,
      registryId: DEFAULT_ACCOUNT,
      upstreamRegistry: "ecr",
      customRoleArn: CENTRAL_ROLE,
      upstreamRepositoryPrefix: "library",
      $metadata: { httpStatusCode: 200 },
    });
    expect(created.credentialArn).toBeUndefined();
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.createdAt?.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(created.$metadata.requestId).toMatch(UUID);
  });

  it("creates the rule in the registry named by registryId", async () => {
    // Act
    const created = await createRule({ registryId: OTHER_ACCOUNT });

    // Assess
    expect(created.registryId).toBe(OTHER_ACCOUNT);
    await expect(describeRules()).resolves.toMatchObject({ pullThroughCacheRules: [] });
  });

  it("accepts the ROOT prefix", async () => {
    // Act
    const created = await createRule({ ecrRepositoryPrefix: "ROOT" });

    // Assess
    expect(created.ecrRepositoryPrefix).toBe("ROOT");
  });

  it.each<{
    url: string;
    registry: UpstreamRegistry;
    credentialArn?: string;
    customRoleArn?: string;
  }>([
    { url: "public.ecr.aws", registry: "ecr-public" },
    { url: "registry.k8s.io", registry: "k8s" },
    { url: "quay.io", registry: "quay" },
    { url: "cgr.dev", registry: "chainguard" },
    {
      url: "111122223333.dkr.ecr.eu-central-1.amazonaws.com",
      registry: "ecr",
      customRoleArn: CENTRAL_ROLE,
    },
    { url: "registry-1.docker.io", registry: "docker-hub", credentialArn: CREDENTIAL_ARN },
    { url: "ghcr.io", registry: "github-container-registry", credentialArn: CREDENTIAL_ARN },
    {
      url: "registry.gitlab.com",
      registry: "gitlab-container-registry",
      credentialArn: CREDENTIAL_ARN,
    },
    {
      url: "myregistry.azurecr.io",
      registry: "azure-container-registry",
      credentialArn: CREDENTIAL_ARN,
    },
  ])(
    "derives upstreamRegistry $registry from upstreamRegistryUrl $url",
    async ({ url, registry, credentialArn, customRoleArn }) => {
      // Act
      const created = await createRule({
        ecrRepositoryPrefix: "cache",
        upstreamRegistryUrl: url,
        ...(credentialArn === undefined ? {} : { credentialArn }),
        ...(customRoleArn === undefined ? {} : { customRoleArn }),
      });

      // Assess
      expect(created.upstreamRegistry).toBe(registry);
      expect(created.credentialArn).toBe(credentialArn);
      expect(created.customRoleArn).toBe(customRoleArn);
    },
  );

  it.each<{
    problem: string;
    input: Partial<CreatePullThroughCacheRuleCommandInput>;
    message: string;
  }>([
    {
      problem: "a missing ecrRepositoryPrefix",
      input: { ecrRepositoryPrefix: undefined },
      message:
        "1 validation error detected: Value null at 'ecrRepositoryPrefix' failed to satisfy constraint: Member must not be null",
    },
    {
      problem: "a missing upstreamRegistryUrl",
      input: { upstreamRegistryUrl: undefined },
      message:
        "1 validation error detected: Value null at 'upstreamRegistryUrl' failed to satisfy constraint: Member must not be null",
    },
    {
      problem: "a one-character prefix",
      input: { ecrRepositoryPrefix: "a" },
      message:
        "1 validation error detected: Value 'a' at 'ecrRepositoryPrefix' failed to satisfy constraint: Member must have length greater than or equal to 2",
    },
    {
      problem: "a 31-character prefix",
      input: { ecrRepositoryPrefix: "a".repeat(31) },
      message: `1 validation error detected: Value '${"a".repeat(31)}' at 'ecrRepositoryPrefix' failed to satisfy constraint: Member must have length less than or equal to 30`,
    },
    {
      problem: "a prefix outside ECR's pattern",
      input: { ecrRepositoryPrefix: "Docker_Hub" },
      message: `1 validation error detected: Value 'Docker_Hub' at 'ecrRepositoryPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PREFIX_PATTERN}`,
    },
    {
      problem: "a registryId that is not 12 digits",
      input: { registryId: "12345" },
      message:
        "1 validation error detected: Value '12345' at 'registryId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{12}",
    },
    {
      problem: "an unknown upstreamRegistry",
      input: { upstreamRegistry: "dockerhub" as UpstreamRegistry },
      message:
        "1 validation error detected: Value 'dockerhub' at 'upstreamRegistry' failed to satisfy constraint: Member must satisfy enum value set: [azure-container-registry, chainguard, docker-hub, ecr, ecr-public, github-container-registry, gitlab-container-registry, k8s, quay]",
    },
    {
      problem: "a credentialArn outside the ecr-pullthroughcache/ secret namespace",
      input: { credentialArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other/token" },
      message:
        "1 validation error detected: Value 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other/token' at 'credentialArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:ecr-pullthroughcache/.+$",
    },
    {
      problem: "several invalid members",
      input: { ecrRepositoryPrefix: "a", registryId: "x" },
      message:
        "2 validation errors detected: Value 'a' at 'ecrRepositoryPrefix' failed to satisfy constraint: Member must have length greater than or equal to 2; Value 'x' at 'registryId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{12}",
    },
  ])("rejects $problem with a ValidationException", async ({ input, message }) => {
    // Act
    const error = await rejectionOf(createRule(input));

    // Assess
    expect(error).toBeInstanceOf(ValidationException);
    expect(error).toMatchObject({ message, $metadata: { httpStatusCode: 400 } });
  });

  it("rejects an upstreamRegistry that contradicts the URL with an InvalidParameterException", async () => {
    // Act
    const call = createRule({ upstreamRegistryUrl: "quay.io", upstreamRegistry: "k8s" });

    // Assess
    await expect(call).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it("rejects an upstream registry ECR does not support", async () => {
    // Act
    const error = await rejectionOf(createRule({ upstreamRegistryUrl: "registry.example.com" }));

    // Assess
    expect(error).toBeInstanceOf(UnsupportedUpstreamRegistryException);
    expect(error).toMatchObject({
      message:
        "The upstream registry registry.example.com is not supported for pull through cache rules.",
    });
  });

  it.each(["registry-1.docker.io", "ghcr.io", "registry.gitlab.com", "myregistry.azurecr.io"])(
    "requires a credentialArn for %s",
    async (url) => {
      // Act
      const error = await rejectionOf(
        createRule({ ecrRepositoryPrefix: "cache", upstreamRegistryUrl: url }),
      );

      // Assess
      expect(error).toBeInstanceOf(UnsupportedUpstreamRegistryException);
      expect((error as Error).message).toMatch(
        /requires authentication.*credentialArn must be supplied/,
      );
    },
  );

  it("refuses a second rule with the same prefix in the same registry", async () => {
    // Prepare
    await createRule({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });

    // Act
    const error = await rejectionOf(
      createRule({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "public.ecr.aws" }),
    );

    // Assess
    expect(error).toBeInstanceOf(PullThroughCacheRuleAlreadyExistsException);
    expect((error as Error).message).toMatch(/already exists for the private registry/);
  });

  it("allows 50 rules per registry and refuses the 51st, leaving other registries unaffected", async () => {
    // Prepare
    for (let index = 1; index <= 50; index += 1) {
      await createRule({ ecrRepositoryPrefix: `cache-${index}` });
    }

    // Act
    const overQuota = await rejectionOf(createRule({ ecrRepositoryPrefix: "cache-51" }));
    const elsewhere = await createRule({
      ecrRepositoryPrefix: "cache-51",
      registryId: OTHER_ACCOUNT,
    });

    // Assess
    expect(overQuota).toBeInstanceOf(LimitExceededException);
    expect((overQuota as Error).message).toMatch(/maximum number of pull through cache rules/);
    expect(elsewhere.registryId).toBe(OTHER_ACCOUNT);
    const { pullThroughCacheRules } = await describeRules({ maxResults: 1000 });
    expect(pullThroughCacheRules).toHaveLength(50);
  });
});

describe("ECR to ECR upstreams", () => {
  const createCentral = (input: Partial<CreatePullThroughCacheRuleCommandInput>) =>
    createRule({
      ecrRepositoryPrefix: "central",
      upstreamRegistryUrl: CENTRAL_ECR,
      customRoleArn: CENTRAL_ROLE,
      ...input,
    });

  it("stores the role and upstream prefix, and Describe returns them", async () => {
    // Prepare
    await createCentral({ upstreamRepositoryPrefix: "golden" });

    // Act
    const { pullThroughCacheRules = [] } = await describeRules();

    // Assess
    expect(pullThroughCacheRules).toEqual([
      expect.objectContaining({
        ecrRepositoryPrefix: "central",
        upstreamRegistryUrl: CENTRAL_ECR,
        upstreamRegistry: "ecr",
        customRoleArn: CENTRAL_ROLE,
        upstreamRepositoryPrefix: "golden",
      }),
    ]);
    expect(pullThroughCacheRules[0]?.credentialArn).toBeUndefined();
  });

  it.each<{
    problem: string;
    input: Partial<CreatePullThroughCacheRuleCommandInput>;
    message: string;
  }>([
    {
      problem: "no customRoleArn",
      input: { customRoleArn: undefined },
      message: `Invalid parameter at 'customRoleArn' failed to satisfy constraint: 'A customRoleArn is required for the ecr upstream registry ${CENTRAL_ECR}.'`,
    },
    {
      problem: "a customRoleArn that is not an IAM role ARN",
      input: { customRoleArn: "arn:aws:iam::123456789012:user/ecr" },
      message:
        "Invalid parameter at 'customRoleArn' failed to satisfy constraint: 'The customRoleArn arn:aws:iam::123456789012:user/ecr is not a valid IAM role ARN.'",
    },
    {
      problem: "a role in another account than the registry",
      input: { customRoleArn: "arn:aws:iam::444455556666:role/central" },
      message:
        "Invalid parameter at 'customRoleArn' failed to satisfy constraint: 'The customRoleArn arn:aws:iam::444455556666:role/central must be an IAM role in the account of the registry with id '123456789012'.'",
    },
    {
      problem: "a credentialArn",
      input: { credentialArn: CREDENTIAL_ARN },
      message: `Invalid parameter at 'credentialArn' failed to satisfy constraint: 'A credentialArn is not supported for the ecr upstream registry ${CENTRAL_ECR}; use a customRoleArn.'`,
    },
    {
      problem: "an upstream prefix other than ROOT on the ROOT prefix",
      input: { ecrRepositoryPrefix: "ROOT", upstreamRepositoryPrefix: "golden" },
      message:
        "Invalid parameter at 'upstreamRepositoryPrefix' failed to satisfy constraint: 'An upstreamRepositoryPrefix other than ROOT can only be set when the ecrRepositoryPrefix is not ROOT.'",
    },
  ])("refuses $problem with an InvalidParameterException", async ({ input, message }) => {
    // Act
    const error = await rejectionOf(createCentral(input));

    // Assess
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error).toMatchObject({ message, $metadata: { httpStatusCode: 400 } });
    await expect(describeRules()).resolves.toMatchObject({ pullThroughCacheRules: [] });
  });

  it.each([
    "ROOT",
    "ab",
    "golden/base",
    "base__images",
    "base---images",
    "a.b_c-d/",
    "a".repeat(30),
  ])("accepts the upstream prefix %s", async (upstreamRepositoryPrefix) => {
    // Act
    const created = await createCentral({ upstreamRepositoryPrefix });

    // Assess
    expect(created.upstreamRepositoryPrefix).toBe(upstreamRepositoryPrefix);
  });

  it.each<{ prefix: string; constraint: string }>([
    { prefix: "a", constraint: "Member must have length greater than or equal to 2" },
    { prefix: "a".repeat(31), constraint: "Member must have length less than or equal to 30" },
    {
      prefix: "Golden",
      constraint: `Member must satisfy regular expression pattern: ${UPSTREAM_PREFIX_PATTERN}`,
    },
    {
      prefix: "-golden",
      constraint: `Member must satisfy regular expression pattern: ${UPSTREAM_PREFIX_PATTERN}`,
    },
    {
      prefix: "golden//base",
      constraint: `Member must satisfy regular expression pattern: ${UPSTREAM_PREFIX_PATTERN}`,
    },
  ])(
    "refuses the upstream prefix $prefix with a ValidationException",
    async ({ prefix, constraint }) => {
      // Act
      const error = await rejectionOf(createCentral({ upstreamRepositoryPrefix: prefix }));

      // Assess
      expect(error).toBeInstanceOf(ValidationException);
      expect(error).toMatchObject({
        message: `1 validation error detected: Value '${prefix}' at 'upstreamRepositoryPrefix' failed to satisfy constraint: ${constraint}`,
      });
    },
  );

  it.each([
    { url: "quay.io", field: "customRoleArn", input: { customRoleArn: CENTRAL_ROLE } },
    {
      url: "public.ecr.aws",
      field: "upstreamRepositoryPrefix",
      input: { upstreamRepositoryPrefix: "library" },
    },
    {
      url: "registry-1.docker.io",
      field: "customRoleArn",
      input: { credentialArn: CREDENTIAL_ARN, customRoleArn: CENTRAL_ROLE },
    },
  ])(
    "refuses $field for the non-ECR upstream $url with an InvalidParameterException",
    async ({ url, field, input }) => {
      // Act
      const error = await rejectionOf(
        createRule({ ecrRepositoryPrefix: "cache", upstreamRegistryUrl: url, ...input }),
      );

      // Assess
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect((error as Error).message).toBe(
        `Invalid parameter at '${field}' failed to satisfy constraint: 'A${field === "customRoleArn" ? "" : "n"} ${field} is only supported for an ecr upstream registry, not for ${url}.'`,
      );
    },
  );

  it("reports a seeded ECR rule without a role as invalid", async () => {
    // Prepare
    const seeded = await control("POST", "rules", {
      ecrRepositoryPrefix: "central",
      upstreamRegistryUrl: CENTRAL_ECR,
    });
    expect(seeded.status).toBe(201);

    // Act
    const result = await ecr.send(
      new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "central" }),
    );

    // Assess
    expect(result.isValid).toBe(false);
    expect(result.failure).toMatch(/requires a customRoleArn/);
  });
});

describe("DescribePullThroughCacheRules", () => {
  it("lists the registry's rules in creation order with both timestamps as Dates", async () => {
    // Prepare
    await createRule({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });
    await createRule({
      ecrRepositoryPrefix: "docker-hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      credentialArn: CREDENTIAL_ARN,
    });
    await createRule({ ecrRepositoryPrefix: "k8s", upstreamRegistryUrl: "registry.k8s.io" });

    // Act
    const { pullThroughCacheRules = [], nextToken } = await describeRules();

    // Assess
    expect(pullThroughCacheRules.map((rule) => rule.ecrRepositoryPrefix)).toEqual([
      "quay",
      "docker-hub",
      "k8s",
    ]);
    expect(pullThroughCacheRules[1]).toMatchObject({
      upstreamRegistryUrl: "registry-1.docker.io",
      upstreamRegistry: "docker-hub",
      registryId: DEFAULT_ACCOUNT,
      credentialArn: CREDENTIAL_ARN,
    });
    for (const rule of pullThroughCacheRules) {
      expect(rule.createdAt).toBeInstanceOf(Date);
      expect(rule.updatedAt).toBeInstanceOf(Date);
    }
    expect(nextToken).toBeUndefined();
  });

  it("returns only the rules named in ecrRepositoryPrefixes", async () => {
    // Prepare
    await createRule({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });
    await createRule({ ecrRepositoryPrefix: "k8s", upstreamRegistryUrl: "registry.k8s.io" });
    await createRule({ ecrRepositoryPrefix: "ecr-public" });

    // Act
    const { pullThroughCacheRules = [] } = await describeRules({
      ecrRepositoryPrefixes: ["ecr-public", "quay"],
    });

    // Assess
    expect(pullThroughCacheRules.map((rule) => rule.ecrRepositoryPrefix)).toEqual([
      "quay",
      "ecr-public",
    ]);
  });

  it("answers PullThroughCacheRuleNotFoundException when a named prefix does not exist", async () => {
    // Prepare
    await createRule({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });

    // Act
    const call = describeRules({ ecrRepositoryPrefixes: ["quay", "missing"] });

    // Assess
    await expect(call).rejects.toBeInstanceOf(PullThroughCacheRuleNotFoundException);
  });

  it("pages through the rules with maxResults and nextToken", async () => {
    // Prepare
    for (const prefix of ["one", "two", "three", "four", "five"]) {
      await createRule({ ecrRepositoryPrefix: prefix });
    }

    // Act
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await describeRules({
        maxResults: 2,
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      pages.push((page.pullThroughCacheRules ?? []).map((rule) => rule.ecrRepositoryPrefix ?? ""));
      nextToken = page.nextToken;
    } while (nextToken !== undefined && pages.length < 10);

    // Assess
    expect(pages).toEqual([["one", "two"], ["three", "four"], ["five"]]);
  });

  it("pages through 120 seeded rules 7 at a time without losing or repeating one", async () => {
    // Prepare
    const seeded = Array.from({ length: 120 }, (_, index) => `rule-${index + 1}`);
    for (const prefix of seeded) {
      emulator.seed({ ecrRepositoryPrefix: prefix, upstreamRegistryUrl: "quay.io" });
    }
    emulator.seed({
      registryId: OTHER_ACCOUNT,
      ecrRepositoryPrefix: "elsewhere",
      upstreamRegistryUrl: "quay.io",
    });

    // Act
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await describeRules({
        maxResults: 7,
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      pages.push((page.pullThroughCacheRules ?? []).map((rule) => rule.ecrRepositoryPrefix ?? ""));
      nextToken = page.nextToken;
    } while (nextToken !== undefined && pages.length < 50);

    // Assess
    expect(pages).toHaveLength(18);
    expect(pages.slice(0, 17).every((page) => page.length === 7)).toBe(true);
    expect(pages.at(-1)).toHaveLength(1);
    expect(pages.flat()).toEqual(seeded);
  });

  it("keeps paging exact when rules are deleted and added between pages", async () => {
    // Prepare
    for (let index = 1; index <= 20; index += 1) {
      emulator.seed({ ecrRepositoryPrefix: `rule-${index}`, upstreamRegistryUrl: "quay.io" });
    }
    const first = await describeRules({ maxResults: 7 });
    await ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "rule-8" }));
    await ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "rule-3" }));
    emulator.seed({ ecrRepositoryPrefix: "late", upstreamRegistryUrl: "quay.io" });

    // Act
    const rest: string[] = [];
    let nextToken = first.nextToken;
    while (nextToken !== undefined && rest.length < 100) {
      const page = await describeRules({ maxResults: 7, nextToken });
      rest.push(
        ...(page.pullThroughCacheRules ?? []).map((rule) => rule.ecrRepositoryPrefix ?? ""),
      );
      nextToken = page.nextToken;
    }

    // Assess
    expect(first.pullThroughCacheRules?.map((rule) => rule.ecrRepositoryPrefix)).toEqual(
      Array.from({ length: 7 }, (_, index) => `rule-${index + 1}`),
    );
    expect(rest).toEqual([
      ...Array.from({ length: 12 }, (_, index) => `rule-${index + 9}`),
      "late",
    ]);
  });

  it("refuses a token of another registry and an edited token", async () => {
    // Prepare
    for (let index = 1; index <= 3; index += 1) {
      emulator.seed({ ecrRepositoryPrefix: `rule-${index}`, upstreamRegistryUrl: "quay.io" });
      emulator.seed({
        registryId: OTHER_ACCOUNT,
        ecrRepositoryPrefix: `rule-${index}`,
        upstreamRegistryUrl: "quay.io",
      });
    }
    const { nextToken = "" } = await describeRules({ maxResults: 1 });
    const [payload = "", signature = ""] = nextToken.split(".");
    const edited = `${Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, "base64url").toString("utf8")),
        afterSeq: 0,
      }),
    ).toString("base64url")}.${signature}`;

    // Act
    const foreign = rejectionOf(describeRules({ registryId: OTHER_ACCOUNT, nextToken }));
    const forged = rejectionOf(describeRules({ nextToken: edited }));

    // Assess
    expect(nextToken).not.toBe("");
    await expect(foreign).resolves.toBeInstanceOf(InvalidParameterException);
    await expect(forged).resolves.toBeInstanceOf(InvalidParameterException);
  });

  it.each([0, 1001])("rejects maxResults %i with a ValidationException", async (maxResults) => {
    // Act
    const call = describeRules({ maxResults });

    // Assess
    await expect(call).rejects.toBeInstanceOf(ValidationException);
  });

  it("rejects a nextToken it did not issue with an InvalidParameterException", async () => {
    // Act
    const call = describeRules({ nextToken: "not-a-token" });

    // Assess
    await expect(call).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe("UpdatePullThroughCacheRule", () => {
  it("replaces the credential, sets updatedAt and answers in the SDK model's shape", async () => {
    // Prepare
    const created = await createRule({
      ecrRepositoryPrefix: "docker-hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      credentialArn: CREDENTIAL_ARN,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Act
    const updated = await updateRule({
      ecrRepositoryPrefix: "docker-hub",
      credentialArn: ROTATED_CREDENTIAL_ARN,
    });

    // Assess
    expect(updated).toMatchObject({
      ecrRepositoryPrefix: "docker-hub",
      registryId: DEFAULT_ACCOUNT,
      credentialArn: ROTATED_CREDENTIAL_ARN,
      $metadata: { httpStatusCode: 200 },
    });
    expect(updated.customRoleArn).toBeUndefined();
    expect(updated.updatedAt).toBeInstanceOf(Date);
    expect(updated.updatedAt?.getTime()).toBeGreaterThan(created.createdAt?.getTime() ?? Infinity);
    const { pullThroughCacheRules = [] } = await describeRules();
    expect(pullThroughCacheRules).toHaveLength(1);
    expect(pullThroughCacheRules[0]).toMatchObject({
      credentialArn: ROTATED_CREDENTIAL_ARN,
      upstreamRegistryUrl: "registry-1.docker.io",
      createdAt: created.createdAt,
      updatedAt: updated.updatedAt,
    });
  });

  it("answers exactly the members of UpdatePullThroughCacheRuleResponse", async () => {
    // Prepare
    await createRule({
      ecrRepositoryPrefix: "central",
      upstreamRegistryUrl: CENTRAL_ECR,
      customRoleArn: CENTRAL_ROLE,
      upstreamRepositoryPrefix: "golden",
    });

    // Act
    const response = await postEcr(
      `${TARGET_PREFIX}UpdatePullThroughCacheRule`,
      JSON.stringify({
        ecrRepositoryPrefix: "central",
        customRoleArn: "arn:aws:iam::123456789012:role/other",
      }),
    );

    // Assess
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      "customRoleArn",
      "ecrRepositoryPrefix",
      "registryId",
      "updatedAt",
      "upstreamRepositoryPrefix",
    ]);
    expect(body).toMatchObject({
      customRoleArn: "arn:aws:iam::123456789012:role/other",
      upstreamRepositoryPrefix: "golden",
      updatedAt: expect.any(Number),
    });
  });

  it("updates the rule in the registry named by registryId only", async () => {
    // Prepare
    for (const registryId of [DEFAULT_ACCOUNT, OTHER_ACCOUNT]) {
      await createRule({
        registryId,
        ecrRepositoryPrefix: "ghcr",
        upstreamRegistryUrl: "ghcr.io",
        credentialArn: CREDENTIAL_ARN,
      });
    }

    // Act
    await updateRule({
      registryId: OTHER_ACCOUNT,
      ecrRepositoryPrefix: "ghcr",
      credentialArn: ROTATED_CREDENTIAL_ARN,
    });

    // Assess
    const own = await describeRules();
    const other = await describeRules({ registryId: OTHER_ACCOUNT });
    expect(own.pullThroughCacheRules?.[0]?.credentialArn).toBe(CREDENTIAL_ARN);
    expect(other.pullThroughCacheRules?.[0]?.credentialArn).toBe(ROTATED_CREDENTIAL_ARN);
  });

  it("answers PullThroughCacheRuleNotFoundException for a rule that does not exist", async () => {
    // Act
    const error = await rejectionOf(
      updateRule({ ecrRepositoryPrefix: "missing", credentialArn: CREDENTIAL_ARN }),
    );

    // Assess
    expect(error).toBeInstanceOf(PullThroughCacheRuleNotFoundException);
    expect((error as Error).message).toBe(
      "The pull through cache rule with ecrRepositoryPrefix 'missing' does not exist in the registry with id '123456789012'.",
    );
  });

  it.each<{ problem: string; input: UpdatePullThroughCacheRuleCommandInput; message: string }>([
    {
      problem: "a missing ecrRepositoryPrefix",
      input: { ecrRepositoryPrefix: undefined, credentialArn: CREDENTIAL_ARN },
      message:
        "1 validation error detected: Value null at 'ecrRepositoryPrefix' failed to satisfy constraint: Member must not be null",
    },
    {
      problem: "a credentialArn outside the ecr-pullthroughcache/ namespace",
      input: {
        ecrRepositoryPrefix: "docker-hub",
        credentialArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other",
      },
      message:
        "1 validation error detected: Value 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other' at 'credentialArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:ecr-pullthroughcache/.+$",
    },
    {
      problem: "a credentialArn longer than 612 characters",
      input: {
        ecrRepositoryPrefix: "docker-hub",
        credentialArn: `${CREDENTIAL_ARN}${"x".repeat(600)}`,
      },
      message: `1 validation error detected: Value '${CREDENTIAL_ARN}${"x".repeat(600)}' at 'credentialArn' failed to satisfy constraint: Member must have length less than or equal to 612`,
    },
    {
      problem: "a customRoleArn longer than 2048 characters and a bad registryId",
      input: {
        ecrRepositoryPrefix: "docker-hub",
        registryId: "1",
        customRoleArn: `arn:aws:iam::123456789012:role/${"r".repeat(2020)}`,
      },
      message: `2 validation errors detected: Value '1' at 'registryId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{12}; Value 'arn:aws:iam::123456789012:role/${"r".repeat(2020)}' at 'customRoleArn' failed to satisfy constraint: Member must have length less than or equal to 2048`,
    },
  ])("rejects $problem with a ValidationException", async ({ input, message }) => {
    // Act
    const error = await rejectionOf(updateRule(input));

    // Assess
    expect(error).toBeInstanceOf(ValidationException);
    expect(error).toMatchObject({ message, $metadata: { httpStatusCode: 400 } });
  });

  it.each<{
    problem: string;
    rule: Partial<CreatePullThroughCacheRuleCommandInput>;
    update: Omit<UpdatePullThroughCacheRuleCommandInput, "ecrRepositoryPrefix">;
    message: RegExp;
  }>([
    {
      problem: "an update without the credential its upstream requires",
      rule: { upstreamRegistryUrl: "registry-1.docker.io", credentialArn: CREDENTIAL_ARN },
      update: {},
      message:
        /^Invalid parameter at 'credentialArn' .*requires authentication\. A credentialArn must be supplied to update/,
    },
    {
      problem: "a role for a non-ECR upstream",
      rule: { upstreamRegistryUrl: "ghcr.io", credentialArn: CREDENTIAL_ARN },
      update: { credentialArn: ROTATED_CREDENTIAL_ARN, customRoleArn: CENTRAL_ROLE },
      message: /^Invalid parameter at 'customRoleArn' .*only supported for an ecr upstream/,
    },
    {
      problem: "an update of an ECR rule without a role",
      rule: { upstreamRegistryUrl: CENTRAL_ECR, customRoleArn: CENTRAL_ROLE },
      update: {},
      message: /^Invalid parameter at 'customRoleArn' .*A customRoleArn is required/,
    },
    {
      problem: "a credential for an ECR upstream",
      rule: { upstreamRegistryUrl: CENTRAL_ECR, customRoleArn: CENTRAL_ROLE },
      update: { customRoleArn: CENTRAL_ROLE, credentialArn: CREDENTIAL_ARN },
      message: /^Invalid parameter at 'credentialArn' .*not supported for the ecr upstream/,
    },
    {
      problem: "a malformed role for an ECR upstream",
      rule: { upstreamRegistryUrl: CENTRAL_ECR, customRoleArn: CENTRAL_ROLE },
      update: { customRoleArn: "central-role" },
      message: /^Invalid parameter at 'customRoleArn' .*is not a valid IAM role ARN/,
    },
    {
      problem: "an update naming nothing to change for quay.io",
      rule: { upstreamRegistryUrl: "quay.io" },
      update: {},
      message: /^Invalid parameter at 'credentialArn' .*A credentialArn is required to update/,
    },
  ])(
    "refuses $problem with an InvalidParameterException and keeps the rule",
    async ({ rule, update, message }) => {
      // Prepare
      await createRule({ ecrRepositoryPrefix: "cache", ...rule });

      // Act
      const error = await rejectionOf(updateRule({ ecrRepositoryPrefix: "cache", ...update }));

      // Assess
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect((error as Error).message).toMatch(message);
      const { pullThroughCacheRules = [] } = await describeRules();
      expect(pullThroughCacheRules[0]?.credentialArn).toBe(rule.credentialArn);
      expect(pullThroughCacheRules[0]?.customRoleArn).toBe(rule.customRoleArn);
    },
  );
});

describe("seeding", () => {
  it("seeds in-process what POST /__emulator/rules seeds, and answers the stored rule", async () => {
    // Prepare
    const before = Date.now() / 1000;

    // Act
    const inProcess = emulator.seed({
      registryId: OTHER_ACCOUNT,
      ecrRepositoryPrefix: "central",
      upstreamRegistryUrl: CENTRAL_ECR,
      upstreamRepositoryPrefix: "golden",
    });
    const overHttp = await control("POST", "rules", {
      registryId: OTHER_ACCOUNT,
      ecrRepositoryPrefix: "hub",
      upstreamRegistryUrl: "registry-1.docker.io",
    });

    // Assess
    expect(inProcess).toMatchObject({
      registryId: OTHER_ACCOUNT,
      ecrRepositoryPrefix: "central",
      upstreamRegistryUrl: CENTRAL_ECR,
      upstreamRegistry: "ecr",
      upstreamRepositoryPrefix: "golden",
    });
    expect(inProcess.createdAt).toBeGreaterThanOrEqual(before - 0.01);
    expect(inProcess.customRoleArn).toBeUndefined();
    expect(overHttp.status).toBe(201);
    await expect(overHttp.json()).resolves.toMatchObject({ upstreamRegistry: "docker-hub" });
    const { pullThroughCacheRules = [] } = await describeRules({ registryId: OTHER_ACCOUNT });
    expect(pullThroughCacheRules.map((rule) => rule.ecrRepositoryPrefix)).toEqual([
      "central",
      "hub",
    ]);
  });

  it("is not bound by the 50-rule quota", async () => {
    // Prepare
    for (let index = 1; index <= 60; index += 1) {
      emulator.seed({ ecrRepositoryPrefix: `rule-${index}`, upstreamRegistryUrl: "quay.io" });
    }

    // Act
    const { pullThroughCacheRules = [] } = await describeRules({ maxResults: 1000 });
    const create = rejectionOf(createRule({ ecrRepositoryPrefix: "one-more" }));

    // Assess
    expect(pullThroughCacheRules).toHaveLength(60);
    await expect(create).resolves.toBeInstanceOf(LimitExceededException);
  });

  it.each([
    { problem: "no upstreamRegistryUrl", rule: { ecrRepositoryPrefix: "quay" } },
    {
      problem: "a registryId that is not 12 digits",
      rule: { ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io", registryId: "42" },
    },
    {
      problem: "an unknown member",
      rule: { ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io", credential: "x" },
    },
  ])("refuses a seed with $problem with 400", async ({ rule }) => {
    // Act
    const response = await control("POST", "rules", rule);

    // Assess
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toMatchObject({ message: expect.any(String) });
  });

  it("refuses an unusable seed in-process with a ControlRequestError", () => {
    // Act
    const attempt = () =>
      emulator.seed({
        ecrRepositoryPrefix: "quay",
        upstreamRegistryUrl: "quay.io",
        registryId: "x",
      });

    // Assess
    expect(attempt).toThrow(ControlRequestError);
  });
});

describe("DeletePullThroughCacheRule", () => {
  it("deletes the rule and answers with what was deleted", async () => {
    // Prepare
    await createRule({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });

    // Act
    const deleted = await ecr.send(
      new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "quay" }),
    );

    // Assess
    expect(deleted).toMatchObject({
      ecrRepositoryPrefix: "quay",
      upstreamRegistryUrl: "quay.io",
      registryId: DEFAULT_ACCOUNT,
    });
    expect(deleted.createdAt).toBeInstanceOf(Date);
    await expect(describeRules({ ecrRepositoryPrefixes: ["quay"] })).rejects.toBeInstanceOf(
      PullThroughCacheRuleNotFoundException,
    );
  });

  it("answers PullThroughCacheRuleNotFoundException for a rule that does not exist", async () => {
    // Act
    const call = ecr.send(
      new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "missing" }),
    );

    // Assess
    await expect(call).rejects.toBeInstanceOf(PullThroughCacheRuleNotFoundException);
  });
});

describe("ValidatePullThroughCacheRule", () => {
  it("reports a rule with the credential its upstream needs as valid", async () => {
    // Prepare
    await createRule({
      ecrRepositoryPrefix: "ghcr",
      upstreamRegistryUrl: "ghcr.io",
      credentialArn: CREDENTIAL_ARN,
    });

    // Act
    const result = await ecr.send(
      new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "ghcr" }),
    );

    // Assess
    expect(result).toMatchObject({
      ecrRepositoryPrefix: "ghcr",
      registryId: DEFAULT_ACCOUNT,
      upstreamRegistryUrl: "ghcr.io",
      credentialArn: CREDENTIAL_ARN,
      isValid: true,
    });
    expect(result.failure).toBeUndefined();
  });

  it("reports a seeded rule lacking the credential its upstream needs as invalid", async () => {
    // Prepare
    const seeded = await control("POST", "rules", {
      ecrRepositoryPrefix: "docker-hub",
      upstreamRegistryUrl: "registry-1.docker.io",
    });
    expect(seeded.status).toBe(201);

    // Act
    const result = await ecr.send(
      new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "docker-hub" }),
    );

    // Assess
    expect(result.isValid).toBe(false);
    expect(result.failure).toMatch(/requires authentication/);
  });

  it("answers PullThroughCacheRuleNotFoundException for a rule that does not exist", async () => {
    // Act
    const call = ecr.send(
      new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "missing" }),
    );

    // Assess
    await expect(call).rejects.toBeInstanceOf(PullThroughCacheRuleNotFoundException);
  });
});

describe("forced validation outcomes", () => {
  const validate = (ecrRepositoryPrefix: string, registryId?: string) =>
    ecr.send(
      new ValidatePullThroughCacheRuleCommand({
        ecrRepositoryPrefix,
        ...(registryId === undefined ? {} : { registryId }),
      }),
    );

  const setOutcome = async (outcome: Record<string, unknown>): Promise<void> => {
    const response = await control("POST", "validation", outcome);
    expect(response.status).toBe(204);
  };

  beforeEach(async () => {
    for (const registryId of [DEFAULT_ACCOUNT, OTHER_ACCOUNT]) {
      await createRule({ registryId, ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });
      await createRule({
        registryId,
        ecrRepositoryPrefix: "k8s",
        upstreamRegistryUrl: "registry.k8s.io",
      });
    }
  });

  it("answers the forced outcome for the named rule only", async () => {
    // Prepare
    await setOutcome({
      registryId: DEFAULT_ACCOUNT,
      ecrRepositoryPrefix: "quay",
      isValid: false,
      failure: "Unable to authenticate with the upstream registry.",
    });

    // Act
    const named = await validate("quay");
    const otherRule = await validate("k8s");
    const otherRegistry = await validate("quay", OTHER_ACCOUNT);

    // Assess
    expect(named).toMatchObject({
      ecrRepositoryPrefix: "quay",
      upstreamRegistryUrl: "quay.io",
      isValid: false,
      failure: "Unable to authenticate with the upstream registry.",
    });
    expect(otherRule).toMatchObject({ isValid: true });
    expect(otherRegistry).toMatchObject({ isValid: true });
  });

  it("applies an outcome without prefix to every rule, and without registryId to every registry", async () => {
    // Prepare
    await setOutcome({ isValid: false });

    // Act
    const results = await Promise.all([
      validate("quay"),
      validate("k8s"),
      validate("quay", OTHER_ACCOUNT),
    ]);

    // Assess
    expect(results.map((result) => result.isValid)).toEqual([false, false, false]);
    expect(results.map((result) => result.failure)).toEqual([undefined, undefined, undefined]);
  });

  it("lets the most specific outcome win", async () => {
    // Prepare
    await setOutcome({ isValid: false, failure: "everything" });
    await setOutcome({ registryId: OTHER_ACCOUNT, isValid: false, failure: "registry" });
    await setOutcome({ ecrRepositoryPrefix: "k8s", isValid: true });

    // Act
    const everywhere = await validate("quay");
    const inRegistry = await validate("quay", OTHER_ACCOUNT);
    const byPrefix = await validate("k8s", OTHER_ACCOUNT);

    // Assess
    expect(everywhere.failure).toBe("everything");
    expect(inRegistry.failure).toBe("registry");
    expect(byPrefix).toMatchObject({ isValid: true });
    expect(byPrefix.failure).toBeUndefined();
  });

  it("can force a seeded rule that lacks its credential to be reported valid", async () => {
    // Prepare
    emulator.seed({
      ecrRepositoryPrefix: "docker-hub",
      upstreamRegistryUrl: "registry-1.docker.io",
    });
    emulator.setValidation({ ecrRepositoryPrefix: "docker-hub", isValid: true });

    // Act
    const result = await validate("docker-hub");

    // Assess
    expect(result.isValid).toBe(true);
    expect(result.failure).toBeUndefined();
  });

  it("still answers PullThroughCacheRuleNotFoundException for a rule that does not exist", async () => {
    // Prepare
    await setOutcome({ isValid: true });

    // Act
    const call = validate("missing");

    // Assess
    await expect(call).rejects.toBeInstanceOf(PullThroughCacheRuleNotFoundException);
  });

  it("is cleared by DELETE /__emulator/validation and by reset", async () => {
    // Prepare
    await setOutcome({ isValid: false });
    emulator.setValidation({ registryId: OTHER_ACCOUNT, isValid: false });

    // Act
    const cleared = await control("DELETE", "validation");
    const afterDelete = await validate("quay");
    emulator.setValidation({ isValid: false });
    emulator.reset();
    await createRule({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });
    const afterReset = await validate("quay");

    // Assess
    expect(cleared.status).toBe(204);
    expect(afterDelete.isValid).toBe(true);
    expect(afterReset.isValid).toBe(true);
  });

  it.each([
    { problem: "no isValid", outcome: { ecrRepositoryPrefix: "quay" } },
    { problem: "a string isValid", outcome: { isValid: "false" } },
    { problem: "a failure on a valid outcome", outcome: { isValid: true, failure: "x" } },
    { problem: "a registryId that is not 12 digits", outcome: { registryId: "1", isValid: false } },
    {
      problem: "a prefix ECR would refuse",
      outcome: { ecrRepositoryPrefix: "Quay", isValid: false },
    },
    { problem: "an unknown member", outcome: { isValid: false, reason: "x" } },
  ])("refuses $problem with 400", async ({ outcome }) => {
    // Act
    const response = await control("POST", "validation", outcome);

    // Assess
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toMatchObject({ message: expect.any(String) });
    await expect(validate("quay")).resolves.toMatchObject({ isValid: true });
  });

  it("refuses an invalid outcome in-process with a ControlRequestError", () => {
    // Act
    const attempt = () => emulator.setValidation({ isValid: true, failure: "not with isValid" });

    // Assess
    expect(attempt).toThrow(ControlRequestError);
  });
});

describe("AWS JSON 1.1 protocol", () => {
  it("answers with the AWS JSON content type and a request id", async () => {
    // Act
    const response = await postEcr(`${TARGET_PREFIX}DescribePullThroughCacheRules`, "{}");

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(response.headers.get("x-amzn-requestid")).toMatch(UUID);
    await expect(response.json()).resolves.toEqual({ pullThroughCacheRules: [] });
  });

  it("answers an operation it does not implement with UnknownOperationException", async () => {
    // Act
    const error = await rejectionOf(ecr.send(new DescribeRepositoriesCommand({})));

    // Assess
    expect(error).toBeInstanceOf(ECRServiceException);
    expect(error).toMatchObject({
      name: "UnknownOperationException",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("answers a request without X-Amz-Target with UnknownOperationException", async () => {
    // Act
    const response = await postEcr(undefined, "{}");

    // Assess
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toMatchObject({ __type: "UnknownOperationException" });
  });

  it.each([
    { problem: "a body that is not JSON", body: "ecrRepositoryPrefix=quay" },
    {
      problem: "a member of the wrong type",
      body: '{"ecrRepositoryPrefix":5,"upstreamRegistryUrl":"quay.io"}',
    },
  ])("answers $problem with SerializationException", async ({ body }) => {
    // Act
    const response = await postEcr(`${TARGET_PREFIX}CreatePullThroughCacheRule`, body);

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-requestid")).toMatch(UUID);
    await expect(response.json()).resolves.toMatchObject({ __type: "SerializationException" });
  });
});

describe("fault injection", () => {
  it("throttle answers ThrottlingException, which the SDK raises as a generic ECRServiceException", async () => {
    // Prepare
    await injectFault({ fault: "throttle" });

    // Act
    const error = await rejectionOf(describeRules());

    // Assess
    expect(error).toBeInstanceOf(ECRServiceException);
    expect(error).toMatchObject({
      name: "ThrottlingException",
      message: "Rate exceeded",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("server-error answers a 500 ServerException", async () => {
    // Prepare
    await injectFault({ fault: "server-error" });

    // Act
    const error = await rejectionOf(describeRules());

    // Assess
    expect(error).toBeInstanceOf(ServerException);
    expect(error).toMatchObject({ $fault: "server", $metadata: { httpStatusCode: 500 } });
  });

  it("non-json answers a 502 HTML page, which the SDK fails to parse with a SyntaxError", async () => {
    // Prepare
    await injectFault({ fault: "non-json" });

    // Act
    const error = await rejectionOf(describeRules());

    // Assess
    expect(error).not.toBeInstanceOf(ECRServiceException);
    expect(error).toMatchObject({ name: "SyntaxError", $metadata: { httpStatusCode: 502 } });
  });

  it("error answers the requested ECR exception, status and message", async () => {
    // Prepare
    await injectFault({
      fault: "error",
      errorType: "SecretNotFoundException",
      message: "No such secret",
    });
    await injectFault({ fault: "error", errorType: "AccessDeniedException", status: 403 });

    // Act
    const modelled = await rejectionOf(describeRules());
    const unmodelled = await rejectionOf(describeRules());

    // Assess
    expect(modelled).toBeInstanceOf(SecretNotFoundException);
    expect(modelled).toMatchObject({
      message: "No such secret",
      $metadata: { httpStatusCode: 400 },
    });
    expect(unmodelled).toBeInstanceOf(ECRServiceException);
    expect(unmodelled).toMatchObject({
      name: "AccessDeniedException",
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("reset drops the connection, which the SDK reports as a TimeoutError with code ECONNRESET", async () => {
    // Prepare
    await injectFault({ fault: "reset" });

    // Act
    const error = await rejectionOf(describeRules());

    // Assess
    expect(error).toMatchObject({ name: "TimeoutError", code: "ECONNRESET" });
  });

  it("hang never answers, so a client with a request timeout fails with ETIMEDOUT", async () => {
    // Prepare
    const impatient = newClient({
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    await injectFault({ fault: "hang" });

    // Act
    const error = await rejectionOf(impatient.send(new DescribePullThroughCacheRulesCommand({})));

    // Assess
    expect(error).toMatchObject({ name: "TimeoutError", code: "ETIMEDOUT" });
  });

  it("applies a fault to as many requests as its count, then answers normally", async () => {
    // Prepare
    await injectFault({ fault: "server-error", count: 2 });

    // Act
    const first = await rejectionOf(describeRules());
    const second = await rejectionOf(describeRules());
    const third = await describeRules();

    // Assess
    expect(first).toBeInstanceOf(ServerException);
    expect(second).toBeInstanceOf(ServerException);
    expect(third.$metadata.httpStatusCode).toBe(200);
  });

  it("applies a fault only to the operations it names", async () => {
    // Prepare
    await injectFault({
      fault: "throttle",
      count: 100,
      operations: ["CreatePullThroughCacheRule"],
    });

    // Act
    const described = await describeRules();
    const created = rejectionOf(createRule({}));

    // Assess
    expect(described.$metadata.httpStatusCode).toBe(200);
    await expect(created).resolves.toMatchObject({ name: "ThrottlingException" });
  });

  it("queues faults and applies them in the order they were added", async () => {
    // Prepare
    await injectFault({ fault: "throttle" });
    await injectFault({ fault: "server-error" });

    // Act
    const first = await rejectionOf(describeRules());
    const second = await rejectionOf(describeRules());
    const third = await describeRules();

    // Assess
    expect(first).toMatchObject({ name: "ThrottlingException" });
    expect(second).toBeInstanceOf(ServerException);
    expect(third.$metadata.httpStatusCode).toBe(200);
  });

  it("clears queued faults on DELETE /__emulator/faults", async () => {
    // Prepare
    await injectFault({ fault: "server-error", count: 100 });

    // Act
    const cleared = await control("DELETE", "faults");

    // Assess
    expect(cleared.status).toBe(204);
    await expect(describeRules()).resolves.toMatchObject({ pullThroughCacheRules: [] });
  });

  it.each([
    { problem: "an unknown fault", fault: { fault: "explode" } },
    { problem: "an error fault without errorType", fault: { fault: "error" } },
    { problem: "an unknown operation", fault: { fault: "throttle", operations: ["CreateRule"] } },
    { problem: "a count below one", fault: { fault: "throttle", count: 0 } },
    { problem: "a fractional retryAfter", fault: { fault: "throttle", retryAfter: 1.5 } },
    { problem: "a negative retryAfter", fault: { fault: "error", errorType: "X", retryAfter: -1 } },
    { problem: "retryAfter on a hang", fault: { fault: "hang", retryAfter: 1 } },
    { problem: "a literal without body", fault: { fault: "literal" } },
    { problem: "a literal with a numeric body", fault: { fault: "literal", body: 5 } },
    { problem: "a literal with status 100", fault: { fault: "literal", body: "{}", status: 100 } },
    { problem: "a body on a throttle", fault: { fault: "throttle", body: "{}" } },
    { problem: "a message on a reset", fault: { fault: "reset", message: "x" } },
    { problem: "a misspelt member", fault: { fault: "throttle", retry_after: 1 } },
  ])("refuses $problem with 400", async ({ fault }) => {
    // Act
    const response = await control("POST", "faults", fault);

    // Assess
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toMatchObject({ message: expect.any(String) });
  });

  it.each(["throttle", "server-error", "error"])(
    "%s with retryAfter adds a Retry-After header in whole seconds",
    async (fault) => {
      // Prepare
      await injectFault({
        fault,
        retryAfter: 7,
        ...(fault === "error" ? { errorType: "LimitExceededException" } : {}),
      });

      // Act
      const response = await postEcr(`${TARGET_PREFIX}DescribePullThroughCacheRules`, "{}");

      // Assess
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.headers.get("retry-after")).toBe("7");
      await expect(response.json()).resolves.toMatchObject({ __type: expect.any(String) });
    },
  );

  it("answers error faults without retryAfter with no Retry-After header", async () => {
    // Prepare
    await injectFault({ fault: "throttle" });

    // Act
    const response = await postEcr(`${TARGET_PREFIX}DescribePullThroughCacheRules`, "{}");

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get("retry-after")).toBeNull();
  });

  it("hands the Retry-After header to the SDK with the throttling error", async () => {
    // Prepare
    await injectFault({ fault: "throttle", retryAfter: 3 });

    // Act
    const error = await rejectionOf(describeRules());

    // Assess
    expect(error).toMatchObject({
      name: "ThrottlingException",
      $response: { headers: expect.objectContaining({ "retry-after": "3" }) },
    });
  });

  it("literal answers 200 with the given text byte for byte in the AWS JSON content type", async () => {
    // Prepare
    const body =
      '{"registryId":"123456789012","ecrRepositoryPrefix":"x","upstreamRegistryUrl":"quay.io","createdAt":1e300}';
    await injectFault({ fault: "literal", body, operations: ["CreatePullThroughCacheRule"] });

    // Act
    const response = await postEcr(`${TARGET_PREFIX}CreatePullThroughCacheRule`, "{}");

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(response.headers.get("x-amzn-requestid")).toMatch(UUID);
    await expect(response.text()).resolves.toBe(body);
  });

  it("literal serialises a JSON object body and uses the given status", async () => {
    // Prepare
    emulator.addFault({ fault: "literal", status: 503, body: { pullThroughCacheRules: "many" } });

    // Act
    const response = await postEcr(`${TARGET_PREFIX}DescribePullThroughCacheRules`, "{}");

    // Assess
    expect(response.status).toBe(503);
    await expect(response.text()).resolves.toBe('{"pullThroughCacheRules":"many"}');
  });

  it("literal lets the SDK see an answer ECR never gives", async () => {
    // Prepare
    await injectFault({
      fault: "literal",
      body: '{"ecrRepositoryPrefix":"quay","upstreamRegistryUrl":"quay.io","createdAt":"yesterday"}',
    });

    // Act
    const error = await rejectionOf(createRule({ ecrRepositoryPrefix: "quay" }));

    // Assess
    expect(error).not.toBeInstanceOf(ECRServiceException);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 200 } });
    await expect(describeRules()).resolves.toMatchObject({ pullThroughCacheRules: [] });
  });

  it("lets the SDK's own retries through, each visible in the calls log", async () => {
    // Prepare
    const retrying = newClient({ maxAttempts: 3 });
    await injectFault({ fault: "server-error", count: 2 });

    // Act
    const result = await retrying.send(new DescribePullThroughCacheRulesCommand({}));

    // Assess
    expect(result.$metadata.attempts).toBe(3);
    const calls = await recordedCalls();
    expect(calls.map((call) => call.operation)).toEqual([
      "DescribePullThroughCacheRules",
      "DescribePullThroughCacheRules",
      "DescribePullThroughCacheRules",
    ]);
  });

  it("offers the same controls in-process", async () => {
    // Prepare
    emulator.addFault({ fault: "error", errorType: "LimitExceededException" });

    // Act
    const error = await rejectionOf(createRule({}));

    // Assess
    expect(error).toBeInstanceOf(LimitExceededException);
    expect(emulator.calls().map((call) => call.operation)).toEqual(["CreatePullThroughCacheRule"]);
  });
});

describe("calls log", () => {
  it("records every ECR request in order, rejected and faulted ones included", async () => {
    // Prepare
    await injectFault({ fault: "throttle", operations: ["DeletePullThroughCacheRule"] });

    // Act
    await createRule({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });
    await rejectionOf(createRule({ ecrRepositoryPrefix: "a" }));
    await rejectionOf(
      ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: "quay" })),
    );
    const calls = await recordedCalls();

    // Assess
    expect(calls).toEqual([
      {
        operation: "CreatePullThroughCacheRule",
        body: { ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" },
        accessKeyId: "test",
        at: expect.any(String),
      },
      {
        operation: "CreatePullThroughCacheRule",
        body: { ecrRepositoryPrefix: "a", upstreamRegistryUrl: "public.ecr.aws" },
        accessKeyId: "test",
        at: expect.any(String),
      },
      {
        operation: "DeletePullThroughCacheRule",
        body: { ecrRepositoryPrefix: "quay" },
        accessKeyId: "test",
        at: expect.any(String),
      },
    ]);
    for (const call of calls) expect(new Date(call.at).toISOString()).toBe(call.at);
  });

  it("is emptied, with rules and faults, by POST /__emulator/reset", async () => {
    // Prepare
    await createRule({});
    await injectFault({ fault: "server-error", count: 100 });

    // Act
    const response = await control("POST", "reset");

    // Assess
    expect(response.status).toBe(204);
    await expect(recordedCalls()).resolves.toEqual([]);
    await expect(describeRules()).resolves.toMatchObject({ pullThroughCacheRules: [] });
  });
});

describe("registries with a role", () => {
  const MEMBER_ROLE = "arn:aws:iam::210987654321:role/ecr-cache-rules";
  const FOREIGN_ROLE = "arn:aws:iam::333344445555:role/ecr-cache-rules";
  let sts: StsEmulator;
  let guarded: EcrEmulator;
  let stsClient: STSClient;

  const clientFor = (target: EcrEmulator, credentials: AwsCredentialIdentity): ECRClient => {
    const client = new ECRClient({
      endpoint: target.url,
      region: "eu-west-1",
      credentials,
      maxAttempts: 1,
    });
    extraClients.push(client);
    return client;
  };

  const assume = async (roleArn: string, session: string): Promise<AwsCredentialIdentity> => {
    const { Credentials } = await stsClient.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: session }),
    );
    return {
      accessKeyId: Credentials?.AccessKeyId ?? "",
      secretAccessKey: Credentials?.SecretAccessKey ?? "",
      sessionToken: Credentials?.SessionToken ?? "",
    };
  };

  const createIn = (client: ECRClient, ecrRepositoryPrefix = "quay") =>
    client.send(
      new CreatePullThroughCacheRuleCommand({
        registryId: OTHER_ACCOUNT,
        ecrRepositoryPrefix,
        upstreamRegistryUrl: "quay.io",
      }),
    );

  const memberRules = async () => {
    const checker = clientFor(guarded, await assume(MEMBER_ROLE, "check"));
    const { pullThroughCacheRules = [] } = await checker.send(
      new DescribePullThroughCacheRulesCommand({ registryId: OTHER_ACCOUNT }),
    );
    return pullThroughCacheRules;
  };

  beforeAll(async () => {
    sts = await startStsEmulator();
    guarded = await startEcrEmulator({
      registryRoles: { [OTHER_ACCOUNT]: MEMBER_ROLE },
      credentials: sts.credentials,
    });
    stsClient = new STSClient({
      endpoint: sts.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    stsClient.destroy();
    await guarded.close();
    await sts.close();
  });

  beforeEach(() => {
    sts.reset();
    guarded.reset();
  });

  it("accepts a call signed with credentials STS issued for the registry's role", async () => {
    // Prepare
    const session = await assume(MEMBER_ROLE, "request-1");
    const member = clientFor(guarded, session);

    // Act
    const created = await createIn(member);

    // Assess
    expect(created).toMatchObject({ registryId: OTHER_ACCOUNT, ecrRepositoryPrefix: "quay" });
    expect(guarded.calls()).toEqual([
      expect.objectContaining({
        operation: "CreatePullThroughCacheRule",
        accessKeyId: session.accessKeyId,
      }),
    ]);
  });

  it("refuses the function's own long-term credentials with AccessDeniedException", async () => {
    // Prepare
    const own = clientFor(guarded, { accessKeyId: "test", secretAccessKey: "test" });

    // Act
    const error = await rejectionOf(createIn(own));

    // Assess
    expect(error).toBeInstanceOf(ECRServiceException);
    expect(error).toMatchObject({
      name: "AccessDeniedException",
      message:
        "User: arn:aws:iam::123456789012:user/test is not authorized to perform: ecr:CreatePullThroughCacheRule on resource: * because no identity-based policy allows the ecr:CreatePullThroughCacheRule action",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(memberRules()).resolves.toEqual([]);
  });

  it("refuses credentials issued for another role, naming that role session", async () => {
    // Prepare
    const foreign = clientFor(guarded, await assume(FOREIGN_ROLE, "request-2"));

    // Act
    const error = await rejectionOf(
      foreign.send(new DescribePullThroughCacheRulesCommand({ registryId: OTHER_ACCOUNT })),
    );

    // Assess
    expect(error).toMatchObject({
      name: "AccessDeniedException",
      message:
        "User: arn:aws:sts::333344445555:assumed-role/ecr-cache-rules/request-2 is not authorized to perform: ecr:DescribePullThroughCacheRules on resource: * because no identity-based policy allows the ecr:DescribePullThroughCacheRules action",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("refuses issued credentials signed with the wrong secret with InvalidSignatureException", async () => {
    // Prepare
    const session = await assume(MEMBER_ROLE, "request-3");
    const forger = clientFor(guarded, { ...session, secretAccessKey: "not-the-issued-secret" });

    // Act
    const error = await rejectionOf(createIn(forger));

    // Assess
    expect(error).toMatchObject({
      name: "InvalidSignatureException",
      message: expect.stringMatching(/^The request signature we calculated does not match/),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it.each([
    { problem: "another session's token", token: "other" },
    { problem: "no session token", token: undefined },
  ])("refuses an issued key with $problem with UnrecognizedClientException", async ({ token }) => {
    // Prepare
    const session = await assume(MEMBER_ROLE, "request-4");
    const other = await assume(MEMBER_ROLE, "request-5");
    const mixed = clientFor(guarded, {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      ...(token === undefined ? {} : { sessionToken: other.sessionToken }),
    });

    // Act
    const error = await rejectionOf(createIn(mixed));

    // Assess
    expect(error).toMatchObject({
      name: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    });
  });

  it("refuses temporary credentials STS never issued with UnrecognizedClientException", async () => {
    // Prepare
    const made = clientFor(guarded, {
      accessKeyId: "ASIAMADEUPKEY0000000",
      secretAccessKey: "made-up",
      sessionToken: "made-up",
    });

    // Act
    const error = await rejectionOf(createIn(made));

    // Assess
    expect(error).toMatchObject({ name: "UnrecognizedClientException" });
  });

  it("refuses expired credentials with ExpiredTokenException", async () => {
    // Prepare
    const expired = sts.credentials.issue(
      { roleArn: MEMBER_ROLE, roleSessionName: "yesterday", durationSeconds: 900 },
      new Date(Date.now() - 86_400_000),
    );
    const late = clientFor(guarded, expired);

    // Act
    const error = await rejectionOf(createIn(late));

    // Assess
    expect(error).toMatchObject({
      name: "ExpiredTokenException",
      message: "The security token included in the request is expired",
    });
  });

  it("refuses an unsigned request with MissingAuthenticationTokenException", async () => {
    // Act
    const response = await fetch(guarded.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `${TARGET_PREFIX}DescribePullThroughCacheRules`,
      },
      body: JSON.stringify({ registryId: OTHER_ACCOUNT }),
    });

    // Assess
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toMatchObject({
      __type: "MissingAuthenticationTokenException",
    });
    expect(guarded.calls()).toEqual([expect.objectContaining({ accessKeyId: null })]);
  });

  it.each<{ problem: string; tamper: (request: HttpRequest) => void }>([
    {
      problem: "a body changed after signing",
      tamper: (request) => {
        // Same length, so only the content hash can tell.
        request.body = String(request.body).replace('"quay"', '"quax"');
      },
    },
    {
      problem: "a signed header changed after signing",
      tamper: (request) => {
        request.headers["x-amz-target"] = `${TARGET_PREFIX}DeletePullThroughCacheRule`;
      },
    },
  ])("refuses $problem with InvalidSignatureException", async ({ tamper }) => {
    // Prepare
    const member = clientFor(guarded, await assume(MEMBER_ROLE, "request-6"));
    const tamperAfterSigning: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
      (next) => (args) => {
        if (HttpRequest.isInstance(args.request)) tamper(args.request);
        return next(args);
      };
    member.middlewareStack.addRelativeTo(tamperAfterSigning, {
      relation: "after",
      toMiddleware: "httpSigningMiddleware",
      name: "tamperAfterSigning",
    });

    // Act
    const error = await rejectionOf(createIn(member));

    // Assess
    expect(error).toMatchObject({ name: "InvalidSignatureException" });
    await expect(memberRules()).resolves.toEqual([]);
  });

  it("lets calls for registries without a role through, signed or not", async () => {
    // Act
    const own = await clientFor(guarded, { accessKeyId: "test", secretAccessKey: "test" }).send(
      new DescribePullThroughCacheRulesCommand({}),
    );

    // Assess
    expect(own.$metadata.httpStatusCode).toBe(200);
  });

  it("applies a role of the default account to calls without registryId", async () => {
    // Prepare
    guarded.setRegistryRoles({ [DEFAULT_ACCOUNT]: "arn:aws:iam::123456789012:role/own" });
    const own = clientFor(guarded, { accessKeyId: "test", secretAccessKey: "test" });
    const session = clientFor(guarded, await assume("arn:aws:iam::123456789012:role/own", "r-7"));

    // Act
    const refused = await rejectionOf(own.send(new DescribePullThroughCacheRulesCommand({})));
    const accepted = await session.send(new DescribePullThroughCacheRulesCommand({}));

    // Assess
    expect(refused).toMatchObject({ name: "AccessDeniedException" });
    expect(accepted.$metadata.httpStatusCode).toBe(200);
  });

  it("records which session signed every call, so a request's calls can be told apart", async () => {
    // Prepare
    const first = await assume(MEMBER_ROLE, "request-a");
    const second = await assume(MEMBER_ROLE, "request-b");

    // Act
    await createIn(clientFor(guarded, first));
    await clientFor(guarded, first).send(
      new ValidatePullThroughCacheRuleCommand({
        registryId: OTHER_ACCOUNT,
        ecrRepositoryPrefix: "quay",
      }),
    );
    await createIn(clientFor(guarded, second), "k8s");

    // Assess
    expect(guarded.calls().map((call) => [call.operation, call.accessKeyId])).toEqual([
      ["CreatePullThroughCacheRule", first.accessKeyId],
      ["ValidatePullThroughCacheRule", first.accessKeyId],
      ["CreatePullThroughCacheRule", second.accessKeyId],
    ]);
  });

  it("refuses calls signed with credentials that STS has since forgotten", async () => {
    // Prepare
    const session = await assume(MEMBER_ROLE, "request-8");
    sts.reset();

    // Act
    const error = await rejectionOf(createIn(clientFor(guarded, session)));

    // Assess
    expect(error).toMatchObject({ name: "UnrecognizedClientException" });
  });

  it("looks credentials up in an STS emulator of another process through its control API", async () => {
    // Prepare
    const remote = await startEcrEmulator({
      registryRoles: { [OTHER_ACCOUNT]: MEMBER_ROLE },
      credentials: remoteCredentialLookup(sts.url),
    });
    const session = await assume(MEMBER_ROLE, "request-9");
    const foreign = await assume(FOREIGN_ROLE, "request-10");

    // Act
    const accepted = await createIn(clientFor(remote, session));
    const refused = await rejectionOf(createIn(clientFor(remote, foreign), "k8s"));
    await remote.close();

    // Assess
    expect(accepted.registryId).toBe(OTHER_ACCOUNT);
    expect(refused).toMatchObject({ name: "AccessDeniedException" });
  });

  it("answers 500 when the STS emulator it was pointed at cannot be reached", async () => {
    // Prepare
    const gone = await startStsEmulator();
    const goneUrl = gone.url;
    await gone.close();
    const orphan = await startEcrEmulator({
      registryRoles: { [OTHER_ACCOUNT]: MEMBER_ROLE },
      credentials: remoteCredentialLookup(goneUrl),
    });

    // Act
    const error = await rejectionOf(
      createIn(
        clientFor(orphan, { accessKeyId: "ASIAX", secretAccessKey: "x", sessionToken: "x" }),
      ),
    );
    await orphan.close();

    // Assess
    expect(error).toBeInstanceOf(ServerException);
  });

  it("sets, lists and drops registry roles through the control API, and reset restores the options", async () => {
    // Prepare
    const rolesControl = (method: string, body?: unknown) =>
      fetch(`${guarded.url}/__emulator/registry-roles`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    // Act
    const initial = await (await rolesControl("GET")).json();
    const posted = await rolesControl("POST", {
      "444455556666": "arn:aws:iam::444455556666:role/central",
      [OTHER_ACCOUNT]: null,
    });
    const afterPost = await (await rolesControl("GET")).json();
    const unsignedNowAllowed = await createIn(
      clientFor(guarded, { accessKeyId: "test", secretAccessKey: "test" }),
    );
    const deleted = await rolesControl("DELETE");
    const afterDelete = guarded.registryRoles();
    const reset = await fetch(`${guarded.url}/__emulator/reset`, { method: "POST" });
    const afterReset = guarded.registryRoles();

    // Assess
    expect(initial).toEqual({ [OTHER_ACCOUNT]: MEMBER_ROLE });
    expect(posted.status).toBe(204);
    expect(afterPost).toEqual({ "444455556666": "arn:aws:iam::444455556666:role/central" });
    expect(unsignedNowAllowed.registryId).toBe(OTHER_ACCOUNT);
    expect(deleted.status).toBe(204);
    expect(afterDelete).toEqual({});
    expect(reset.status).toBe(204);
    expect(afterReset).toEqual({ [OTHER_ACCOUNT]: MEMBER_ROLE });
  });

  it.each([
    { problem: "a registry id that is not 12 digits", roles: { "42": MEMBER_ROLE } },
    {
      problem: "a role that is not an IAM role ARN",
      roles: { [OTHER_ACCOUNT]: "ecr-cache-rules" },
    },
    { problem: "a role of the wrong type", roles: { [OTHER_ACCOUNT]: 7 } },
  ])("refuses $problem with 400 and changes nothing", async ({ roles }) => {
    // Act
    const response = await fetch(`${guarded.url}/__emulator/registry-roles`, {
      method: "POST",
      body: JSON.stringify({ "444455556666": "arn:aws:iam::444455556666:role/x", ...roles }),
    });

    // Assess
    expect(response.status).toBe(400);
    expect(guarded.registryRoles()).toEqual({ [OTHER_ACCOUNT]: MEMBER_ROLE });
  });

  it("refuses invalid registry roles in the options", async () => {
    // Act
    const start = startEcrEmulator({ registryRoles: { [OTHER_ACCOUNT]: "arn:aws:iam::1:role/x" } });

    // Assess
    await expect(start).rejects.toBeInstanceOf(ControlRequestError);
  });
});

describe("lifecycle", () => {
  it("close ends hanging requests instead of waiting for them", async () => {
    // Prepare
    const own = await startEcrEmulator();
    const client = new ECRClient({
      endpoint: own.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    own.addFault({ fault: "hang" });
    const pending = rejectionOf(client.send(new DescribePullThroughCacheRulesCommand({})));
    await expect.poll(() => own.calls().length).toBe(1);

    // Act
    await own.close();

    // Assess
    await expect(pending).resolves.toBeInstanceOf(Error);
    client.destroy();
  });

  it("runs as a CLI that prints one line once listening and exits cleanly on SIGTERM", async () => {
    // Prepare
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "dev/ecr-emulator.ts", "--port", "0"],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
    });
    const exited = once(child, "exit");
    await expect.poll(() => stdout, { timeout: 4_000 }).toMatch(/\n$/);
    const url = stdout.trim().replace("ECR emulator listening on ", "");
    const calls = await fetch(`${url}/__emulator/calls`);

    // Act
    child.kill("SIGTERM");
    const [code] = await exited;

    // Assess
    expect(stdout).toMatch(/^ECR emulator listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(calls.status).toBe(200);
    expect(code).toBe(0);
  });

  it("runs as a CLI that takes registry roles and the URL of an STS emulator", async () => {
    // Prepare
    const role = "arn:aws:iam::210987654321:role/ecr-cache-rules";
    const sts = await startStsEmulator();
    const issued = sts.credentials.issue({
      roleArn: role,
      roleSessionName: "cli",
      durationSeconds: 900,
    });
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "dev/ecr-emulator.ts",
        "--port",
        "0",
        "--registry-role",
        `${OTHER_ACCOUNT}=${role}`,
        "--sts-url",
        sts.url,
      ],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
    });
    const exited = once(child, "exit");
    await expect.poll(() => stdout, { timeout: 4_000 }).toMatch(/\n$/);
    const url = stdout.trim().replace("ECR emulator listening on ", "");
    const describeAs = (credentials: AwsCredentialIdentity) => {
      const client = new ECRClient({
        endpoint: url,
        region: "eu-west-1",
        credentials,
        maxAttempts: 1,
      });
      extraClients.push(client);
      return client.send(new DescribePullThroughCacheRulesCommand({ registryId: OTHER_ACCOUNT }));
    };

    // Act
    const accepted = await describeAs(issued);
    const refused = await rejectionOf(describeAs({ accessKeyId: "test", secretAccessKey: "test" }));
    child.kill("SIGTERM");
    const [code] = await exited;
    await sts.close();

    // Assess
    expect(accepted.$metadata.httpStatusCode).toBe(200);
    expect(refused).toMatchObject({ name: "AccessDeniedException" });
    expect(code).toBe(0);
  });
});
