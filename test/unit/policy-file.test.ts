import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  checkPolicyFile,
  checkPolicyYaml,
  DEFAULT_POLICY_FILE,
  loadPolicyFile,
  parsePolicyYaml,
} from "../../src/adapters/policy-file.js";
import {
  checkPolicyDocument,
  PolicyError,
  parsePolicyDocument,
} from "../../src/adapters/policy-schema.js";
import { bundledPolicyOf, loadPolicyState } from "../../src/adapters/policy-source.js";

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url));

const SOURCE = "inline.yaml";

/** The lines of a policy text, so that positions in the tests can be counted by eye. */
const policy = (...lines: string[]): string => `${lines.join("\n")}\n`;

/** The error that refused `attempt`; fails the test when it was accepted or failed otherwise. */
const refusal = async (attempt: Promise<unknown> | (() => unknown)): Promise<PolicyError> => {
  try {
    await (typeof attempt === "function" ? attempt() : attempt);
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error("the policy was accepted");
};

/** What refusing `attempt` said: every problem's text, in order. */
const problemsOf = async (attempt: Promise<unknown> | (() => unknown)): Promise<string[]> =>
  (await refusal(attempt)).problems.map((problem) => problem.text);

const yamlProblems = (text: string): Promise<string[]> => problemsOf(checkPolicyYaml(text, SOURCE));

const ID = "123456789012";
const OTHER_ID = "210987654321";

describe("loadPolicyFile", () => {
  it("keeps registry ids as strings and defaults aliases to none", async () => {
    const loaded = await loadPolicyFile(fixture("valid-scoped.yaml"));

    expect(loaded.upstreams[0]).toEqual({ url: "quay.io", aliases: [], registryIds: [ID] });
    expect(loaded.registries).toBeUndefined();
  });

  it.each([
    [
      "aliases.yaml",
      [
        "3:5: upstreams[0] (quay.io): YAML anchors are not allowed (&quay)",
        "5:5: upstreams[1] (quay.io): YAML aliases are not allowed (*quay)",
      ],
    ],
    [
      "duplicate-key.yaml",
      [
        "4:5: upstreams[0] (evil.example.com).url: duplicate key: already given at line 3, column 5",
      ],
    ],
    [
      "unknown-key.yaml",
      [
        "4:5: upstreams[0] (quay.io).allowEverything: unknown key; allowed here: url, aliases, registryIds, upstreamRegistry, credentialArn, customRoleArn, upstreamRepositoryPrefixes",
      ],
    ],
    [
      "unquoted-registry-id.yaml",
      [
        "4:19: upstreams[0] (quay.io).registryIds[0]: must be a quoted string of 12 digits (a registry id)",
      ],
    ],
    [
      "bad-credential.yaml",
      [
        "4:20: upstreams[0] (ghcr.io).credentialArn: must be arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/<name>",
      ],
    ],
    [
      "non-canonical-url.yaml",
      [
        "3:10: upstreams[0] (https://Quay.io/).url: must be a canonical host name: lower case, no scheme, path, port or trailing slash",
      ],
    ],
    [
      "duplicate-host.yaml",
      ["5:10: upstreams[1] (docker.io).url: host 'docker.io' is already claimed by upstreams[0]"],
    ],
    ["wrong-version.yaml", ["1:10: version: must be the integer 1"]],
    [
      "syntax-error.yaml",
      [
        "3:3: upstreams[0]: YAML syntax error: Block collections are not allowed within flow collections",
        "4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
      ],
    ],
    [
      "custom-tag.yaml",
      [
        '3:10: upstreams[0] ("function () {}").url: YAML tags are not allowed (!!js/function)',
        '3:24: upstreams[0] ("function () {}").url: must be a canonical host name: lower case, no scheme, path, port or trailing slash',
      ],
    ],
    ["empty.yaml", ["1:1: must be a mapping with version, upstreams and optionally registries"]],
  ])("refuses %s, saying where and why", async (name, expected) => {
    const attempt = loadPolicyFile(fixture(name));

    await expect(attempt).rejects.toBeInstanceOf(PolicyError);
    expect(await problemsOf(attempt)).toEqual(expected.map((text) => `${fixture(name)}:${text}`));
  });

  it("reports every error of a file at once, in the order of the file, with its warnings", async () => {
    const file = fixture("many-errors.yaml");

    const { problems, warnings, message, source } = await refusal(loadPolicyFile(file));

    const at = (text: string): string => `${file}:${text}`;
    expect(problems.map((problem) => problem.text)).toEqual(
      [
        "1:1: %YAML 1.1 is not allowed: the policy is read as YAML 1.2 (leave the directive out)",
        "4:10: version: must be the integer 1, written 1, not 1.0",
        "8:5: upstreams[0] (quay.io).registryIds: duplicate key: already given at line 7, column 5",
        "8:19: upstreams[0] (quay.io).registryIds[0]: must be a quoted string of 12 digits (a registry id)",
        "9:5: upstreams[1] (registry-1.docker.io): YAML anchors are not allowed (&hub)",
        "11:20: upstreams[1] (registry-1.docker.io).credentialArn: must be arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/<name>",
        "13:5: upstreams[2] (ghcr.io).allowEverything: unknown key; allowed here: url, aliases, registryIds, upstreamRegistry, credentialArn, customRoleArn, upstreamRepositoryPrefixes",
        "14:20: upstreams[2] (ghcr.io).credentialArn: partition 'aws-moon' is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)",
        "15:10: upstreams[3] (Quay.io).url: YAML tags are not allowed (!!str)",
        "15:16: upstreams[3] (Quay.io).url: must be a canonical host name: lower case, no scheme, path, port or trailing slash",
        "17:5: upstreams[5] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).customRoleArn: is required for an ECR upstream: the IAM role ECR assumes to pull from it",
        "19:5: upstreams[5] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).<<: YAML merge keys (<<) are not allowed",
        "22:14: registries[0] (123456789012).roleArn: must be a role in the registry's own account 123456789012, not in 210987654321",
        "23:9: registries[1] (123456789012).id: is already listed at registries[0]",
      ].map(at),
    );
    expect(warnings.map((warning) => warning.text)).toEqual([
      at(
        "16:5: upstreams[4] (cgr.dev): ECR accepts cgr.dev only with a credential, and the entry binds no credentialArn: creating a rule for it will fail",
      ),
    ]);
    expect(message).toBe(problems.map((problem) => problem.text).join("\n"));
    expect(source).toBe(file);
  });

  it("gives each problem as data: position, path, entry and message", async () => {
    const { problems } = await refusal(loadPolicyFile(fixture("many-errors.yaml")));

    expect(problems[7]).toEqual({
      severity: "error",
      source: fixture("many-errors.yaml"),
      line: 14,
      column: 20,
      path: ["upstreams", 2, "credentialArn"],
      url: "ghcr.io",
      message:
        "partition 'aws-moon' is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)",
      text: expect.stringMatching(
        /many-errors\.yaml:14:20: upstreams\[2\] \(ghcr\.io\)\.credentialArn: /,
      ),
    });
    expect(problems[12]).toMatchObject({
      path: ["registries", 0, "roleArn"],
      registryId: ID,
    });
  });

  it("names a file that cannot be read", async () => {
    expect(await problemsOf(loadPolicyFile("/nonexistent/policy.yaml"))).toEqual([
      "/nonexistent/policy.yaml: cannot be read (ENOENT)",
    ]);
  });
});

describe("the registries section (several accounts)", () => {
  it("onboards registries, filling in each one's own account as its callers by default", async () => {
    const loaded = await loadPolicyFile(fixture("registries.yaml"));

    expect(loaded.registries).toEqual([
      { id: ID, roleArn: `arn:aws:iam::${ID}:role/platform/ecr-cache-rules`, callers: [ID] },
      { id: OTHER_ID, callers: [OTHER_ID, ID] },
    ]);
  });

  it("refuses an empty section, which would serve no registry at all", async () => {
    expect(await yamlProblems(policy("version: 1", "upstreams: []", "registries: []"))).toEqual([
      `${SOURCE}:3:13: registries: onboards no registry: remove the section to serve every registry`,
    ]);
  });

  it("refuses ids that are unquoted, listed twice, or roles of another account", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams: []",
        "registries:",
        `  - id: "${ID}"`,
        `    roleArn: arn:aws:iam::${OTHER_ID}:role/ecr-cache-rules`,
        `  - id: "${ID}"`,
        "    callers: []",
        `  - id: ${OTHER_ID}`,
        `    callers: [123, "111111111111", "111111111111"]`,
        `    roleArn: arn:aws-xx:iam::${OTHER_ID}:role/x`,
        "    extra: 1",
        `  - id: "${OTHER_ID}"`,
        "    roleArn: arn:aws:iam::{registryId}:role/x",
      ),
    );

    expect(problems).toEqual(
      [
        `5:14: registries[0] (${ID}).roleArn: must be a role in the registry's own account ${ID}, not in ${OTHER_ID}`,
        `6:9: registries[1] (${ID}).id: is already listed at registries[0]`,
        `7:14: registries[1] (${ID}).callers: must list at least one account (leave the key out for the registry's own)`,
        "8:9: registries[2].id: must be a quoted string of 12 digits (a registry id)",
        "9:15: registries[2].callers[0]: must be a quoted string of 12 digits (an account id)",
        "9:36: registries[2].callers[2]: account '111111111111' is already listed at [1]",
        "10:14: registries[2].roleArn: partition 'aws-xx' is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)",
        "11:5: registries[2].extra: unknown key; allowed here: id, roleArn, callers",
        `13:14: registries[3] (${OTHER_ID}).roleArn: must be an IAM role ARN: arn:aws:iam::<12 digits>:role/<name>`,
      ].map((text) => `${SOURCE}:${text}`),
    );
  });

  it("requires the registryIds of an upstream to be onboarded once the section exists", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams:",
        "  - url: quay.io",
        `    registryIds: ["${ID}", "999999999999", "${ID}"]`,
        "registries:",
        `  - id: "${ID}"`,
      ),
    );

    expect(problems).toEqual([
      `${SOURCE}:4:35: upstreams[0] (quay.io).registryIds[1]: registry '999999999999' is not onboarded in registries`,
      `${SOURCE}:4:51: upstreams[0] (quay.io).registryIds[2]: registry '${ID}' is already listed at [0]`,
    ]);
  });

  it("judges onboarding only against a section whose ids all could be read", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams:",
        "  - url: quay.io",
        `    registryIds: ["999999999999"]`,
        "registries:",
        `  - id: ${ID}`,
        "  - just-a-string",
      ),
    );

    expect(problems).toEqual([
      `${SOURCE}:6:9: registries[0].id: must be a quoted string of 12 digits (a registry id)`,
      `${SOURCE}:7:5: registries[1]: must be a mapping of id, roleArn, callers`,
    ]);
  });

  it("refuses a section that is not a list", async () => {
    expect(await yamlProblems(policy("version: 1", "upstreams: []", "registries:"))).toEqual([
      `${SOURCE}:3:12: registries: must be a list of registries`,
    ]);
  });
});

describe("ECR upstreams (ECR to ECR)", () => {
  it("accepts a central registry for every registry, and one in China for one registry", async () => {
    const loaded = await loadPolicyFile(fixture("ecr-upstreams.yaml"));

    expect(loaded.upstreams).toEqual([
      {
        url: "444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        aliases: [],
        upstreamRegistry: "ecr",
        customRoleArn: "arn:aws:iam::{registryId}:role/ecr-pullthroughcache-central",
        upstreamRepositoryPrefixes: ["golden", "base-images/", "ROOT"],
      },
      {
        url: "444455556666.dkr.ecr.cn-north-1.amazonaws.com.cn",
        aliases: [],
        registryIds: [ID],
        upstreamRegistry: "ecr",
        customRoleArn: `arn:aws-cn:iam::${ID}:role/ecr-pullthroughcache-central`,
      },
    ]);
  });

  it("requires upstreamRegistry ecr and a custom role, and refuses a credential", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams:",
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    credentialArn: arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/x",
      ),
    );

    const entry = "upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com)";
    expect(problems).toEqual([
      `${SOURCE}:3:5: ${entry}.upstreamRegistry: is required for a private ECR registry: write upstreamRegistry: ecr`,
      `${SOURCE}:3:5: ${entry}.customRoleArn: is required for an ECR upstream: the IAM role ECR assumes to pull from it`,
      `${SOURCE}:4:5: ${entry}.credentialArn: is not for an ECR upstream, which ECR reaches with customRoleArn`,
    ]);
  });

  it.each([
    [
      "upstreamRegistry ecr on another host",
      [
        "  - url: quay.io",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws:iam::{registryId}:role/x",
      ],
      "3:10: upstreams[0] (quay.io).url: must be <12 digits>.dkr.ecr.<region>.amazonaws.com (.amazonaws.com.cn in the China Regions) for upstreamRegistry ecr",
    ],
    [
      "a China Region outside .amazonaws.com.cn",
      [
        "  - url: 444455556666.dkr.ecr.cn-north-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws-cn:iam::{registryId}:role/x",
      ],
      "3:10: upstreams[0] (444455556666.dkr.ecr.cn-north-1.amazonaws.com).url: must be <12 digits>.dkr.ecr.<region>.amazonaws.com (.amazonaws.com.cn in the China Regions) for upstreamRegistry ecr",
    ],
    [
      "another upstreamRegistry for an ECR host",
      [
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    upstreamRegistry: docker-hub",
        "    customRoleArn: arn:aws:iam::{registryId}:role/x",
      ],
      "4:23: upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).upstreamRegistry: must be ecr for a private ECR registry",
    ],
    [
      "{region} in the role",
      [
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws:iam::{registryId}:role/{region}/x",
      ],
      "5:20: upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).customRoleArn: must not hold {region}: IAM is global, a role ARN names no Region",
    ],
    [
      "a role that is not an IAM role ARN",
      [
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws:iam::{registryId}:user/x",
      ],
      "5:20: upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).customRoleArn: must be an IAM role ARN in the registry's account: arn:aws:iam::{registryId}:role/<name>",
    ],
    [
      "a role named in a literal account for every registry",
      [
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws:iam::111122223333:role/x",
      ],
      `5:20: upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).customRoleArn: names account 111122223333, but the role must be in each registry's own account: write {registryId}, or limit the entry with registryIds: ["111122223333"]`,
    ],
    [
      "a role named in a literal account of another registry",
      [
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        `    registryIds: ["${ID}", "${OTHER_ID}"]`,
        `    customRoleArn: arn:aws:iam::${ID}:role/x`,
      ],
      `6:20: upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).customRoleArn: names account ${ID}, but the role must be in each registry's own account: write {registryId}, or limit the entry with registryIds: ["${ID}"]`,
    ],
    [
      "a role in another partition than the upstream",
      [
        "  - url: 444455556666.dkr.ecr.us-gov-west-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws:iam::{registryId}:role/x",
      ],
      "5:20: upstreams[0] (444455556666.dkr.ecr.us-gov-west-1.amazonaws.com).customRoleArn: must be in partition aws-us-gov, the partition of 444455556666.dkr.ecr.us-gov-west-1.amazonaws.com",
    ],
    [
      "a role in no AWS partition",
      [
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws-mars:iam::{registryId}:role/x",
      ],
      "5:20: upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).customRoleArn: partition 'aws-mars' is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)",
    ],
    [
      "an empty prefix list",
      [
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws:iam::{registryId}:role/x",
        "    upstreamRepositoryPrefixes: []",
      ],
      "6:33: upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).upstreamRepositoryPrefixes: must list at least one prefix (leave the key out to allow only ROOT)",
    ],
    [
      "a prefix listed twice",
      [
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws:iam::{registryId}:role/x",
        "    upstreamRepositoryPrefixes: [golden, base, golden]",
      ],
      "6:48: upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).upstreamRepositoryPrefixes[2]: prefix 'golden' is already listed at [0]",
    ],
  ])("refuses %s", async (_, entry, expected) => {
    expect(await yamlProblems(policy("version: 1", "upstreams:", ...entry))).toEqual([
      `${SOURCE}:${expected}`,
    ]);
  });

  it.each([
    ["a", "too short"],
    ["a".repeat(31), "too long"],
    ["Golden", "upper case"],
    ["golden//base", "an empty segment"],
    ["-golden", "a leading separator"],
    ["golden..base", "two dots"],
  ])("refuses the upstream prefix %s (%s)", async (prefix) => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams:",
        "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
        "    upstreamRegistry: ecr",
        "    customRoleArn: arn:aws:iam::{registryId}:role/x",
        `    upstreamRepositoryPrefixes: ["${prefix}"]`,
      ),
    );

    expect(problems).toEqual([
      `${SOURCE}:6:34: upstreams[0] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).upstreamRepositoryPrefixes[0]: must be ROOT or an upstream repository prefix of 2 to 30 characters: lower-case letters and digits, separated by ., _, __, -, or /`,
    ]);
  });

  it.each(["ab", "a".repeat(30), "golden/base", "golden/", "a__b", "a---b", "a_b.c-d", "ROOT"])(
    "accepts the upstream prefix %s",
    async (prefix) => {
      const loaded = await parsePolicyYaml(
        policy(
          "version: 1",
          "upstreams:",
          "  - url: 444455556666.dkr.ecr.eu-west-1.amazonaws.com",
          "    upstreamRegistry: ecr",
          "    customRoleArn: arn:aws:iam::{registryId}:role/x",
          `    upstreamRepositoryPrefixes: ["${prefix}"]`,
        ),
        SOURCE,
      );

      expect(loaded.upstreams[0]?.upstreamRepositoryPrefixes).toEqual([prefix]);
    },
  );

  it("refuses a custom role and upstream prefixes on an upstream that is not ECR", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams:",
        "  - url: quay.io",
        "    customRoleArn: arn:aws:iam::{registryId}:role/x",
        "    upstreamRepositoryPrefixes: [golden]",
      ),
    );

    expect(problems).toEqual([
      `${SOURCE}:4:5: upstreams[0] (quay.io).customRoleArn: is only for an ECR upstream (upstreamRegistry: ecr)`,
      `${SOURCE}:5:5: upstreams[0] (quay.io).upstreamRepositoryPrefixes: is only for an ECR upstream (upstreamRegistry: ecr)`,
    ]);
  });
});

describe("upstreamRegistry and credentials", () => {
  it("refuses an upstreamRegistry that does not name the upstream's host", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams:",
        "  - url: ghcr.io",
        "    upstreamRegistry: docker-hub",
        "    credentialArn: arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/x",
        "  - url: registry.example.com",
        "    upstreamRegistry: k8s",
        "  - url: quay.io",
        "    upstreamRegistry: nope",
      ),
    );

    expect(problems).toEqual([
      `${SOURCE}:4:23: upstreams[0] (ghcr.io).upstreamRegistry: must be github-container-registry for ghcr.io, or left out`,
      `${SOURCE}:7:23: upstreams[1] (registry.example.com).upstreamRegistry: names k8s, which ECR serves from registry.k8s.io, not from registry.example.com`,
      `${SOURCE}:9:23: upstreams[2] (quay.io).upstreamRegistry: must be one of azure-container-registry, chainguard, docker-hub, ecr, ecr-public, github-container-registry, gitlab-container-registry, k8s, quay`,
    ]);
  });

  it("refuses a credential in no AWS partition, or in an account that is not the registry's", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams:",
        "  - url: cgr.dev",
        "    credentialArn: arn:aws-foo:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/x",
        "  - url: registry.gitlab.com",
        `    registryIds: ["${OTHER_ID}"]`,
        `    credentialArn: arn:aws:secretsmanager:eu-west-1:${ID}:secret:ecr-pullthroughcache/x`,
        "  - url: ghcr.io",
        `    credentialArn: arn:aws:secretsmanager:eu-west-1:${ID}:secret:ecr-pullthroughcache/x`,
      ),
    );

    expect(problems).toEqual([
      `${SOURCE}:4:20: upstreams[0] (cgr.dev).credentialArn: partition 'aws-foo' is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)`,
      `${SOURCE}:7:20: upstreams[1] (registry.gitlab.com).credentialArn: names account ${ID}, but the secret must be in each registry's own account: write {registryId}, or limit the entry with registryIds: ["${ID}"]`,
      `${SOURCE}:9:20: upstreams[2] (ghcr.io).credentialArn: names account ${ID}, but the secret must be in each registry's own account: write {registryId}, or limit the entry with registryIds: ["${ID}"]`,
    ]);
  });

  it.each([
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
  ])("accepts a credential in the %s partition", async (partition) => {
    const credentialArn = `arn:${partition}:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/ghcr`;

    const loaded = await parsePolicyYaml(
      policy("version: 1", "upstreams:", "  - url: ghcr.io", `    credentialArn: ${credentialArn}`),
      SOURCE,
    );

    expect(loaded.upstreams[0]?.credentialArn).toBe(credentialArn);
  });

  it("does not judge a literal account against registryIds that are themselves wrong", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams:",
        "  - url: ghcr.io",
        `    registryIds: [${ID}]`,
        `    credentialArn: arn:aws:secretsmanager:eu-west-1:${ID}:secret:ecr-pullthroughcache/x`,
      ),
    );

    expect(problems).toEqual([
      `${SOURCE}:4:19: upstreams[0] (ghcr.io).registryIds[0]: must be a quoted string of 12 digits (a registry id)`,
    ]);
  });
});

describe("hosts", () => {
  it("refuses a host listed twice in one entry, and an entry without url", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "upstreams:",
        "  - url: quay.io",
        "    aliases: [quay.io]",
        "  - aliases: [docker.io]",
        "  - url:",
      ),
    );

    expect(problems).toEqual([
      `${SOURCE}:4:15: upstreams[0] (quay.io).aliases[0]: host 'quay.io' is listed twice in this entry`,
      `${SOURCE}:5:5: upstreams[1].url: is required`,
      `${SOURCE}:6:9: upstreams[2].url: must be a string`,
    ]);
  });
});

describe("warnings", () => {
  it("warns of upstreams ECR does not support, and of those it accepts only with a credential", async () => {
    const { policy: loaded, warnings } = await checkPolicyFile(fixture("warnings.yaml"));

    expect(loaded.upstreams).toHaveLength(4);
    expect(warnings.map((warning) => warning.text)).toEqual(
      [
        "4:10: upstreams[0] (registry.example.com).url: registry.example.com is not an upstream that ECR supports for pull through cache: creating a rule for it will fail",
        "5:5: upstreams[1] (cgr.dev): ECR accepts cgr.dev only with a credential, and the entry binds no credentialArn: creating a rule for it will fail",
        "8:5: upstreams[3] (registry.gitlab.com): ECR accepts registry.gitlab.com only with a credential, and the entry binds no credentialArn: creating a rule for it will fail",
      ].map((text) => `${fixture("warnings.yaml")}:${text}`),
    );
    expect(warnings[0]).toMatchObject({
      severity: "warning",
      line: 4,
      column: 10,
      url: "registry.example.com",
    });
  });

  it.each([
    "registry-1.docker.io",
    "ghcr.io",
    "registry.gitlab.com",
    "contoso.azurecr.io",
    "cgr.dev",
  ])("wants a credential for %s", async (url) => {
    const { warnings } = await checkPolicyYaml(
      policy("version: 1", "upstreams:", `  - url: ${url}`),
      SOURCE,
    );

    expect(warnings.map((warning) => warning.message)).toEqual([
      `ECR accepts ${url} only with a credential, and the entry binds no credentialArn: creating a rule for it will fail`,
    ]);
  });

  it.each(["public.ecr.aws", "registry.k8s.io", "quay.io"])(
    "has nothing to say of %s without a credential",
    async (url) => {
      const { warnings } = await checkPolicyYaml(
        policy("version: 1", "upstreams:", `  - url: ${url}`),
        SOURCE,
      );

      expect(warnings).toEqual([]);
    },
  );

  it.each([
    "docker.io",
    "sub.contoso.azurecr.io",
    "444455556666.dkr.ecr.eu-west-1.amazonaws.com.cn",
  ])("warns that ECR does not support %s", async (url) => {
    const { warnings } = await checkPolicyYaml(
      policy("version: 1", "upstreams:", `  - url: ${url}`),
      SOURCE,
    );

    expect(warnings.map((warning) => warning.message)).toEqual([
      `${url} is not an upstream that ECR supports for pull through cache: creating a rule for it will fail`,
    ]);
  });
});

describe("strict YAML", () => {
  it.each([
    ["1.0", ["1:10: version: must be the integer 1, written 1, not 1.0"]],
    ["0x1", ["1:10: version: must be the integer 1, written 1, not 0x1"]],
    ["+1", ["1:10: version: must be the integer 1, written 1, not +1"]],
    ["01", ["1:10: version: must be the integer 1, written 1, not 01"]],
    ['"1"', ["1:10: version: must be the integer 1"]],
    ['!!int "1"', ["1:10: version: YAML tags are not allowed (!!int)"]],
    [
      '&v !!int "1"',
      [
        "1:10: version: YAML anchors are not allowed (&v)",
        "1:13: version: YAML tags are not allowed (!!int)",
      ],
    ],
    ["2", ["1:10: version: must be the integer 1"]],
  ])("refuses version: %s", async (written, expected) => {
    expect(await yamlProblems(policy(`version: ${written}`, "upstreams: []"))).toEqual(
      expected.map((text) => `${SOURCE}:${text}`),
    );
  });

  it("accepts %YAML 1.2, which is how the policy is read anyway", async () => {
    const loaded = await parsePolicyYaml(
      policy("%YAML 1.2", "---", "version: 1", "upstreams: []"),
      SOURCE,
    );

    expect(loaded).toEqual({ version: 1, upstreams: [] });
  });

  it("refuses other directives, and reads the rest as YAML 1.2 all the same", async () => {
    const problems = await yamlProblems(
      policy(
        "%YAML 1.1",
        "%FOO bar",
        "%TAG !e! tag:example.com,2000:",
        "---",
        "version: 1",
        "upstreams:",
        "  - url: quay.io",
        `    <<: {registryIds: ["${ID}"]}`,
        "  - !e!entry {url: ghcr.io}",
      ),
    );

    expect(problems).toEqual(
      [
        "1:1: %YAML 1.1 is not allowed: the policy is read as YAML 1.2 (leave the directive out)",
        "2:1: directive %FOO is not allowed",
        "3:1: %TAG directives are not allowed: the policy uses no tags",
        "8:5: upstreams[0] (quay.io).<<: YAML merge keys (<<) are not allowed",
        "9:5: upstreams[1] (ghcr.io): YAML tags are not allowed (!e!entry)",
      ].map((text) => `${SOURCE}:${text}`),
    );
  });

  it("refuses a merge key even without an alias, and only once", async () => {
    expect(
      await yamlProblems(policy("version: 1", "upstreams: []", "<<: {registries: []}")),
    ).toEqual([`${SOURCE}:3:1: <<: YAML merge keys (<<) are not allowed`]);
  });

  it("refuses tags and anchors on keys, local tags and tags that cannot be resolved", async () => {
    const problems = await yamlProblems(
      policy(
        "version: 1",
        "!!str upstreams:",
        "  - url: !local quay.io",
        "  - url: !e!x ghcr.io",
        `&k registries: [{id: "${ID}"}]`,
      ),
    );

    expect(problems).toEqual(
      [
        "2:1: upstreams: YAML tags are not allowed (!!str)",
        "3:10: upstreams[0] (quay.io).url: YAML tags are not allowed (!local)",
        "4:10: upstreams[1] (ghcr.io): YAML syntax error: Could not resolve tag: !e!x",
        "5:1: registries: YAML anchors are not allowed (&k)",
      ].map((text) => `${SOURCE}:${text}`),
    );
  });

  it("refuses an alias to no anchor", async () => {
    expect(await yamlProblems(policy("version: 1", "upstreams: *nowhere"))).toEqual([
      `${SOURCE}:2:12: upstreams: YAML aliases are not allowed (*nowhere)`,
    ]);
  });

  it("refuses keys that are not plain strings", async () => {
    expect(await yamlProblems(policy("version: 1", "upstreams: []", "? [a]", ": 1"))).toEqual([
      `${SOURCE}:3:3: mapping keys must be plain strings`,
    ]);
  });

  it("refuses a second document", async () => {
    expect(await yamlProblems(policy("version: 1", "upstreams: []", "---", "version: 1"))).toEqual([
      `${SOURCE}:3:1: YAML syntax error: the file must hold one YAML document`,
    ]);
  });

  it("reports syntax errors together with what the schema finds in the rest of the file", async () => {
    const problems = await yamlProblems(
      policy("version: 2", "upstreams:", "  - url: 'quay.io", ""),
    );

    // The parser notices the open quote at the end of the file; the schema, where it opened.
    expect(problems).toEqual([
      `${SOURCE}:1:10: version: must be the integer 1`,
      `${SOURCE}:3:10: upstreams[0] ("quay.io ").url: must be a canonical host name: lower case, no scheme, path, port or trailing slash`,
      `${SOURCE}:5:1: YAML syntax error: Missing closing 'quote`,
    ]);
  });

  it("places a parser error at the key or the value it is in", async () => {
    expect(await yamlProblems(policy("version: 1", "upstreams"))).toEqual([
      `${SOURCE}:2:1: upstreams: YAML syntax error: Implicit map keys need to be followed by map values`,
    ]);
    expect(await yamlProblems(policy("version: 1", "upstreams:", '  - url: "quay\\q.io"'))).toEqual(
      [
        `${SOURCE}:3:15: upstreams[0] (quay\\q.io).url: YAML syntax error: Invalid escape sequence \\q`,
      ],
    );
  });

  it("names a null key as the empty key it loads as", async () => {
    expect(await yamlProblems(policy("version: 1", "upstreams: []", "~: 1"))).toEqual([
      `${SOURCE}:3:1: "": unknown key; allowed here: version, upstreams, registries`,
    ]);
  });

  it("places a tag or anchor at the node when a comment stands between them", async () => {
    const problems = await yamlProblems(
      policy("version: 1", "upstreams:", "  - &entry # the first", "    url: quay.io"),
    );

    expect(problems).toEqual([
      `${SOURCE}:4:5: upstreams[0] (quay.io): YAML anchors are not allowed (&entry)`,
    ]);
    expect(
      await yamlProblems(
        policy("version: 1", "upstreams:", "  - url: !!str # why", "      quay.io"),
      ),
    ).toEqual([
      `${SOURCE}:4:7: upstreams[0] (quay.io).url: YAML tags are not allowed (tag:yaml.org,2002:str)`,
    ]);
  });
});

describe("parsePolicyDocument (the bundled JSON)", () => {
  it("lists every problem with its path and the entry's url, without positions", async () => {
    const error = await refusal(() =>
      parsePolicyDocument(
        { version: 1, upstreams: [{ url: "quay.io", upstreamRegistry: "nope", aliases: "x" }] },
        "doc",
      ),
    );

    expect(error.problems).toEqual([
      {
        severity: "error",
        source: "doc",
        path: ["upstreams", 0, "aliases"],
        url: "quay.io",
        message: "must be a list of host names",
        text: "doc: upstreams[0] (quay.io).aliases: must be a list of host names",
      },
      expect.objectContaining({
        text: "doc: upstreams[0] (quay.io).upstreamRegistry: must be one of azure-container-registry, chainguard, docker-hub, ecr, ecr-public, github-container-registry, gitlab-container-registry, k8s, quay",
      }),
    ]);
  });

  it("accepts an empty upstream list, which admits nothing, but refuses an empty registry id list", () => {
    expect(parsePolicyDocument({ version: 1, upstreams: [] }, "doc").upstreams).toEqual([]);
    expect(() =>
      parsePolicyDocument({ version: 1, upstreams: [{ url: "quay.io", registryIds: [] }] }, "doc"),
    ).toThrow("doc: upstreams[0] (quay.io).registryIds: must list at least one registry id");
  });

  it("accepts a credential ARN with a literal Region and account for an entry scoped to that registry", () => {
    const credentialArn = `arn:aws:secretsmanager:eu-central-1:${ID}:secret:ecr-pullthroughcache/quay`;

    const loaded = parsePolicyDocument(
      { version: 1, upstreams: [{ url: "quay.io", registryIds: [ID], credentialArn }] },
      "doc",
    );

    expect(loaded.upstreams[0]?.credentialArn).toBe(credentialArn);
  });

  it("refuses wrongly typed members", async () => {
    expect(
      await problemsOf(() => parsePolicyDocument({ version: 1, upstreams: "quay.io" }, "doc")),
    ).toEqual(["doc: upstreams: must be a list"]);
    expect(
      await problemsOf(() => parsePolicyDocument({ version: 1, upstreams: [{ url: 5 }] }, "doc")),
    ).toEqual(["doc: upstreams[0].url: must be a string"]);
    expect(
      await problemsOf(() => parsePolicyDocument({ version: 1, upstreams: ["quay.io"] }, "doc")),
    ).toEqual([
      "doc: upstreams[0]: must be a mapping of url, aliases, registryIds, upstreamRegistry, credentialArn, customRoleArn, upstreamRepositoryPrefixes",
    ]);
    expect(
      await problemsOf(() =>
        parsePolicyDocument({ version: 1, upstreams: [], [" odd key"]: 1, "<<": {} }, "doc"),
      ),
    ).toEqual([
      'doc: " odd key": unknown key; allowed here: version, upstreams, registries',
      "doc: <<: YAML merge keys (<<) are not allowed",
    ]);
    expect(await problemsOf(() => parsePolicyDocument([], "doc"))).toEqual([
      "doc: must be a mapping with version, upstreams and optionally registries",
    ]);
  });

  it("returns the warnings of the document too", () => {
    const { policy: loaded, warnings } = checkPolicyDocument(
      { version: 1, upstreams: [{ url: "ghcr.io" }] },
      "bundled policy",
    );

    expect(loaded.upstreams).toEqual([{ url: "ghcr.io", aliases: [] }]);
    expect(warnings).toEqual([
      {
        severity: "warning",
        source: "bundled policy",
        path: ["upstreams", 0],
        url: "ghcr.io",
        message:
          "ECR accepts ghcr.io only with a credential, and the entry binds no credentialArn: creating a rule for it will fail",
        text: "bundled policy: upstreams[0] (ghcr.io): ECR accepts ghcr.io only with a credential, and the entry binds no credentialArn: creating a rule for it will fail",
      },
    ]);
  });

  it("shows a url that is not printable text quoted", async () => {
    expect(
      await problemsOf(() =>
        parsePolicyDocument({ version: 1, upstreams: [{ url: "a b" }] }, "doc"),
      ),
    ).toEqual([
      'doc: upstreams[0] ("a b").url: must be a canonical host name: lower case, no scheme, path, port or trailing slash',
    ]);
  });
});

describe("loadPolicyState", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("loads the file POLICY_FILE names, with its warnings", async () => {
    const state = await loadPolicyState(fixture("warnings.yaml"));

    expect(state).toMatchObject({ ok: true, source: fixture("warnings.yaml") });
    expect(state.ok && state.warnings?.length).toBe(3);
  });

  it("falls back to the allowlist in policies/ when no file is named and nothing was bundled", async () => {
    const state = await loadPolicyState(undefined);

    // What the reviewed file says is npm run policy:check's business, not this test's.
    expect(state.source).toBe(DEFAULT_POLICY_FILE.pathname);
  });

  it("takes the policy the build checked and inlined, with its warnings, without checking it again", async () => {
    const checked = await checkPolicyFile(fixture("warnings.yaml"));
    vi.stubGlobal(
      "__BUNDLED_POLICY__",
      bundledPolicyOf(checked.policy, checked.warnings, "policies/x.yaml"),
    );

    const state = await loadPolicyState(undefined);

    expect(state).toEqual({
      ok: true,
      source: "bundled policy (policies/x.yaml)",
      policy: checked.policy,
      warnings: checked.warnings,
    });
  });

  it.each([
    ["nothing like a bundled policy", { version: 1, upstreams: [] }],
    [
      "a policy changed after the build checked it",
      {
        ...bundledPolicyOf({ version: 1, upstreams: [] }, [], "p"),
        policy: { version: 1, upstreams: [{ url: "evil.example.com", aliases: [] }] },
      },
    ],
    [
      "a digest that does not match",
      { ...bundledPolicyOf({ version: 1, upstreams: [] }, [], "p"), digest: "0" },
    ],
  ])("refuses %s: every request is then a 503", async (_, inlined) => {
    vi.stubGlobal("__BUNDLED_POLICY__", inlined);

    const state = await loadPolicyState(undefined);

    expect(state).toMatchObject({ ok: false, source: "bundled policy" });
    expect(!state.ok && state.error.message).toContain("not the one the build checked");
  });

  it("reports a broken policy as a state instead of throwing", async () => {
    const state = await loadPolicyState(fixture("unknown-key.yaml"));

    expect(state).toMatchObject({ ok: false, source: fixture("unknown-key.yaml") });
    expect(!state.ok && state.error).toBeInstanceOf(PolicyError);
  });
});
