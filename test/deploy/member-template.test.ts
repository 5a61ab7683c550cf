import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as z from "zod";
import { ROUTES } from "../../src/http/route-table.js";

/** The member-account role template (deploy/member-account-role.yaml), read as CloudFormation would. */
const TEMPLATE = fileURLToPath(new URL("../../deploy/member-account-role.yaml", import.meta.url));

const Statement = z.object({
  Sid: z.string(),
  Effect: z.literal("Allow"),
  Principal: z.unknown().optional(),
  Action: z.union([z.string(), z.array(z.string())]),
  Resource: z.unknown().optional(),
  Condition: z.unknown().optional(),
});
const Template = z.object({
  AWSTemplateFormatVersion: z.literal("2010-09-09"),
  Parameters: z.record(
    z.string(),
    z.object({
      Type: z.string(),
      Default: z.string().optional(),
      AllowedPattern: z.string().optional(),
    }),
  ),
  Conditions: z.record(z.string(), z.unknown()),
  Resources: z.object({
    CacheRulesRole: z.object({
      Type: z.literal("AWS::IAM::Role"),
      Properties: z.object({
        RoleName: z.unknown(),
        AssumeRolePolicyDocument: z.object({ Statement: z.array(Statement) }),
        Policies: z.array(
          z.object({ PolicyDocument: z.object({ Statement: z.array(z.unknown()) }) }),
        ),
      }),
    }),
  }),
  Outputs: z.object({ RoleArn: z.object({ Value: z.unknown() }) }),
});

const template = Template.parse(parse(await readFile(TEMPLATE, "utf8")));
const role = template.Resources.CacheRulesRole.Properties;
const statements = role.Policies.flatMap(({ PolicyDocument }) => PolicyDocument.Statement);
const plain = statements.flatMap((statement) => {
  const parsed = Statement.safeParse(statement);
  return parsed.success ? [parsed.data] : [];
});
const actionsOf = (statement: z.infer<typeof Statement>) =>
  typeof statement.Action === "string" ? [statement.Action] : statement.Action;

/** Evaluates the few intrinsic functions the template uses, for given parameter values. */
const evaluate = (node: unknown, parameters: Record<string, string | string[]>): unknown => {
  if (Array.isArray(node)) return node.map((item) => evaluate(item, parameters));
  if (typeof node !== "object" || node === null) return node;
  const [[fn, argument] = ["", undefined], ...rest] = Object.entries(node);
  if (rest.length > 0 || (!fn.startsWith("Fn::") && fn !== "Ref")) {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, evaluate(value, parameters)]),
    );
  }
  const args = evaluate(argument, parameters);
  switch (fn) {
    case "Ref":
      return parameters[String(args)];
    case "Fn::Join": {
      const [delimiter, list] = args as [string, string[]];
      return list.join(delimiter);
    }
    case "Fn::Split": {
      const [delimiter, text] = args as [string, string];
      return text.split(delimiter);
    }
    case "Fn::Equals": {
      const [left, right] = args as [unknown, unknown];
      return left === right;
    }
    case "Fn::Not":
      return !(args as [boolean])[0];
    default:
      throw new Error(`unexpected ${fn}`);
  }
};

describe("the member-account role template", () => {
  it("trusts only the service's function role, to assume it and nothing else", () => {
    const trust = role.AssumeRolePolicyDocument.Statement;

    expect(trust).toEqual([
      {
        Sid: "TrustOnlyTheServiceFunctionRole",
        Effect: "Allow",
        Principal: { AWS: { Ref: "ServiceRoleArn" } },
        Action: "sts:AssumeRole",
      },
    ]);
    expect(
      new RegExp(template.Parameters["ServiceRoleArn"]?.AllowedPattern ?? "^$").test(
        "arn:aws:iam::111122223333:role/ecr-cache-rules-prod-eu-west-1-lambdaRole",
      ),
    ).toBe(true);
    expect(new RegExp(template.Parameters["ServiceRoleArn"]?.AllowedPattern ?? "").test("*")).toBe(
      false,
    );
  });

  it("allows exactly the pull through cache actions the service's routes call, on *", () => {
    const ecr = plain.find((statement) => statement.Sid === "ManagePullThroughCacheRules");

    expect(ecr === undefined ? [] : actionsOf(ecr).sort()).toEqual(
      [...new Set(ROUTES.flatMap((route) => route.ecrActions))].sort(),
    );
    expect(ecr?.Resource).toBe("*");
  });

  it("lets ECR create only its pull through cache service-linked role", () => {
    const slr = plain.find((statement) => statement.Sid === "LetEcrCreateItsServiceLinkedRole");

    expect(slr).toMatchObject({
      Action: "iam:CreateServiceLinkedRole",
      Condition: { StringEquals: { "iam:AWSServiceName": "pullthroughcache.ecr.amazonaws.com" } },
    });
    expect(JSON.stringify(slr?.Resource)).toContain(
      "aws-service-role/pullthroughcache.ecr.amazonaws.com/*",
    );
  });

  it("passes exactly the named custom roles, to ECR's pull through cache only, and none when none are named", () => {
    const [conditional] = statements.filter((statement) => !Statement.safeParse(statement).success);
    const [condition, whenNamed, otherwise] = (
      conditional as { "Fn::If": [string, unknown, unknown] }
    )["Fn::If"];

    expect(condition).toBe("PassesCustomRoles");
    expect(otherwise).toEqual({ Ref: "AWS::NoValue" });
    // The parameter's default "" arrives as one empty name.
    expect(evaluate(template.Conditions["PassesCustomRoles"], { CustomRoleNames: [""] })).toBe(
      false,
    );
    expect(
      evaluate(template.Conditions["PassesCustomRoles"], { CustomRoleNames: ["central"] }),
    ).toBe(true);
    const named = evaluate(whenNamed, {
      CustomRoleNames: ["ecr-pullthroughcache-central", "other"],
    });
    expect(named).toEqual({
      Sid: "PassCustomRolesToEcr",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: ["arn:*:iam::*:role/ecr-pullthroughcache-central", "arn:*:iam::*:role/other"],
      Condition: { StringEquals: { "iam:PassedToService": "pullthroughcache.ecr.amazonaws.com" } },
    });
  });

  it("grants nothing else", () => {
    const actions = [...plain.flatMap(actionsOf), "iam:PassRole"];

    expect(actions.filter((action) => !action.startsWith("ecr:")).sort()).toEqual([
      "iam:CreateServiceLinkedRole",
      "iam:PassRole",
    ]);
    expect(actions.some((action) => action.includes("*"))).toBe(false);
  });

  it("gives the role's ARN, for the policy's registries entry", () => {
    expect(template.Outputs.RoleArn.Value).toEqual({ "Fn::GetAtt": ["CacheRulesRole", "Arn"] });
    expect(template.Parameters["RoleName"]?.Default).toBe("ecr-cache-rules");
  });
});
