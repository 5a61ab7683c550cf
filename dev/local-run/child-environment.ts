import type { LocalService } from "./local-services.js";

export const DEFAULT_REGION = "eu-west-1";

/**
 * Local-run switches, each set only when the environment has not set it already:
 * - the SDK's Node.js version notice (8 lines on the first call of every process; the deployed
 *   runtime is nodejs22.x, to which it does not apply);
 * - Lambda's `AWS_LAMBDA_INITIALIZATION_TYPE`, from which Powertools tells a cold start (without
 *   it every entry says `"cold_start":false`);
 * - serverless's log level: its notices are the startup chatter and per-request lines that the
 *   audit line already says better; warnings and errors still show.
 */
const LOCAL_DEFAULTS: Readonly<Record<string, string>> = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
  SLS_LOG_LEVEL: "warning",
};

/**
 * The environment of serverless and of the function (serverless-offline hands the whole of it on,
 * `localEnvironment`): the shell's, plus each service's endpoint, a Region, `POLICY_FILE` as the
 * absolute `policyFile` (when one is in use), the local caller's account (`SLS_ACCOUNT_ID`, from
 * which serverless-offline fills in the caller's identity), and credentials. With any emulator
 * running the credentials are dummies, whatever the shell has: an emulator must never see real
 * ones. Otherwise the shell's are kept, and dummies are added only when it has none (no
 * `AWS_ACCESS_KEY_ID`, no `AWS_PROFILE`).
 */
export const childEnvironment = (
  env: NodeJS.ProcessEnv,
  services: readonly LocalService[],
  policyFile: string | undefined,
  callerAccount: string,
): NodeJS.ProcessEnv => {
  const child: NodeJS.ProcessEnv = { ...env, AWS_REGION: env["AWS_REGION"] || DEFAULT_REGION };
  for (const [name, value] of Object.entries(LOCAL_DEFAULTS)) {
    if (child[name] === undefined || child[name] === "") child[name] = value;
  }
  for (const service of services) {
    if (service.endpoint === undefined) delete child[service.endpointVariable];
    else child[service.endpointVariable] = service.endpoint;
  }
  // serverless-offline's requestContext.identity.accountId: the caller the registries are for.
  child["SLS_ACCOUNT_ID"] = callerAccount;
  const hasOwnCredentials = Boolean(env["AWS_ACCESS_KEY_ID"] || env["AWS_PROFILE"]);
  if (services.some((service) => service.emulator !== undefined) || !hasOwnCredentials) {
    child["AWS_ACCESS_KEY_ID"] = "test";
    child["AWS_SECRET_ACCESS_KEY"] = "test";
    delete child["AWS_SESSION_TOKEN"];
    delete child["AWS_PROFILE"];
  }
  if (policyFile === undefined) delete child["POLICY_FILE"];
  else child["POLICY_FILE"] = policyFile;
  return child;
};
