/**
 * The service's own serverless plugin (listed in serverless.yml), so that a bare
 * `npx serverless package` or `deploy` is as safe as `npm run package`:
 *
 * 1. refuses to package without a valid organisation id (`--param="orgId=o-..."`), which the
 *    API's resource policy is built from;
 * 2. runs `scripts/build.ts` before any packaging, so that a stale or missing `dist/` can never
 *    be deployed;
 * 3. puts the REST API stage into CloudFormation: osls names the stage on its generated
 *    deployment and patches logging through the SDK after the deploy, which leaves throttling
 *    and the access log out of the template. The plugin hands the stage over to the
 *    `ApiGatewayStage` resource in serverless.yml and makes the deployment wait for the gateway
 *    responses, which a deployment snapshots.
 *
 * Plain JavaScript because serverless loads plugins with Node itself, without tsx.
 * @module
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const ORG_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;

const STAGE_LOGICAL_ID = "ApiGatewayStage";

const asArray = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

class EcrCacheRulesPlugin {
  /**
   * @param {any} serverless
   * @param {Record<string, unknown>} _options
   * @param {{ log: { notice: (message: string) => void } }} utils
   */
  constructor(serverless, _options, { log }) {
    this.serverless = serverless;
    this.log = log;
    this.hooks = {
      "before:package:cleanup": () => {
        this.checkOrgId();
        this.checkStageSettings();
      },
      "before:package:createDeploymentArtifacts": () => this.build(),
      "before:package:function:package": () => this.build(),
      "before:aws:package:finalize:saveServiceState": () => this.moveStageIntoTemplate(),
    };
  }

  fail(message) {
    throw new this.serverless.classes.Error(message);
  }

  checkOrgId() {
    const orgId = this.serverless.service.custom?.orgId;
    if (typeof orgId !== "string" || orgId === "") {
      this.fail(
        'orgId is required to package or deploy: pass --param="orgId=o-xxxxxxxxxx" (your AWS ' +
          "Organizations id); the API's resource policy admits only that organisation's principals.",
      );
    }
    if (!ORG_ID_PATTERN.test(orgId)) {
      this.fail(
        `orgId '${orgId}' is not an AWS Organizations id: it must match ${ORG_ID_PATTERN.source}.`,
      );
    }
  }

  // Each of these makes osls rewrite the stage through the SDK after the deploy, behind
  // CloudFormation's back; the stage is configured in resources.Resources.ApiGatewayStage.
  checkStageSettings() {
    const provider = this.serverless.service.provider;
    const conflicting = [
      provider.logs?.restApi !== undefined && "provider.logs.restApi",
      provider.tracing?.apiGateway !== undefined && "provider.tracing.apiGateway",
      provider.apiGateway?.metrics !== undefined && "provider.apiGateway.metrics",
    ].filter(Boolean);
    if (conflicting.length > 0) {
      this.fail(
        `${conflicting.join(", ")}: configure the REST API stage in ` +
          `resources.Resources.${STAGE_LOGICAL_ID} instead.`,
      );
    }
  }

  build() {
    const serviceDir = this.serverless.serviceDir;
    // The same policy file the role's statements are made from (custom.bundledPolicy).
    const policy = this.serverless.service.custom?.bundledPolicy;
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", join("scripts", "build.ts"), ...(policy ? ["--policy", policy] : [])],
      { cwd: serviceDir, stdio: "inherit" },
    );
    if (result.error !== undefined)
      this.fail(`npm run build could not start: ${result.error.message}`);
    if (result.status !== 0) this.fail("npm run build failed; nothing was packaged.");
  }

  moveStageIntoTemplate() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const ofType = (type) =>
      Object.entries(resources).filter(([, resource]) => resource.Type === type);
    const deployments = ofType("AWS::ApiGateway::Deployment");
    const stage = resources[STAGE_LOGICAL_ID];
    if (deployments.length !== 1 || stage?.Type !== "AWS::ApiGateway::Stage") {
      this.fail(
        `Expected one AWS::ApiGateway::Deployment and the ${STAGE_LOGICAL_ID} resource, found ` +
          `${deployments.length} deployment(s) and ${stage?.Type ?? "no stage"}.`,
      );
    }
    const [deploymentId, deployment] = deployments[0];
    // Two owners of one stage name make CloudFormation fail with "stage already exists".
    delete deployment.Properties.StageName;
    stage.Properties.DeploymentId = { Ref: deploymentId };
    const gatewayResponses = ofType("AWS::ApiGateway::GatewayResponse").map(([id]) => id);
    deployment.DependsOn = [...new Set([...asArray(deployment.DependsOn), ...gatewayResponses])];
  }
}

// biome-ignore lint/style/noDefaultExport: serverless instantiates a plugin module's default export.
export default EcrCacheRulesPlugin;
