import { resolve } from "node:path";
import type { LocalService } from "./local-services.js";

export const DEFAULT_REGION = "eu-west-1";

/**
 * The environment of serverless and of the function (serverless-offline hands the whole of it on,
 * `localEnvironment`): the shell's, plus each service's endpoint, a Region, `POLICY_FILE` made
 * absolute, and credentials. With any emulator running the credentials are dummies, whatever the
 * shell has: an emulator must never see real ones. Otherwise the shell's are kept, and dummies
 * are added only when it has none (no `AWS_ACCESS_KEY_ID`, no `AWS_PROFILE`).
 */
export const childEnvironment = (
  env: NodeJS.ProcessEnv,
  services: readonly LocalService[],
): NodeJS.ProcessEnv => {
  const child: NodeJS.ProcessEnv = { ...env, AWS_REGION: env["AWS_REGION"] || DEFAULT_REGION };
  for (const service of services) child[service.endpointVariable] = service.endpoint;
  const hasOwnCredentials = Boolean(env["AWS_ACCESS_KEY_ID"] || env["AWS_PROFILE"]);
  if (services.some((service) => service.emulator !== undefined) || !hasOwnCredentials) {
    child["AWS_ACCESS_KEY_ID"] = "test";
    child["AWS_SECRET_ACCESS_KEY"] = "test";
    delete child["AWS_SESSION_TOKEN"];
    delete child["AWS_PROFILE"];
  }
  const policyFile = env["POLICY_FILE"];
  if (policyFile !== undefined && policyFile !== "") child["POLICY_FILE"] = resolve(policyFile);
  return child;
};
