import { spawnSync } from "node:child_process";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, ROOT } from "../../scripts/build.js";
import { checkPolicyFiles, formatPolicyReport } from "../../scripts/policy-check.js";

/** A fixture policy as the check names it: relative to where it runs, as a user types it. */
const fixture = (name: string): string =>
  relative(process.cwd(), fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url)));

/** Runs `npm run policy:check -- …args` as CI does, without npm: its output and exit code. */
const policyCheck = (...args: string[]): { stdout: string; status: number | null } =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/policy-check.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("checkPolicyFiles", () => {
  it("reports each file with its counts, its errors and its warnings, in the order given", async () => {
    const report = await checkPolicyFiles([
      fixture("registries.yaml"),
      fixture("aliases.yaml"),
      fixture("warnings.yaml"),
    ]);

    expect(report.ok).toBe(false);
    expect(report.files.map(({ path, ok }) => ({ path, ok }))).toEqual([
      { path: fixture("registries.yaml"), ok: true },
      { path: fixture("aliases.yaml"), ok: false },
      { path: fixture("warnings.yaml"), ok: true },
    ]);
    expect(report.files[0]).toMatchObject({
      upstreams: 2,
      registries: 2,
      errors: [],
      warnings: [],
    });
    expect(report.files[1]?.errors.map((error) => error.message)).toEqual([
      "YAML anchors are not allowed (&quay)",
      "YAML aliases are not allowed (*quay)",
    ]);
    expect(report.files[2]?.warnings).toHaveLength(3);
    expect(report.files[2]).not.toHaveProperty("registries");
  });

  it("passes files that only have warnings", async () => {
    const report = await checkPolicyFiles([fixture("warnings.yaml"), fixture("service.yaml")]);

    expect(report.ok).toBe(true);
  });

  it("fails a file that cannot be read, and still checks the others", async () => {
    const report = await checkPolicyFiles(["no/such/policy.yaml", fixture("service.yaml")]);

    expect(report.ok).toBe(false);
    expect(report.files.map((file) => file.ok)).toEqual([false, true]);
  });
});

describe("formatPolicyReport", () => {
  it("gives one ok or FAIL line per file, then each error and warning in file order", async () => {
    const report = await checkPolicyFiles([
      fixture("registries.yaml"),
      fixture("many-errors.yaml"),
      fixture("integration.yaml"),
      "no/such/policy.yaml",
    ]);

    const lines = formatPolicyReport(report);

    const manyErrors = fixture("many-errors.yaml");
    const integration = fixture("integration.yaml");
    expect(lines).toEqual([
      `ok   ${fixture("registries.yaml")}: 2 upstreams, 2 registries, 0 errors, 0 warnings`,
      `FAIL ${manyErrors}: 14 errors, 1 warning`,
      `  error   ${manyErrors}:1:1: %YAML 1.1 is not allowed: the policy is read as YAML 1.2 (leave the directive out)`,
      `  error   ${manyErrors}:4:10: version: must be the integer 1, written 1, not 1.0`,
      `  error   ${manyErrors}:8:5: upstreams[0] (quay.io).registryIds: duplicate key: already given at line 7, column 5`,
      `  error   ${manyErrors}:8:19: upstreams[0] (quay.io).registryIds[0]: must be a quoted string of 12 digits (a registry id)`,
      `  error   ${manyErrors}:9:5: upstreams[1] (registry-1.docker.io): YAML anchors are not allowed (&hub)`,
      `  error   ${manyErrors}:11:20: upstreams[1] (registry-1.docker.io).credentialArn: must be arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/<name>`,
      `  error   ${manyErrors}:13:5: upstreams[2] (ghcr.io).allowEverything: unknown key; allowed here: url, aliases, registryIds, upstreamRegistry, credentialArn, customRoleArn, upstreamRepositoryPrefixes`,
      `  error   ${manyErrors}:14:20: upstreams[2] (ghcr.io).credentialArn: partition 'aws-moon' is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)`,
      `  error   ${manyErrors}:15:10: upstreams[3] (Quay.io).url: YAML tags are not allowed (!!str)`,
      `  error   ${manyErrors}:15:16: upstreams[3] (Quay.io).url: must be a canonical host name: lower case, no scheme, path, port or trailing slash`,
      `  warning ${manyErrors}:16:5: upstreams[4] (cgr.dev): ECR accepts cgr.dev only with a credential, and the entry binds no credentialArn: creating a rule for it will fail`,
      `  error   ${manyErrors}:17:5: upstreams[5] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).customRoleArn: is required for an ECR upstream: the IAM role ECR assumes to pull from it`,
      `  error   ${manyErrors}:19:5: upstreams[5] (444455556666.dkr.ecr.eu-west-1.amazonaws.com).<<: YAML merge keys (<<) are not allowed`,
      `  error   ${manyErrors}:22:14: registries[0] (123456789012).roleArn: must be a role in the registry's own account 123456789012, not in 210987654321`,
      `  error   ${manyErrors}:23:9: registries[1] (123456789012).id: is already listed at registries[0]`,
      `ok   ${integration}: 5 upstreams, 0 errors, 2 warnings`,
      `  warning ${integration}:12:5: upstreams[3] (ghcr.io): ECR accepts ghcr.io only with a credential, and the entry binds no credentialArn: creating a rule for it will fail`,
      `  warning ${integration}:13:10: upstreams[4] (registry.example.com).url: registry.example.com is not an upstream that ECR supports for pull through cache: creating a rule for it will fail`,
      "FAIL no/such/policy.yaml: 1 error, 0 warnings",
      "  error   no/such/policy.yaml: cannot be read (ENOENT)",
    ]);
  });
});

describe("npm run policy:check", () => {
  it("says which file the function bundles, and exits 1 when a file it was asked for has errors", () => {
    const { stdout, status } = policyCheck(fixture("warnings.yaml"), fixture("aliases.yaml"));

    expect(status).toBe(1);
    expect(stdout.split("\n")[0]).toBe(`policy:check: the function bundles ${DEFAULT_POLICY}`);
    expect(stdout).toContain(`ok   ${fixture("warnings.yaml")}: 4 upstreams, 0 errors, 3 warnings`);
    expect(stdout).toContain(`FAIL ${fixture("aliases.yaml")}: 2 errors, 0 warnings`);
  });

  it("exits 0 when there are only warnings", () => {
    const { stdout, status } = policyCheck(fixture("warnings.yaml"));

    expect(status).toBe(0);
    expect(stdout).not.toContain("FAIL");
  });

  it("checks the bundled file when asked for none", () => {
    const { stdout } = policyCheck();

    // Whether the reviewed file passes is the check's own business in CI, not this test's.
    expect(stdout.split("\n")[1]).toMatch(
      new RegExp(`^(?:ok  |FAIL) ${escaped(DEFAULT_POLICY)}: `),
    );
  });
});
