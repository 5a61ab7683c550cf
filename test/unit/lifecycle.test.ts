import { beforeEach, describe, expect, it } from "vitest";
import type { AuditTrail } from "../../src/domain/audit-trail.js";
import { authorizeRegistry } from "../../src/domain/authorization.js";
import type { CacheRule } from "../../src/domain/cache-rule.js";
import { makeCreateCacheRule } from "../../src/domain/create-cache-rule.js";
import { makeDeleteCacheRule } from "../../src/domain/delete-cache-rule.js";
import { makeDryRunCacheRule } from "../../src/domain/dry-run-cache-rule.js";
import { DomainError } from "../../src/domain/errors.js";
import { makeListCacheRules } from "../../src/domain/list-cache-rules.js";
import { listUpstreams } from "../../src/domain/list-upstreams.js";
import { explainSecretError } from "../../src/domain/secret-errors.js";
import { makeSyncCacheRule } from "../../src/domain/sync-cache-rule.js";
import type { UpstreamPolicy } from "../../src/domain/upstream-policy.js";
import { InMemoryCacheRuleGateway, UPDATED_AT } from "../fixtures/in-memory-gateway.js";
import { OTHER_REGISTRY_ID, REGISTRY_ID, samplePolicy } from "../fixtures/policies.js";
import { testContext } from "../fixtures/request-context.js";

const REGION = "eu-west-1";
const SECRET = `arn:aws:secretsmanager:${REGION}:${REGISTRY_ID}:secret:ecr-pullthroughcache/docker-hub`;
const context = testContext();

const rule = (
  prefix: string,
  upstreamRegistryUrl: string,
  extra: Partial<CacheRule> = {},
): CacheRule => ({
  registryId: REGISTRY_ID,
  ecrRepositoryPrefix: prefix,
  upstreamRegistryUrl,
  createdAt: new Date("2026-01-01T00:00:00.000Z"),
  ...extra,
});

let gateway: InMemoryCacheRuleGateway;
let trail: AuditTrail;

beforeEach(() => {
  gateway = new InMemoryCacheRuleGateway();
  trail = {};
});

describe("listCacheRules", () => {
  it("gives each rule of the page today's judgement, in ECR's order, and passes the token on", async () => {
    gateway
      .seed(rule("a", "public.ecr.aws"))
      .seed(rule("b", "evil.example.com"))
      .seed(rule("c", "docker.io"));
    const list = makeListCacheRules({ gateway, policy: samplePolicy, region: REGION });

    const first = await list(context, REGISTRY_ID, { limit: 2 });
    const second = await list(context, REGISTRY_ID, { limit: 2, nextToken: first.nextToken ?? "" });

    expect(
      first.rules.map(({ rule: r, compliance }) => [r.ecrRepositoryPrefix, compliance]),
    ).toEqual([
      ["a", "allowed"],
      ["b", "not-on-allowlist"],
    ]);
    expect(second).toEqual({ rules: [{ rule: rule("c", "docker.io"), compliance: "drift" }] });
  });
});

describe("deleteCacheRule", () => {
  it("deletes a rule whatever the policy says of it, and records its upstream", async () => {
    gateway.seed(rule("bad", "evil.example.com"));

    const deleted = await makeDeleteCacheRule({ gateway, policy: samplePolicy })(
      context,
      { registryId: REGISTRY_ID, ecrRepositoryPrefix: "bad" },
      trail,
    );

    expect(deleted.upstreamRegistryUrl).toBe("evil.example.com");
    expect(gateway.rules.size).toBe(0);
    expect(trail).toEqual({ upstreamCanonical: "evil.example.com" });
  });

  it("records a stored value that is no host as ECR holds it", async () => {
    gateway.seed(rule("odd", "quay.io:443"));

    await makeDeleteCacheRule({ gateway, policy: samplePolicy })(
      context,
      { registryId: REGISTRY_ID, ecrRepositoryPrefix: "odd" },
      trail,
    );

    expect(trail.upstreamCanonical).toBe("quay.io:443");
  });

  it("records an alias as its canonical upstream", async () => {
    gateway.seed(rule("hub", "docker.io"));

    await makeDeleteCacheRule({ gateway, policy: samplePolicy })(
      context,
      { registryId: REGISTRY_ID, ecrRepositoryPrefix: "hub" },
      trail,
    );

    expect(trail.upstreamCanonical).toBe("registry-1.docker.io");
  });
});

describe("dryRunCacheRule: what a real create would answer now", () => {
  const dryRun = (upstreamRegistryUrl: string, ecrRepositoryPrefix = "new") =>
    makeDryRunCacheRule({ gateway, policy: samplePolicy, region: REGION })(
      context,
      { registryId: REGISTRY_ID, ecrRepositoryPrefix, upstreamRegistryUrl },
      trail,
    );

  it("previews a create with the exact request ECR would receive, and never creates", async () => {
    gateway.seed(rule("a", "public.ecr.aws"));

    const result = await dryRun("docker.io");

    expect(result).toEqual({
      outcome: "create",
      request: {
        registryId: REGISTRY_ID,
        ecrRepositoryPrefix: "new",
        upstreamRegistryUrl: "registry-1.docker.io",
        upstreamRegistry: "docker-hub",
        credentialArn: SECRET,
      },
      quota: { used: 1, limit: 50 },
    });
    expect(gateway.created).toEqual([]);
    expect(trail).toMatchObject({ dryRun: true, policyDecision: "allowed" });
  });

  it("is existing when the prefix holds the very rule, with that rule", async () => {
    gateway.seed(rule("new", "QUAY.IO"));

    await expect(dryRun("quay.io")).resolves.toMatchObject({
      outcome: "existing",
      existingRule: rule("new", "QUAY.IO"),
    });
  });

  it("is conflict when the prefix holds another upstream", async () => {
    gateway.seed(rule("new", "public.ecr.aws"));

    await expect(dryRun("quay.io")).resolves.toMatchObject({ outcome: "conflict" });
  });

  it("is conflict, not quota-exceeded, for a taken prefix in a full registry", async () => {
    for (let i = 0; i < 50; i += 1) gateway.seed(rule(i === 0 ? "new" : `r${i}`, "public.ecr.aws"));

    await expect(dryRun("quay.io")).resolves.toMatchObject({
      outcome: "conflict",
      quota: { used: 50 },
    });
  });

  it("is quota-exceeded when used has reached the limit, counting every page", async () => {
    for (let i = 0; i < 1_050; i += 1) gateway.seed(rule(`r${i}`, "public.ecr.aws"));

    const result = await dryRun("quay.io");

    expect(result).toMatchObject({ outcome: "quota-exceeded", quota: { used: 1_050, limit: 50 } });
    expect(gateway.inputsOf("list")).toEqual([
      { registryId: REGISTRY_ID, limit: 1_000 },
      { registryId: REGISTRY_ID, limit: 1_000, nextToken: "1000" },
    ]);
  });

  it("refuses what a create refuses, before reading anything", async () => {
    await expect(dryRun("evil.example.com")).rejects.toMatchObject({
      kind: "upstream-not-allowed",
    });
    expect(gateway.calls).toEqual([]);
  });
});

describe("syncCacheRule: bringing a rule in line with the policy", () => {
  const sync = (prefix: string) =>
    makeSyncCacheRule({ gateway, policy: samplePolicy, region: REGION })(
      context,
      { registryId: REGISTRY_ID, ecrRepositoryPrefix: prefix },
      trail,
    );

  it("updates a rule whose credential differs, with the policy's, and answers the updated rule", async () => {
    gateway.seed(
      rule("hub", "registry-1.docker.io", {
        credentialArn: "arn:old",
        upstreamRegistry: "docker-hub",
      }),
    );

    const result = await sync("hub");

    expect(gateway.inputsOf("update")).toEqual([
      { registryId: REGISTRY_ID, ecrRepositoryPrefix: "hub", credentialArn: SECRET },
    ]);
    expect(result).toEqual({
      sync: "updated",
      rule: rule("hub", "registry-1.docker.io", {
        credentialArn: SECRET,
        upstreamRegistry: "docker-hub",
        updatedAt: UPDATED_AT,
      }),
    });
    expect(trail).toEqual({ upstreamCanonical: "registry-1.docker.io", policyDecision: "allowed" });
  });

  it("updates a drifted custom role of an ECR upstream", async () => {
    const CENTRAL = "444455556666.dkr.ecr.eu-west-1.amazonaws.com";
    const policy: UpstreamPolicy = {
      version: 1,
      upstreams: [
        {
          url: CENTRAL,
          aliases: [],
          upstreamRegistry: "ecr",
          customRoleArn: "arn:aws:iam::{registryId}:role/central",
        },
      ],
    };
    gateway.seed(rule("central", CENTRAL, { customRoleArn: "arn:aws:iam::123456789012:role/old" }));

    const result = await makeSyncCacheRule({ gateway, policy, region: REGION })(
      context,
      { registryId: REGISTRY_ID, ecrRepositoryPrefix: "central" },
      trail,
    );

    expect(gateway.inputsOf("update")).toEqual([
      {
        registryId: REGISTRY_ID,
        ecrRepositoryPrefix: "central",
        customRoleArn: "arn:aws:iam::123456789012:role/central",
      },
    ]);
    expect(result.rule.customRoleArn).toBe("arn:aws:iam::123456789012:role/central");
  });

  it("adds the credential to a rule that lacks it", async () => {
    gateway.seed(rule("hub", "docker.io"));

    await expect(sync("hub")).resolves.toMatchObject({ sync: "updated" });
  });

  it("leaves a rule that already matches alone, without an update call", async () => {
    gateway.seed(rule("hub", "registry-1.docker.io", { credentialArn: SECRET }));

    await expect(sync("hub")).resolves.toMatchObject({ sync: "unchanged" });
    expect(gateway.inputsOf("update")).toEqual([]);
  });

  it("refuses a rule whose upstream is not allowed: delete it instead", async () => {
    // quay.io is on the allowlist, but only for REGISTRY_ID.
    gateway.seed(rule("bad", "quay.io", { registryId: OTHER_REGISTRY_ID }));

    const attempt = makeSyncCacheRule({ gateway, policy: samplePolicy, region: REGION })(
      context,
      { registryId: OTHER_REGISTRY_ID, ecrRepositoryPrefix: "bad" },
      trail,
    );

    await expect(attempt).rejects.toMatchObject({
      kind: "upstream-not-allowed",
      message: expect.stringContaining("delete it instead"),
    });
    expect(trail.policyDecision).toBe("denied");
    expect(gateway.inputsOf("update")).toEqual([]);
  });

  it.each([
    ["a credential", { credentialArn: "arn:stray" }, "credential"],
    ["a role", { customRoleArn: "arn:stray" }, "role"],
  ])("refuses with 409 a rule with %s the policy no longer binds", async (_what, extra, word) => {
    gateway.seed(rule("pub", "public.ecr.aws", extra));

    await expect(sync("pub")).rejects.toMatchObject({
      kind: "cannot-remove-credential",
      message: expect.stringContaining(`a ${word} that the policy no longer binds`),
    });
    expect(gateway.inputsOf("update")).toEqual([]);
  });

  it("names the upstream prefix of a rule it will not fix", async () => {
    gateway.seed(rule("central", "public.ecr.aws", { upstreamRepositoryPrefix: "golden" }));

    await expect(sync("central")).rejects.toMatchObject({
      message: expect.stringContaining("'public.ecr.aws' (upstream prefix 'golden') is not on"),
    });
  });

  it("keeps what the rule had where ECR's update answer says nothing", async () => {
    class TerseGateway extends InMemoryCacheRuleGateway {
      override async update(...args: Parameters<InMemoryCacheRuleGateway["update"]>) {
        const { registryId, ecrRepositoryPrefix } = await super.update(...args);
        return { registryId, ecrRepositoryPrefix };
      }
    }
    const terse = new TerseGateway().seed(rule("hub", "docker.io", { updatedAt: new Date(1) }));

    const result = await makeSyncCacheRule({
      gateway: terse,
      policy: samplePolicy,
      region: REGION,
    })(context, { registryId: REGISTRY_ID, ecrRepositoryPrefix: "hub" }, trail);

    expect(result).toEqual({
      sync: "updated",
      rule: rule("hub", "docker.io", { updatedAt: new Date(1) }),
    });
  });

  it("answers 404 for no rule, and passes ECR's errors on", async () => {
    await expect(sync("none")).rejects.toMatchObject({ kind: "rule-not-found" });

    gateway.seed(rule("hub", "docker.io"));
    const secret = new DomainError("upstream-unusable", "no secret", {
      ecrCode: "SecretNotFoundException",
    });
    gateway.failNext("update", secret);
    await expect(sync("hub")).rejects.toMatchObject({
      kind: "upstream-unusable",
      ecrCode: "SecretNotFoundException",
      cause: secret,
    });
  });
});

describe("listUpstreams", () => {
  it("lists what a registry may use, in policy order, without any ARN", () => {
    expect(listUpstreams(samplePolicy, OTHER_REGISTRY_ID)).toEqual([
      { url: "public.ecr.aws", aliases: [], requiresCredential: false },
      {
        url: "registry-1.docker.io",
        aliases: ["docker.io", "index.docker.io"],
        upstreamRegistry: "docker-hub",
        requiresCredential: true,
      },
    ]);
    expect(listUpstreams(samplePolicy, REGISTRY_ID).map((view) => view.url)).toContain("quay.io");
  });

  it("shows an ECR entry's upstream prefixes and counts its role as a credential", () => {
    const policy: UpstreamPolicy = {
      version: 1,
      upstreams: [
        {
          url: "444455556666.dkr.ecr.eu-west-1.amazonaws.com",
          aliases: [],
          upstreamRegistry: "ecr",
          customRoleArn: "arn:aws:iam::{registryId}:role/central",
          upstreamRepositoryPrefixes: ["golden"],
        },
      ],
    };

    expect(listUpstreams(policy, REGISTRY_ID)).toEqual([
      {
        url: "444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        aliases: [],
        upstreamRegistry: "ecr",
        requiresCredential: true,
        upstreamRepositoryPrefixes: ["golden"],
      },
    ]);
  });
});

describe("authorizeRegistry", () => {
  const onboarded: UpstreamPolicy = {
    ...samplePolicy,
    registries: [
      { id: REGISTRY_ID, callers: [REGISTRY_ID, "111122223333"] },
      {
        id: OTHER_REGISTRY_ID,
        callers: [OTHER_REGISTRY_ID],
        roleArn: `arn:aws:iam::${OTHER_REGISTRY_ID}:role/ecr-cache-rules`,
      },
    ],
  };
  const caller = (accountId: string) => ({ accountId });

  it("lets everyone act on every registry when the policy onboards none", () => {
    expect(
      authorizeRegistry(samplePolicy, "999999999999", caller("1"), "req", trail),
    ).toBeUndefined();
    expect(trail).toEqual({});
  });

  it("refuses a registry that is not onboarded, without naming the ones that are", () => {
    const attempt = () =>
      authorizeRegistry(onboarded, "999999999999", caller(REGISTRY_ID), "req", trail);

    expect(attempt).toThrow(expect.objectContaining({ kind: "registry-not-onboarded" }));
    expect(attempt).not.toThrow(
      expect.objectContaining({ message: expect.stringContaining(REGISTRY_ID) }),
    );
    expect(trail.authorization).toBe("registry-not-onboarded");
  });

  it("refuses a caller whose account is not among the registry's callers", () => {
    expect(() =>
      authorizeRegistry(onboarded, OTHER_REGISTRY_ID, caller(REGISTRY_ID), "req", trail),
    ).toThrow(expect.objectContaining({ kind: "caller-not-authorized" }));
    expect(() => authorizeRegistry(onboarded, REGISTRY_ID, {}, "req", trail)).toThrow(
      expect.objectContaining({ kind: "caller-not-authorized" }),
    );
  });

  it("gives a listed caller the registry's role, in a session named after the request", () => {
    expect(
      authorizeRegistry(onboarded, OTHER_REGISTRY_ID, caller(OTHER_REGISTRY_ID), "req-1", trail),
    ).toEqual({
      roleArn: `arn:aws:iam::${OTHER_REGISTRY_ID}:role/ecr-cache-rules`,
      sessionName: "req-1",
    });
    expect(trail).toEqual({
      authorization: "allowed",
      roleAccount: OTHER_REGISTRY_ID,
      roleSessionName: "req-1",
    });
  });

  it("uses the function's own credentials for an onboarded registry without a role", () => {
    expect(
      authorizeRegistry(onboarded, REGISTRY_ID, caller("111122223333"), "req", trail),
    ).toBeUndefined();
    expect(trail).toEqual({ authorization: "allowed" });
  });
});

describe("explainSecretError", () => {
  const secret = `arn:aws:secretsmanager:eu-west-1:${REGISTRY_ID}:secret:ecr-pullthroughcache/docker-hub`;

  it.each([
    ["SecretNotFoundException", "ECR found no such secret"],
    ["UnableToAccessSecretException", "ECR may not read that secret"],
    ["UnableToDecryptSecretValueException", "ECR could not decrypt that secret"],
  ])("names the bound secret and what must be true of it for %s", (ecrCode, trouble) => {
    const explained = explainSecretError(
      new DomainError("upstream-unusable", "ECR's words", { ecrCode }),
      secret,
    );

    expect(explained).toMatchObject({
      kind: "upstream-unusable",
      ecrCode,
      message: `${trouble}: for this upstream the policy binds the secret 'ecr-pullthroughcache/docker-hub' in account ${REGISTRY_ID}, Region eu-west-1. It must exist there under exactly that name (ECR requires names starting with ecr-pullthroughcache/), in the registry's own account and Region, encrypted with the default aws/secretsmanager key; the platform team creates it. (ECR: "ECR's words")`,
    });
  });

  it.each([
    [
      "another ECR error",
      new DomainError("upstream-unusable", "x", {
        ecrCode: "UnsupportedUpstreamRegistryException",
      }),
      secret,
    ],
    ["an error without ECR's name", new DomainError("ecr-timeout", "slow"), secret],
    [
      "a secret error where the policy binds none",
      new DomainError("upstream-unusable", "x", { ecrCode: "SecretNotFoundException" }),
      undefined,
    ],
    ["something that is no domain error", new TypeError("bug"), secret],
  ])("passes %s unchanged", (_, error, credentialArn) => {
    expect(explainSecretError(error, credentialArn)).toBe(error);
  });

  it("is what create and sync answer ECR's secret errors with", async () => {
    const missing = () =>
      new DomainError("upstream-unusable", "no secret", { ecrCode: "SecretNotFoundException" });
    gateway.failNext("create", missing()).seed(rule("hub", "docker.io"));
    gateway.failNext("update", missing());

    const create = makeCreateCacheRule({ gateway, policy: samplePolicy, region: REGION })(
      context,
      { registryId: REGISTRY_ID, ecrRepositoryPrefix: "new", upstreamRegistryUrl: "docker.io" },
      trail,
    );
    const sync = makeSyncCacheRule({ gateway, policy: samplePolicy, region: REGION })(
      context,
      { registryId: REGISTRY_ID, ecrRepositoryPrefix: "hub" },
      trail,
    );

    await expect(create).rejects.toMatchObject({
      message: expect.stringContaining("the policy binds the secret"),
    });
    await expect(sync).rejects.toMatchObject({
      message: expect.stringContaining("the policy binds the secret"),
    });
  });
});
