import { DomainError } from "./errors.js";

/** What each of ECR's secret errors means for the secret the policy binds. */
const SECRET_TROUBLE: ReadonlyMap<string, string> = new Map([
  ["SecretNotFoundException", "ECR found no such secret"],
  ["UnableToAccessSecretException", "ECR may not read that secret"],
  ["UnableToDecryptSecretValueException", "ECR could not decrypt that secret"],
]);

/**
 * ECR's secret errors are about a secret the caller never chose: the policy binds it. This
 * rewrites one to name that secret (its name, in the registry's own account and Region) and to
 * say what must be true of it; any other error passes unchanged.
 */
export const explainSecretError = (error: unknown, credentialArn: string | undefined): unknown => {
  if (!(error instanceof DomainError) || credentialArn === undefined) return error;
  const trouble = SECRET_TROUBLE.get(error.ecrCode ?? "");
  if (trouble === undefined) return error;
  // arn:<partition>:secretsmanager:<region>:<account>:secret:<name>
  const parts = credentialArn.split(":");
  const [region, account, name] = [parts[3], parts[4], parts.slice(6).join(":")];
  return new DomainError(
    "upstream-unusable",
    `${trouble}: for this upstream the policy binds the secret '${name}' in account ${account}, Region ${region}. It must exist there under exactly that name (ECR requires names starting with ecr-pullthroughcache/), in the registry's own account and Region, encrypted with the default aws/secretsmanager key; the platform team creates it. (ECR: "${error.message}")`,
    { ecrCode: error.ecrCode, cause: error },
  );
};
