/**
 * Local AWS STS emulator for development and tests: `AssumeRole` over the Query protocol, so
 * an unmodified STS client (or the SDK's `fromTemporaryCredentials`) pointed at
 * {@link StsEmulator.url} gets temporary credentials, which the ECR emulator then recognises
 * when a request is signed with them. Plus a control API under `/__emulator/`.
 *
 * Run standalone with
 * `npx tsx dev/sts-emulator.ts [--port N] [--host H] [--account-id ID] [--role ARN ...]`
 * (`--role` repeated: only those roles may be assumed) and point an ECR emulator in another
 * process at it with `dev/ecr-emulator.ts --sts-url URL`.
 *
 * STS endpoint: `POST /` with `Content-Type: application/x-www-form-urlencoded` and
 * `Action=AssumeRole&Version=2011-06-15&RoleArn=…&RoleSessionName=…` (+ `DurationSeconds`,
 * `ExternalId`, `Policy`, `SerialNumber`, `TokenCode`, `SourceIdentity`, checked as STS checks
 * them; list parameters such as `Tags.member.N.Key` are accepted and ignored). Answers are STS's
 * XML; errors are `<ErrorResponse>` with `ValidationError` (400), `AccessDenied` (403, a role
 * outside the assumable ones), `InvalidAction`/`MissingAction` (400).
 *
 * Control API (JSON in and out):
 * - `POST /__emulator/faults` `{fault, count?, operations?, errorType?, status?, message?,
 *   retryAfter?, body?}` → 204; kinds `throttle` (400 `Throttling` "Rate exceeded"),
 *   `server-error` (500 `InternalFailure`), `error` (`errorType` required), `hang`, `reset`,
 *   `literal` (`body` string sent as `text/xml`); `operations` may name `AssumeRole`.
 *   `DELETE /__emulator/faults` → 204.
 * - `GET /__emulator/calls` → `{"calls":[{action, params, roleArn, roleSessionName,
 *   issuedAccessKeyId, signedWith, at}]}`. `DELETE /__emulator/calls` → 204.
 * - `GET /__emulator/credentials/{accessKeyId}` → 200 the issued credentials with their role
 *   session (secret included: this is how an ECR emulator elsewhere checks signatures), or 404.
 * - `GET /__emulator/roles` → `{"roles":[…]|null}`; `PUT /__emulator/roles` `{"roles":[…]|null}`
 *   → 204 restricts AssumeRole to those roles (null: any role).
 * - `POST /__emulator/reset` → 204, forgets faults, calls and issued credentials, and comes back
 *   to the roles given at start.
 *
 * A control request the emulator cannot use is 400 `{"message"}`.
 * @module
 */
import { parseArgs } from "node:util";
import { closeOnSignal, isMain, parsePort, runMain } from "./ecr-emulator/cli.js";
import { startStsEmulator } from "./sts-emulator/server.js";

export type { CredentialLookup, IssuedCredentials } from "./ecr-emulator/credential-lookup.js";
export {
  CredentialRegistry,
  type IssuedCredentialsJson,
  type RoleSessionRequest,
  remoteCredentialLookup,
} from "./sts-emulator/credentials.js";
export type { StsEmulator, StsEmulatorOptions, StsRecordedCall } from "./sts-emulator/server.js";
export { startStsEmulator };

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "account-id": { type: "string" },
      role: { type: "string", multiple: true },
    },
    strict: true,
  });
  const port = parsePort(values.port);
  const emulator = await startStsEmulator({
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values["account-id"] === undefined ? {} : { accountId: values["account-id"] }),
    ...(values.role === undefined ? {} : { assumableRoles: values.role }),
  });
  process.stdout.write(`STS emulator listening on ${emulator.url}\n`);
  closeOnSignal(emulator);
};

if (isMain(import.meta.url)) runMain(main);
