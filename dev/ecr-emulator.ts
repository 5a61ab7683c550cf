/**
 * Local Amazon ECR emulator for development and tests: the pull through cache rule operations
 * (Create, Describe, Update, Delete, Validate) over AWS JSON 1.1 with ECR's validation, quota
 * and errors, ECR-to-ECR upstreams included, so an unmodified `ECRClient` pointed at
 * {@link EcrEmulator.url} works; plus a control API under `/__emulator/`.
 *
 * Run standalone with `npx tsx dev/ecr-emulator.ts [--port N] [--host H] [--account-id ID]
 * [--registry-role REGISTRY_ID=ROLE_ARN ...] [--sts-url URL]`: `--registry-role` (repeatable)
 * onboards a registry with a role, and `--sts-url` names the STS emulator (another process) whose
 * issued credentials sign calls for those registries.
 *
 * Registries with a role (contract §7): a call whose target registry (the body's `registryId`,
 * else the emulator's account) has one must be SigV4-signed with temporary credentials the STS
 * emulator issued for exactly that role; the signature is recomputed with the issued secret.
 * Otherwise ECR's answers, all 400: `AccessDeniedException` "User: <principal> is not authorized
 * to perform: ecr:<Operation> on resource: * …" (credentials of another role, or a long-term key
 * the STS emulator never issued), `UnrecognizedClientException` (an unknown or mismatched
 * session token), `ExpiredTokenException`, `InvalidSignatureException`,
 * `MissingAuthenticationTokenException`. Registries without a role take any call.
 *
 * Control API (JSON in and out):
 * - `POST /__emulator/faults`
 *   `{fault, count?, operations?, errorType?, status?, message?, retryAfter?, body?}` → 204.
 *   Faults queue up: each ECR request is answered by the oldest queued fault whose `operations`
 *   include it (no `operations`: every request), which is used up after `count` (default 1)
 *   requests. See {@link FaultKind} for what each fault does and {@link FaultSpec} for which
 *   member applies to which fault; any other member is refused.
 * - `DELETE /__emulator/faults` → 204, drops queued faults.
 * - `GET /__emulator/calls` → `{"calls":[{operation, body, accessKeyId, at}]}`, every ECR request
 *   received, faulted and rejected ones included, in arrival order, with the access key id its
 *   `Authorization` header names (null when unsigned). `DELETE /__emulator/calls` → 204 clears it.
 * - `POST /__emulator/rules` with a rule's members ({@link SeedRule}) → 201 and the stored rule:
 *   seeds a rule without ECR's checks and quota (e.g. a Docker Hub rule without credential, which
 *   ValidatePullThroughCacheRule then reports invalid, or 120 rules to page through).
 * - `POST /__emulator/validation` `{registryId?, ecrRepositoryPrefix?, isValid, failure?}` → 204:
 *   forces what ValidatePullThroughCacheRule answers (see {@link ValidationOutcome} for scopes).
 *   `DELETE /__emulator/validation` → 204 drops every forced answer.
 * - `GET /__emulator/registry-roles` → `{"<registry id>": "<role ARN>", …}`;
 *   `POST /__emulator/registry-roles` `{"<registry id>": "<role ARN>" | null, …}` → 204 sets (or,
 *   for null, drops) those registries' roles; `DELETE /__emulator/registry-roles` → 204 drops all.
 * - `POST /__emulator/reset` → 204, forgets rules, faults, calls and forced validation answers,
 *   and comes back to the registry roles given at start.
 *
 * A control request the emulator cannot use is 400 `{"message"}`.
 * @module
 */
import { parseArgs } from "node:util";
import { closeOnSignal, isMain, parsePort, runMain } from "./ecr-emulator/cli.js";
import { startEcrEmulator } from "./ecr-emulator/server.js";
import { remoteCredentialLookup } from "./sts-emulator/credentials.js";

export { ControlRequestError } from "./ecr-emulator/control.js";
export type { CredentialLookup, IssuedCredentials } from "./ecr-emulator/credential-lookup.js";
export type { FaultKind, FaultSpec } from "./ecr-emulator/faults.js";
export type { RuleDescription, SeedRule } from "./ecr-emulator/rules.js";
export type { EcrEmulator, EcrEmulatorOptions, RecordedCall } from "./ecr-emulator/server.js";
export type { ValidationOutcome } from "./ecr-emulator/validation-outcomes.js";
export { startEcrEmulator };

const parseRegistryRoles = (entries: readonly string[]): Record<string, string> => {
  const roles: Record<string, string> = {};
  for (const entry of entries) {
    const separator = entry.indexOf("=");
    if (separator < 1) {
      throw new RangeError(`--registry-role must be REGISTRY_ID=ROLE_ARN, got '${entry}'.`);
    }
    roles[entry.slice(0, separator)] = entry.slice(separator + 1);
  }
  return roles;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "account-id": { type: "string" },
      "registry-role": { type: "string", multiple: true },
      "sts-url": { type: "string" },
    },
    strict: true,
  });
  const port = parsePort(values.port);
  const emulator = await startEcrEmulator({
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values["account-id"] === undefined ? {} : { accountId: values["account-id"] }),
    registryRoles: parseRegistryRoles(values["registry-role"] ?? []),
    ...(values["sts-url"] === undefined
      ? {}
      : { credentials: remoteCredentialLookup(values["sts-url"]) }),
  });
  process.stdout.write(`ECR emulator listening on ${emulator.url}\n`);
  closeOnSignal(emulator);
};

if (isMain(import.meta.url)) runMain(main);
