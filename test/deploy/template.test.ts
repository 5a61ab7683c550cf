import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { PackageArgumentsError, parsePackageArguments } from "../../scripts/package.js";
import { ROUTES } from "../../src/http/route-table.js";
import { createRuleEvent, getRuleEvent, openApiEvent } from "../fixtures/api-gateway-event.js";
import { openApiDocument } from "../fixtures/openapi.js";
import { run, runServerless } from "./serverless-cli.js";
import { readZipEntries } from "./zip-archive.js";

const ORG_ID = "o-abcdefghij";
/** The one function behind every route. */
const FUNCTIONS = [{ key: "api", dir: "api", zip: "api.zip" }] as const;
/** Exactly the ECR actions the route table's routes call, and ECR's service-linked role. */
const SERVICE_ACTIONS = [
  ...new Set(ROUTES.flatMap((route) => route.ecrActions)),
  "iam:CreateServiceLinkedRole",
].sort();
// What osls grants every function for its own log groups.
const LOG_ACTIONS = [
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "logs:TagResource",
];

const Resource = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).default({}),
  DependsOn: z.union([z.string(), z.array(z.string())]).optional(),
});
const Template = z.object({ Resources: z.record(z.string(), Resource) });
const Statement = z.object({
  Sid: z.string().optional(),
  Effect: z.enum(["Allow", "Deny"]),
  Principal: z.unknown().optional(),
  Action: z.union([z.string(), z.array(z.string())]),
  Resource: z.unknown(),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
const PolicyDocument = z.object({ Statement: z.array(Statement) });
const RoleProperties = z.object({
  Policies: z.array(z.object({ PolicyDocument })),
  ManagedPolicyArns: z.array(z.unknown()).optional(),
});
const FunctionProperties = z.object({
  Handler: z.string(),
  Runtime: z.string(),
  Timeout: z.number(),
  MemorySize: z.number(),
  Architectures: z.array(z.string()),
  Environment: z.object({ Variables: z.record(z.string(), z.string()) }),
});
const GatewayResponseProperties = z.object({
  ResponseType: z.string(),
  StatusCode: z.string().optional(),
  ResponseParameters: z.record(z.string(), z.string()),
  ResponseTemplates: z.record(z.string(), z.string()),
});
const StageProperties = z.object({
  StageName: z.string(),
  DeploymentId: z.object({ Ref: z.string() }),
  MethodSettings: z.array(
    z.object({
      HttpMethod: z.string(),
      ResourcePath: z.string(),
      ThrottlingRateLimit: z.number(),
      ThrottlingBurstLimit: z.number(),
    }),
  ),
  AccessLogSetting: z.object({ DestinationArn: z.unknown(), Format: z.string() }),
});
const Problem = z.object({
  type: z.string().startsWith("urn:ecr-cache-rules:problem:"),
  title: z.string().min(1),
  status: z.number().optional(),
  detail: z.string().min(1),
  code: z.string().min(1),
  requestId: z.string().min(1),
});

type Template = z.infer<typeof Template>;

let workDir = "";
let outDir = "";
let home = "";
let template: Template = { Resources: {} };

const resourcesOfType = (type: string) =>
  Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => ({ id, ...resource }));

const actionsOf = (statement: z.infer<typeof Statement>): string[] =>
  typeof statement.Action === "string" ? [statement.Action] : statement.Action;

const roleStatements = () =>
  resourcesOfType("AWS::IAM::Role").flatMap(({ Properties }) =>
    RoleProperties.parse(Properties).Policies.flatMap(
      ({ PolicyDocument }) => PolicyDocument.Statement,
    ),
  );

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "ecr-cache-rules-deploy-test-"));
  outDir = join(workDir, "package");
  home = join(workDir, "home");
  // The build runs inside `serverless package` (scripts/serverless-plugin.mjs).
  const result = await runServerless(
    [
      "package",
      "--stage",
      "prod",
      "--region",
      "eu-west-1",
      `--param=orgId=${ORG_ID}`,
      "--package",
      outDir,
    ],
    { home },
  );
  if (result.code !== 0) throw new Error(`serverless package failed:\n${result.output}`);
  const raw: unknown = JSON.parse(
    await readFile(join(outDir, "cloudformation-template-update-stack.json"), "utf8"),
  );
  template = Template.parse(raw);
}, 120_000);

afterAll(async () => {
  if (workDir !== "") await rm(workDir, { recursive: true, force: true });
});

describe("packaging", () => {
  it("fails without an orgId, with a message that names it", async () => {
    const result = await runServerless(
      ["package", "--stage", "prod", "--package", join(outDir, "refused")],
      { home },
    );

    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/orgId is required/);
  });

  it("npm run package refuses a missing or malformed orgId before starting serverless", () => {
    expect(() => parsePackageArguments([], {})).toThrow(/orgId is required/);
    expect(() => parsePackageArguments(["--param=orgId=O-ABC"], {})).toThrow(PackageArgumentsError);
    expect(parsePackageArguments(["--param", "orgId=o-abcdefghij", "--verbose"], {})).toEqual({
      orgId: "o-abcdefghij",
      rest: ["--verbose"],
    });
    expect(parsePackageArguments([], { ORG_ID: "o-0123456789abcdef" }).orgId).toBe(
      "o-0123456789abcdef",
    );
  });
});

/** The path of an API Gateway resource, from its path parts up to the API's root. */
const pathOf = (resourceId: unknown): string => {
  const ref = (resourceId as { Ref?: string } | undefined)?.Ref;
  const resource = ref === undefined ? undefined : template.Resources[ref];
  if (resource === undefined) return "";
  return `${pathOf(resource.Properties["ParentId"])}/${String(resource.Properties["PathPart"])}`;
};

describe("REST API", () => {
  it("has exactly one method per route of the route table, each requiring SigV4 (AWS_IAM) and calling the one function", () => {
    const methods = resourcesOfType("AWS::ApiGateway::Method").filter(
      ({ Properties }) => Properties["HttpMethod"] !== "OPTIONS",
    );

    expect(
      methods
        .map(
          ({ Properties }) =>
            `${String(Properties["HttpMethod"])} ${pathOf(Properties["ResourceId"])}`,
        )
        .sort(),
    ).toEqual(ROUTES.map((route) => `${route.method} ${route.resource}`).sort());
    for (const { Properties } of methods) {
      expect(Properties["AuthorizationType"]).toBe("AWS_IAM");
      expect(JSON.stringify(Properties["Integration"])).toContain("ApiLambdaFunction");
    }
  });

  it("admits only principals of the given organisation and denies everyone else explicitly", () => {
    const [api, ...others] = resourcesOfType("AWS::ApiGateway::RestApi");
    expect(others).toHaveLength(0);
    const { Statement: statements } = PolicyDocument.parse(api?.Properties["Policy"]);

    const allow = statements.filter((statement) => statement.Effect === "Allow");
    const deny = statements.filter((statement) => statement.Effect === "Deny");
    expect(allow).toHaveLength(1);
    expect(deny).toHaveLength(1);
    for (const statement of [...allow, ...deny]) {
      expect(statement.Principal).toBe("*");
      expect(actionsOf(statement)).toEqual(["execute-api:Invoke"]);
      expect(statement.Resource).toBe("execute-api:/*");
    }
    expect(allow[0]?.Condition).toEqual({ StringEquals: { "aws:PrincipalOrgID": ORG_ID } });
    expect(deny[0]?.Condition).toEqual({ StringNotEquals: { "aws:PrincipalOrgID": ORG_ID } });
  });

  it("is a regional endpoint", () => {
    const [api] = resourcesOfType("AWS::ApiGateway::RestApi");

    expect(api?.Properties["EndpointConfiguration"]).toEqual({ Types: ["REGIONAL"] });
  });

  it("answers API Gateway's own errors as problem+json carrying the request id", () => {
    const responses = resourcesOfType("AWS::ApiGateway::GatewayResponse").map(({ Properties }) =>
      GatewayResponseProperties.parse(Properties),
    );

    expect(responses.map(({ ResponseType }) => ResponseType)).toEqual(
      expect.arrayContaining([
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "ACCESS_DENIED",
        "MISSING_AUTHENTICATION_TOKEN",
        "INVALID_SIGNATURE",
        "EXPIRED_TOKEN",
        "THROTTLED",
        "INTEGRATION_TIMEOUT",
      ]),
    );
    for (const response of responses) {
      expect(response.ResponseParameters).toMatchObject({
        "gatewayresponse.header.Content-Type": "'application/problem+json'",
        "gatewayresponse.header.x-request-id": "context.requestId",
      });
      // API Gateway substitutes the variables; messageString arrives as a quoted JSON string.
      const body = (response.ResponseTemplates["application/json"] ?? "")
        .replaceAll("$context.error.messageString", '"Forbidden"')
        .replaceAll(/\$context\.[A-Za-z.]+/g, "X");
      const problem = Problem.parse(JSON.parse(body));
      if (response.StatusCode !== undefined)
        expect(problem.status).toBe(Number(response.StatusCode));
    }
  });

  it("throttles the stage and writes a JSON access log with the caller's identity", () => {
    const [stage, ...others] = resourcesOfType("AWS::ApiGateway::Stage");
    expect(others).toHaveLength(0);
    const properties = StageProperties.parse(stage?.Properties);

    expect(properties.StageName).toBe("prod");
    expect(properties.MethodSettings).toContainEqual(
      expect.objectContaining({ HttpMethod: "*", ResourcePath: "/*" }),
    );
    for (const setting of properties.MethodSettings) {
      expect(setting.ThrottlingRateLimit).toBeGreaterThan(0);
      expect(setting.ThrottlingBurstLimit).toBeGreaterThanOrEqual(setting.ThrottlingRateLimit);
    }
    const format = JSON.parse(properties.AccessLogSetting.Format) as Record<string, string>;
    expect(Object.values(format)).toEqual(
      expect.arrayContaining([
        "$context.requestId",
        "$context.identity.accountId",
        "$context.identity.userArn",
        "$context.identity.caller",
        "$context.error.responseType",
        "$context.error.message",
        "$context.status",
        "$context.integrationLatency",
        "$context.resourcePath",
        "$context.httpMethod",
      ]),
    );
    expect(JSON.stringify(properties.AccessLogSetting.DestinationArn)).toContain(
      '{"Ref":"ApiGatewayAccessLogGroup"}',
    );
  });

  it("serves the stage from the generated deployment, made after every gateway response", () => {
    const [deployment, ...others] = resourcesOfType("AWS::ApiGateway::Deployment");
    expect(others).toHaveLength(0);
    const [stage] = resourcesOfType("AWS::ApiGateway::Stage");

    expect(StageProperties.parse(stage?.Properties).DeploymentId).toEqual({ Ref: deployment?.id });
    // Only one owner of the stage name, or CloudFormation fails with "stage already exists".
    expect(deployment?.Properties).not.toHaveProperty("StageName");
    expect(deployment?.DependsOn).toEqual(
      expect.arrayContaining(
        resourcesOfType("AWS::ApiGateway::GatewayResponse").map(({ id }) => id),
      ),
    );
  });
});

describe("permissions", () => {
  it("grants exactly the ECR and service-linked-role actions the functions use, besides logging", () => {
    const actions = roleStatements().flatMap(actionsOf);

    expect(actions.filter((action) => !action.startsWith("logs:")).sort()).toEqual(SERVICE_ACTIONS);
    expect(LOG_ACTIONS).toEqual(
      expect.arrayContaining(actions.filter((action) => action.startsWith("logs:"))),
    );
    expect(actions.filter((action) => action.includes("*"))).toEqual([]);
  });

  it("has one role, with inline policies only", () => {
    const roles = resourcesOfType("AWS::IAM::Role");

    expect(roles).toHaveLength(1);
    expect(RoleProperties.parse(roles[0]?.Properties).ManagedPolicyArns ?? []).toEqual([]);
  });

  it("lets the functions create only ECR's pull through cache service-linked role", () => {
    const statements = roleStatements().filter((statement) =>
      actionsOf(statement).includes("iam:CreateServiceLinkedRole"),
    );

    expect(statements).toHaveLength(1);
    expect(statements[0]?.Resource).toBe(
      "arn:aws:iam::*:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/*",
    );
    expect(statements[0]?.Condition).toEqual({
      StringEquals: { "iam:AWSServiceName": "pullthroughcache.ecr.amazonaws.com" },
    });
  });
});

describe("functions", () => {
  const functionProperties = (key: string) => {
    const resource =
      template.Resources[`${key.charAt(0).toUpperCase()}${key.slice(1)}LambdaFunction`];
    return FunctionProperties.parse(resource?.Properties);
  };

  it.each(FUNCTIONS)("$key runs its own bundle on Node 22, arm64, 1769 MB", ({ key, dir }) => {
    const properties = functionProperties(key);

    expect(properties.Handler).toBe(`dist/${dir}/index.handler`);
    expect(properties.Runtime).toBe("nodejs22.x");
    expect(properties.Architectures).toEqual(["arm64"]);
    expect(properties.MemorySize).toBe(1769);
  });

  it.each(FUNCTIONS)(
    "$key times out after the 8 s ECR deadline and before API Gateway's 29 s",
    ({ key }) => {
      const { Timeout } = functionProperties(key);

      expect(Timeout).toBeGreaterThan(8);
      expect(Timeout).toBeLessThan(29);
    },
  );

  it.each(FUNCTIONS)(
    "$key is deployed with the Powertools settings and nothing local-only",
    ({ key }) => {
      const variables = functionProperties(key).Environment.Variables;

      expect(variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: "ecr-cache-rules",
        POWERTOOLS_LOG_LEVEL: "INFO",
      });
      expect(
        Object.keys(variables).filter((name) =>
          /^AWS_ENDPOINT_URL|POLICY_FILE|EMULATOR/i.test(name),
        ),
      ).toEqual([]);
    },
  );

  it("keeps every log group for a bounded time", () => {
    const groups = resourcesOfType("AWS::Logs::LogGroup");

    expect(groups.length).toBeGreaterThanOrEqual(FUNCTIONS.length + 1);
    for (const { id, Properties } of groups) {
      expect({ id, retention: Properties["RetentionInDays"] }).toEqual({
        id,
        retention: expect.any(Number),
      });
    }
  });
});

describe("artifacts", () => {
  const entriesOf = async (zip: string) => readZipEntries(await readFile(join(outDir, zip)));

  it.each(FUNCTIONS)("$zip holds only its function's bundle", async ({ zip, dir }) => {
    const names = (await entriesOf(zip)).map(({ name }) => name);

    expect(names).toContain(`dist/${dir}/index.mjs`);
    expect(names.filter((name) => !name.startsWith(`dist/${dir}/`))).toEqual([]);
    expect(
      names.filter((name) => /(^|\/)(node_modules|src|dev|test|policies)\//.test(name)),
    ).toEqual([]);
    expect(names.filter((name) => name.endsWith(".map"))).toEqual([]);
  });

  it.each([
    {
      what: "refuses an upstream off the bundled allowlist",
      // Refused by the bundled allowlist before any ECR call, so no network is needed.
      event: createRuleEvent({
        ecrRepositoryPrefix: "evil",
        upstreamRegistryUrl: "evil.example.com",
      }),
      status: 403,
    },
    {
      what: "refuses a malformed read",
      // Refused by validation before any ECR call.
      event: getRuleEvent("not-a-registry", "ecr-public"),
      status: 400,
    },
    {
      what: "serves the OpenAPI document generated at build time",
      event: openApiEvent(),
      status: 200,
      body: openApiDocument,
    },
  ])("api.zip $what on plain Node, without node_modules", async ({ event, status, body }) => {
    const { zip, dir } = FUNCTIONS[0];
    const root = await mkdtemp(join(workDir, "unzipped-"));
    for (const entry of await entriesOf(zip)) {
      const path = join(root, entry.name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, entry.content());
    }
    const script = `
      const { handler } = await import(${JSON.stringify(join(root, "dist", dir, "index.mjs"))});
      const context = { functionName: "f", functionVersion: "$LATEST", invokedFunctionArn: "arn:aws:lambda:eu-west-1:999988887777:function:f",
        memoryLimitInMB: "512", awsRequestId: "r", getRemainingTimeInMillis: () => 12000 };
      const result = await handler(${JSON.stringify(event)}, context);
      process.stdout.write(JSON.stringify(result));`;

    const result = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      env: {
        PATH: process.env["PATH"] ?? "",
        AWS_REGION: "eu-west-1",
        POWERTOOLS_LOG_LEVEL: "SILENT",
      },
    });

    expect(result.code, result.output).toBe(0);
    const answer = JSON.parse(result.stdout) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(status);
    if (body !== undefined) expect(JSON.parse(answer.body)).toEqual(body);
  });
});

describe("permissions for a policy that onboards registries with roles", () => {
  let statements: z.infer<typeof Statement>[] = [];

  beforeAll(async () => {
    const accountsDir = join(workDir, "accounts");
    const result = await runServerless(
      [
        "package",
        "--stage",
        "prod",
        "--region",
        "eu-west-1",
        `--param=orgId=${ORG_ID}`,
        "--param=policyFile=test/fixtures/policies/deploy-accounts.yaml",
        "--package",
        accountsDir,
      ],
      { home },
    );
    if (result.code !== 0) throw new Error(`serverless package failed:\n${result.output}`);
    const accounts = Template.parse(
      JSON.parse(
        await readFile(join(accountsDir, "cloudformation-template-update-stack.json"), "utf8"),
      ),
    );
    statements = Object.values(accounts.Resources)
      .filter((resource) => resource.Type === "AWS::IAM::Role")
      .flatMap((resource) => RoleProperties.parse(resource.Properties).Policies)
      .flatMap(({ PolicyDocument }) => PolicyDocument.Statement);
  }, 120_000);

  it("may assume exactly the onboarded roles, never *", () => {
    const assume = statements.filter((statement) =>
      actionsOf(statement).includes("sts:AssumeRole"),
    );

    expect(assume).toHaveLength(1);
    expect(assume[0]?.Resource).toEqual([
      "arn:aws:iam::210987654321:role/ecr-cache-rules",
      "arn:aws:iam::333344445555:role/ecr-cache-rules",
    ]);
  });

  it("may pass exactly the custom role it sends for the registry it serves itself, to ECR's pull through cache only", () => {
    const pass = statements.filter((statement) => actionsOf(statement).includes("iam:PassRole"));

    expect(pass).toEqual([
      expect.objectContaining({
        // The framework writes a one-element list as the element itself.
        Resource: "arn:aws:iam::123456789012:role/ecr-pullthroughcache-central",
        Condition: {
          StringEquals: { "iam:PassedToService": "pullthroughcache.ecr.amazonaws.com" },
        },
      }),
    ]);
  });
});
