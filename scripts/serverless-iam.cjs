/**
 * The function role's IAM statements, from the route table and the bundled policy, so that the
 * role holds exactly what the service uses (contract §5, §7, §8):
 * - the ECR actions the routes call (the route table's ecrActions), on "*";
 * - creating ECR's pull through cache service-linked role, and nothing else in IAM;
 * - `sts:AssumeRole` on exactly the role ARNs the bundled policy onboards (none: no statement);
 * - `iam:PassRole` of exactly the custom roles the function itself sends to ECR: an ECR
 *   entry's customRoleArn filled in for each registry the function serves with its own
 *   credentials (its own account without a registries section; the onboarded registries
 *   without a role with one), to ECR's pull through cache only (none: no statement).
 *
 * Used as `${file(./scripts/serverless-iam.cjs):statements}`; the bundled policy is
 * `custom.bundledPolicy` (param policyFile, default policies/upstream-registries.yaml), the file
 * the build inlines. CommonJS for serverless's require(); the TypeScript sources are loaded
 * through tsx's API.
 * @module
 */
const { join, resolve } = require("node:path");
const { pathToFileURL } = require("node:url");

const ROOT = join(__dirname, "..");
const source = (path) => pathToFileURL(join(ROOT, path)).href;

/** Statements for the route table's actions and the given (already validated) policy. */
const statementsFor = (routes, policy) => {
  const ecrActions = [...new Set(routes.flatMap((route) => route.ecrActions))].sort();
  const roleArns = [
    ...new Set(
      (policy.registries ?? []).flatMap((entry) => (entry.roleArn ? [entry.roleArn] : [])),
    ),
  ].sort();
  // The registries the function serves with its own credentials; null stands for its account.
  const ownRegistries =
    policy.registries === undefined
      ? [null]
      : policy.registries.filter((entry) => entry.roleArn === undefined).map((entry) => entry.id);
  const passRoles = [];
  for (const entry of policy.upstreams) {
    if (entry.customRoleArn === undefined) continue;
    for (const registryId of ownRegistries) {
      if (
        registryId !== null &&
        entry.registryIds !== undefined &&
        !entry.registryIds.includes(registryId)
      ) {
        continue;
      }
      const arn =
        registryId === null
          ? // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
            { "Fn::Sub": entry.customRoleArn.replaceAll("{registryId}", "${AWS::AccountId}") }
          : entry.customRoleArn.replaceAll("{registryId}", registryId);
      if (!passRoles.some((known) => JSON.stringify(known) === JSON.stringify(arn)))
        passRoles.push(arn);
    }
  }
  return [
    {
      Sid: "ManagePullThroughCacheRules",
      Effect: "Allow",
      Action: ecrActions,
      Resource: "*",
    },
    {
      Sid: "LetEcrCreateItsServiceLinkedRole",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: "arn:aws:iam::*:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/*",
      Condition: { StringEquals: { "iam:AWSServiceName": "pullthroughcache.ecr.amazonaws.com" } },
    },
    ...(roleArns.length === 0
      ? []
      : [
          {
            Sid: "AssumeOnboardedRegistryRoles",
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Resource: roleArns,
          },
        ]),
    ...(passRoles.length === 0
      ? []
      : [
          {
            Sid: "PassCustomRolesToEcr",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: passRoles,
            Condition: {
              StringEquals: { "iam:PassedToService": "pullthroughcache.ecr.amazonaws.com" },
            },
          },
        ]),
  ];
};

module.exports = async ({ resolveVariable }) => {
  const { tsImport } = await import("tsx/esm/api");
  const { ROUTES } = await tsImport(source("src/http/route-table.ts"), __filename);
  const { loadPolicyFile } = await tsImport(source("src/adapters/policy-file.ts"), __filename);
  const policyFile = await resolveVariable("self:custom.bundledPolicy");
  const policy = await loadPolicyFile(resolve(ROOT, policyFile));
  return { statements: statementsFor(ROUTES, policy) };
};

module.exports.statementsFor = statementsFor;
