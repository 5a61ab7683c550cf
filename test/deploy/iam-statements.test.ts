import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type { UpstreamPolicy } from "../../src/domain/upstream-policy.js";
import { ROUTES } from "../../src/http/route-table.js";

/** The function role's statements as serverless.yml takes them (scripts/serverless-iam.cjs). */
const { statementsFor } = createRequire(import.meta.url)("../../scripts/serverless-iam.cjs") as {
  statementsFor: (routes: typeof ROUTES, policy: UpstreamPolicy) => Record<string, unknown>[];
};

const CENTRAL = {
  url: "444455556666.dkr.ecr.eu-west-1.amazonaws.com",
  aliases: [],
  upstreamRegistry: "ecr",
  customRoleArn: "arn:aws:iam::{registryId}:role/ecr-pullthroughcache-central",
};
const bySid = (statements: Record<string, unknown>[], sid: string) =>
  statements.find((s) => s["Sid"] === sid);

describe("the function role's statements", () => {
  it("hold the routes' ECR actions and ECR's service-linked role, and no STS or PassRole for a one-account policy", () => {
    const statements = statementsFor(ROUTES, {
      version: 1,
      upstreams: [{ url: "quay.io", aliases: [] }],
    });

    expect(statements.map((s) => s["Sid"])).toEqual([
      "ManagePullThroughCacheRules",
      "LetEcrCreateItsServiceLinkedRole",
    ]);
    expect(bySid(statements, "ManagePullThroughCacheRules")?.["Action"]).toEqual(
      [...new Set(ROUTES.flatMap((route) => route.ecrActions))].sort(),
    );
  });

  it("may assume exactly the onboarded registries' roles, never *", () => {
    const statements = statementsFor(ROUTES, {
      version: 1,
      upstreams: [],
      registries: [
        {
          id: "210987654321",
          callers: ["210987654321"],
          roleArn: "arn:aws:iam::210987654321:role/ecr-cache-rules",
        },
        { id: "123456789012", callers: ["123456789012"] },
        {
          id: "333344445555",
          callers: ["333344445555"],
          roleArn: "arn:aws:iam::333344445555:role/ecr-cache-rules",
        },
      ],
    });

    expect(bySid(statements, "AssumeOnboardedRegistryRoles")).toEqual({
      Sid: "AssumeOnboardedRegistryRoles",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: [
        "arn:aws:iam::210987654321:role/ecr-cache-rules",
        "arn:aws:iam::333344445555:role/ecr-cache-rules",
      ],
    });
  });

  it("may pass the custom role of an ECR upstream for its own account, without a registries section", () => {
    const statements = statementsFor(ROUTES, { version: 1, upstreams: [CENTRAL] });

    expect(bySid(statements, "PassCustomRolesToEcr")).toEqual({
      Sid: "PassCustomRolesToEcr",
      Effect: "Allow",
      Action: "iam:PassRole",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
      Resource: [{ "Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/ecr-pullthroughcache-central" }],
      Condition: { StringEquals: { "iam:PassedToService": "pullthroughcache.ecr.amazonaws.com" } },
    });
  });

  it("may pass custom roles only for the registries it serves with its own credentials, and the entry allows", () => {
    const statements = statementsFor(ROUTES, {
      version: 1,
      upstreams: [
        CENTRAL,
        {
          ...CENTRAL,
          url: "777788889999.dkr.ecr.eu-west-1.amazonaws.com",
          registryIds: ["123456789012"],
        },
      ],
      registries: [
        { id: "123456789012", callers: ["123456789012"] },
        { id: "111122223333", callers: ["111122223333"] },
        {
          id: "210987654321",
          callers: ["210987654321"],
          roleArn: "arn:aws:iam::210987654321:role/ecr-cache-rules",
        },
      ],
    });

    // The member account's own role passes its custom roles (deploy/member-account-role.yaml).
    expect(bySid(statements, "PassCustomRolesToEcr")?.["Resource"]).toEqual([
      "arn:aws:iam::123456789012:role/ecr-pullthroughcache-central",
      "arn:aws:iam::111122223333:role/ecr-pullthroughcache-central",
    ]);
  });
});
