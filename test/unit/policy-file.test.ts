import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_POLICY_FILE,
  loadPolicyFile,
  parsePolicyYaml,
} from "../../src/adapters/policy-file.js";
import { PolicyError, parsePolicyDocument } from "../../src/adapters/policy-schema.js";
import { loadPolicyState } from "../../src/adapters/policy-source.js";

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url));

describe("loadPolicyFile", () => {
  it("keeps registry ids as strings and defaults aliases to none", async () => {
    const policy = await loadPolicyFile(fixture("valid-scoped.yaml"));

    expect(policy.upstreams[0]).toEqual({
      url: "quay.io",
      aliases: [],
      registryIds: ["123456789012"],
    });
  });

  it.each([
    ["aliases.yaml", "aliases are not allowed"],
    ["duplicate-key.yaml", "Map keys must be unique"],
    ["unknown-key.yaml", "upstreams.0: unknown key (allowEverything)"],
    [
      "unquoted-registry-id.yaml",
      "upstreams.0.registryIds.0: must be a quoted string of 12 digits",
    ],
    [
      "bad-credential.yaml",
      "upstreams.0.credentialArn: must be arn:aws:secretsmanager:{region}:{registryId}",
    ],
    ["non-canonical-url.yaml", "upstreams.0.url: must be a canonical host name"],
    ["duplicate-host.yaml", "host 'docker.io' is already claimed by upstreams[0]"],
    ["wrong-version.yaml", "version: must be 1"],
    ["syntax-error.yaml", "syntax-error.yaml: "],
    ["custom-tag.yaml", "js/function"],
    ["empty.yaml", "(top level): must be a mapping with version and upstreams"],
  ])("refuses %s, saying %s", async (name, expected) => {
    const attempt = loadPolicyFile(fixture(name));

    await expect(attempt).rejects.toBeInstanceOf(PolicyError);
    await expect(attempt).rejects.toThrow(expected);
  });

  it("names a file that cannot be read", async () => {
    await expect(loadPolicyFile("/nonexistent/policy.yaml")).rejects.toThrow(
      "/nonexistent/policy.yaml: cannot be read (ENOENT)",
    );
  });

  it("refuses a YAML syntax error with the parser's first line", async () => {
    await expect(parsePolicyYaml("version: 1\nupstreams: [\n", "inline")).rejects.toThrow(
      /^inline: /,
    );
  });
});

describe("parsePolicyDocument", () => {
  it("lists every problem with its path", () => {
    const attempt = () =>
      parsePolicyDocument(
        { version: 1, upstreams: [{ url: "quay.io", upstreamRegistry: "nope", aliases: "x" }] },
        "doc",
      );

    expect(attempt).toThrow(/doc: .*upstreams\.0\.aliases: must be a list of host names/);
    expect(attempt).toThrow(
      /upstreams\.0\.upstreamRegistry: must be one of azure-container-registry, chainguard, docker-hub/,
    );
  });

  it("accepts an empty upstream list, which admits nothing, but refuses an empty registry id list", () => {
    expect(parsePolicyDocument({ version: 1, upstreams: [] }, "doc").upstreams).toEqual([]);
    expect(() =>
      parsePolicyDocument({ version: 1, upstreams: [{ url: "quay.io", registryIds: [] }] }, "doc"),
    ).toThrow("must list at least one registry id");
  });

  it("accepts a credential ARN with a literal Region and account for an entry scoped to one registry", () => {
    const credentialArn =
      "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ecr-pullthroughcache/quay";

    const policy = parsePolicyDocument(
      { version: 1, upstreams: [{ url: "quay.io", registryIds: ["123456789012"], credentialArn }] },
      "doc",
    );

    expect(policy.upstreams[0]?.credentialArn).toBe(credentialArn);
  });

  it("refuses wrongly typed members", () => {
    expect(() => parsePolicyDocument({ version: 1, upstreams: "quay.io" }, "doc")).toThrow(
      "upstreams: must be a list",
    );
    expect(() => parsePolicyDocument({ version: 1, upstreams: [{ url: 5 }] }, "doc")).toThrow(
      "upstreams.0.url: must be a string",
    );
    expect(() => parsePolicyDocument({ version: 1, upstreams: ["quay.io"] }, "doc")).toThrow(
      "upstreams.0: must be a mapping of url",
    );
    expect(() =>
      parsePolicyDocument(
        { version: 1, upstreams: [{ url: "ghcr.io", credentialArn: 1, registryIds: "x" }] },
        "doc",
      ),
    ).toThrow(
      /credentialArn: must be a string.*registryIds: must be a list of registry ids|registryIds: must be a list of registry ids.*credentialArn: must be a string/,
    );
  });
});

describe("loadPolicyState", () => {
  it("loads the file POLICY_FILE names", async () => {
    const state = await loadPolicyState(fixture("valid-scoped.yaml"));

    expect(state).toMatchObject({ ok: true, source: fixture("valid-scoped.yaml") });
  });

  it("falls back to the allowlist in policies/ when no file is named and nothing was bundled", async () => {
    const state = await loadPolicyState(undefined);

    // What the reviewed file says is npm run policy:check's business, not this test's.
    expect(state.source).toBe(DEFAULT_POLICY_FILE.pathname);
  });

  it("reports a broken policy as a state instead of throwing", async () => {
    const state = await loadPolicyState(fixture("unknown-key.yaml"));

    expect(state).toMatchObject({ ok: false, source: fixture("unknown-key.yaml") });
    expect(!state.ok && state.error).toBeInstanceOf(PolicyError);
  });
});
