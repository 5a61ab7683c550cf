/**
 * The route table (src/http/route-table.ts) as serverless.yml needs it, so that a route is
 * declared in one place: `${file(./scripts/serverless-routes.cjs):events}` gives the function one
 * API Gateway method per route (AWS_IAM). (The role's ECR actions come from the same table, in
 * serverless-iam.cjs.)
 *
 * CommonJS because serverless resolves `${file()}` with require(); the table is TypeScript, loaded
 * through tsx's API (its module only imports types, so nothing else loads).
 * @module
 */
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

module.exports = async () => {
  const { tsImport } = await import("tsx/esm/api");
  const tablePath = pathToFileURL(join(__dirname, "..", "src", "http", "route-table.ts")).href;
  const { ROUTES } = await tsImport(tablePath, __filename);
  return {
    events: ROUTES.map((route) => ({
      http: { path: route.resource, method: route.method.toLowerCase(), authorizer: "aws_iam" },
    })),
  };
};
