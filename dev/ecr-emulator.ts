/**
 * Local Amazon ECR emulator for development and tests: the pull through cache rule operations
 * over AWS JSON 1.1, so an unmodified `ECRClient` pointed at {@link EcrEmulator.url} works, plus
 * a fault-injection control API under `/__emulator/`.
 *
 * Run standalone with `npx tsx dev/ecr-emulator.ts [--port N] [--host H] [--account-id ID]`.
 *
 * Control API (JSON in and out):
 * - `POST /__emulator/faults`
 *   `{fault, count?, operations?, errorType?, status?, message?, retryAfter?, body?}` → 204.
 *   Faults queue up: each ECR request is answered by the oldest queued fault whose `operations`
 *   include it (no `operations`: every request), which is used up after `count` (default 1)
 *   requests. See {@link FaultKind} for what each fault does and {@link FaultSpec} for which
 *   member applies to which fault; any other member is refused.
 * - `DELETE /__emulator/faults` → 204, drops queued faults.
 * - `GET /__emulator/calls` → `{"calls":[{operation, body, at}]}`, every ECR request received,
 *   faulted and rejected ones included, in arrival order. `DELETE /__emulator/calls` → 204 clears it.
 * - `POST /__emulator/rules` with a rule's members ({@link SeedRule}) → 201 and the stored rule:
 *   seeds a rule without ECR's checks and quota (e.g. a Docker Hub rule without credential, which
 *   ValidatePullThroughCacheRule then reports invalid, or 120 rules to page through).
 * - `POST /__emulator/validation` `{registryId?, ecrRepositoryPrefix?, isValid, failure?}` → 204:
 *   forces what ValidatePullThroughCacheRule answers (see {@link ValidationOutcome} for scopes).
 *   `DELETE /__emulator/validation` → 204 drops every forced answer.
 * - `POST /__emulator/reset` → 204, forgets rules, faults, calls and forced validation answers.
 *
 * A control request the emulator cannot use is 400 `{"message"}`.
 * @module
 */
import { parseArgs } from "node:util";
import { closeOnSignal, isMain, parsePort, runMain } from "./ecr-emulator/cli.js";
import { startEcrEmulator } from "./ecr-emulator/server.js";

export { ControlRequestError } from "./ecr-emulator/control.js";
export type { FaultKind, FaultSpec } from "./ecr-emulator/faults.js";
export type { RuleDescription, SeedRule } from "./ecr-emulator/rules.js";
export type { EcrEmulator, EcrEmulatorOptions, RecordedCall } from "./ecr-emulator/server.js";
export type { ValidationOutcome } from "./ecr-emulator/validation-outcomes.js";
export { startEcrEmulator };

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "account-id": { type: "string" },
    },
    strict: true,
  });
  const port = parsePort(values.port);
  const emulator = await startEcrEmulator({
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values["account-id"] === undefined ? {} : { accountId: values["account-id"] }),
  });
  process.stdout.write(`ECR emulator listening on ${emulator.url}\n`);
  closeOnSignal(emulator);
};

if (isMain(import.meta.url)) runMain(main);
