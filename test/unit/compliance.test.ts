import { describe, expect, it } from "vitest";
import type { CacheRule } from "../../src/domain/cache-rule.js";
import {
  canonicalUpstreamOf,
  isSameRule,
  isSameUpstream,
  judgeRule,
} from "../../src/domain/compliance.js";
import {
  specFor,
  type UpstreamEntry,
  type UpstreamPolicy,
} from "../../src/domain/upstream-policy.js";

const REGISTRY = "123456789012";
const OTHER = "210987654321";
const REGION = "eu-west-1";
const SECRET = `arn:aws:secretsmanager:${REGION}:${REGISTRY}:secret:ecr-pullthroughcache/docker-hub`;
const ROLE = `arn:aws:iam::${REGISTRY}:role/central`;
const CENTRAL = "444455556666.dkr.ecr.eu-west-1.amazonaws.com";

const centralEntry: UpstreamEntry = {
  url: CENTRAL,
  aliases: [],
  upstreamRegistry: "ecr",
  customRoleArn: "arn:aws:iam::{registryId}:role/central",
  upstreamRepositoryPrefixes: ["golden", "ROOT"],
};
const dockerEntry: UpstreamEntry = {
  url: "registry-1.docker.io",
  aliases: ["docker.io"],
  upstreamRegistry: "docker-hub",
  credentialArn:
    "arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/docker-hub",
};

const policy: UpstreamPolicy = {
  version: 1,
  upstreams: [
    { url: "public.ecr.aws", aliases: [] },
    { url: "quay.io", aliases: [], registryIds: [REGISTRY] },
    dockerEntry,
    centralEntry,
  ],
};

const rule = (upstreamRegistryUrl: string, extra: Partial<CacheRule> = {}): CacheRule => ({
  registryId: REGISTRY,
  ecrRepositoryPrefix: "cache",
  upstreamRegistryUrl,
  createdAt: new Date("2026-01-01T00:00:00.000Z"),
  ...extra,
});

describe("judgeRule: today's policy judgement of a rule as ECR holds it", () => {
  it.each<[string, CacheRule, string]>([
    ["a plain allowed upstream", rule("public.ecr.aws"), "allowed"],
    ["another case of an allowed host", rule("PUBLIC.ECR.AWS"), "allowed"],
    ["an https:// spelling", rule("https://public.ecr.aws/"), "allowed"],
    [
      "an alias, with the bound credential",
      rule("docker.io", { credentialArn: SECRET }),
      "allowed",
    ],
    [
      "the canonical host with the bound credential",
      rule("registry-1.docker.io", { credentialArn: SECRET }),
      "allowed",
    ],
    ["a host not on the allowlist", rule("evil.example.com"), "not-on-allowlist"],
    ["a stored value that is no host", rule("quay.io/path"), "not-on-allowlist"],
    [
      "an upstream scoped to other registries",
      rule("quay.io", { registryId: OTHER }),
      "not-on-allowlist",
    ],
    ["the scoped upstream in its registry", rule("quay.io"), "allowed"],
    ["a missing credential the policy binds", rule("registry-1.docker.io"), "drift"],
    [
      "another credential than the policy binds",
      rule("registry-1.docker.io", { credentialArn: "arn:old" }),
      "drift",
    ],
    [
      "a credential where the policy binds none",
      rule("public.ecr.aws", { credentialArn: "arn:stray" }),
      "drift",
    ],
    [
      "a role where the policy binds none",
      rule("public.ecr.aws", { customRoleArn: "arn:stray" }),
      "drift",
    ],
    [
      "an ECR upstream with its role and an allowed prefix",
      rule(CENTRAL, { customRoleArn: ROLE, upstreamRepositoryPrefix: "golden" }),
      "allowed",
    ],
    [
      "an ECR upstream with no prefix, which counts as ROOT",
      rule(CENTRAL, { customRoleArn: ROLE }),
      "allowed",
    ],
    [
      "an ECR upstream with another role",
      rule(CENTRAL, { customRoleArn: "arn:other", upstreamRepositoryPrefix: "golden" }),
      "drift",
    ],
    [
      "an ECR upstream with a prefix the entry does not allow",
      rule(CENTRAL, { customRoleArn: ROLE, upstreamRepositoryPrefix: "secret" }),
      "not-on-allowlist",
    ],
    [
      "an upstream prefix on an entry that allows only ROOT",
      rule("public.ecr.aws", { upstreamRepositoryPrefix: "x" }),
      "not-on-allowlist",
    ],
  ])("judges %s", (_what, candidate, expected) => {
    expect(judgeRule(policy, REGION, candidate).compliance).toBe(expected);
  });

  it("gives the credential and role the policy binds today, filled in for the rule's registry", () => {
    expect(judgeRule(policy, REGION, rule("docker.io"))).toEqual({
      compliance: "drift",
      entry: dockerEntry,
      expected: { credentialArn: SECRET },
    });
  });
});

describe("canonicalUpstreamOf", () => {
  it.each([
    ["docker.io", "registry-1.docker.io"],
    ["HTTPS://Docker.IO/", "registry-1.docker.io"],
    ["QUAY.IO", "quay.io"],
    ["elsewhere.example.com", "elsewhere.example.com"],
  ])("resolves %s to %s", (stored, canonical) => {
    expect(canonicalUpstreamOf(policy, stored)).toBe(canonical);
  });

  it("gives back a value that is no host as stored, so that it equals no entry", () => {
    expect(canonicalUpstreamOf(policy, "quay.io:443")).toBe("quay.io:443");
  });
});

describe("isSameRule and isSameUpstream: what counts as the same rule for a retry", () => {
  const spec = specFor(centralEntry, REGISTRY, "cache", REGION);
  const golden = { ...spec, upstreamRepositoryPrefix: "golden" };

  it("counts no upstream prefix and ROOT as the same", () => {
    expect(
      isSameRule(
        policy,
        rule(CENTRAL, { customRoleArn: ROLE, upstreamRepositoryPrefix: "ROOT" }),
        spec,
      ),
    ).toBe(true);
  });

  it("tells upstream prefixes apart", () => {
    expect(isSameRule(policy, rule(CENTRAL, { customRoleArn: ROLE }), golden)).toBe(false);
    expect(isSameUpstream(policy, rule(CENTRAL, { customRoleArn: ROLE }), golden)).toBe(false);
  });

  it("tells roles apart, though the upstream is the same", () => {
    const other = rule(CENTRAL, { customRoleArn: "arn:other", upstreamRepositoryPrefix: "golden" });
    expect(isSameRule(policy, other, golden)).toBe(false);
    expect(isSameUpstream(policy, other, golden)).toBe(true);
  });
});
