import type { IssuedCredentials } from "../ecr-emulator/credential-lookup.js";
import {
  checkRange,
  checkString,
  type Pattern,
  type StringConstraints,
  Violations,
} from "../ecr-emulator/validation.js";
import { parseRoleArn, type RoleSessionRequest } from "./credentials.js";

/** An STS error answer: `code` and `message` go into the XML, `status` is the HTTP status. */
export class StsError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
  }
}

// STS prints its patterns in Java's notation, which JavaScript only reads with the `u` flag.
const stsPattern = (text: string, source: string): Pattern => ({
  text,
  regex: new RegExp(`^(?:${source})$`, "u"),
});

const ARN_TEXT = stsPattern(
  "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
  "[\\t\\n\\r\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u{10000}-\\u{10FFFF}]+",
);
const SESSION_NAME = stsPattern("[\\w+=,.@-]*", "[\\w+=,.@-]*");
const EXTERNAL_ID = stsPattern("[\\w+=,.@:\\/-]*", "[\\w+=,.@:\\/-]*");
const SERIAL_NUMBER = stsPattern("[\\w+=/:,.@-]*", "[\\w+=/:,.@-]*");
const TOKEN_CODE = stsPattern("[\\d]*", "[\\d]*");

// The scalar members of AssumeRole, in the order of STS's model, which is the order STS reports
// violations in; the list members (PolicyArns, Tags, ...) are accepted and ignored.
const SCALARS: readonly (readonly [string, string, StringConstraints])[] = [
  ["RoleArn", "roleArn", { required: true, pattern: ARN_TEXT, min: 20, max: 2048 }],
  [
    "RoleSessionName",
    "roleSessionName",
    { required: true, pattern: SESSION_NAME, min: 2, max: 64 },
  ],
  ["Policy", "policy", { pattern: ARN_TEXT, min: 1, max: 2048 }],
];
const LATER_SCALARS: readonly (readonly [string, string, StringConstraints])[] = [
  ["ExternalId", "externalId", { pattern: EXTERNAL_ID, min: 2, max: 1224 }],
  ["SerialNumber", "serialNumber", { pattern: SERIAL_NUMBER, min: 9, max: 256 }],
  ["TokenCode", "tokenCode", { pattern: TOKEN_CODE, min: 6, max: 6 }],
  ["SourceIdentity", "sourceIdentity", { pattern: SESSION_NAME, min: 2, max: 64 }],
];

const DEFAULT_DURATION_SECONDS = 3600;

/** A valid AssumeRole request. */
export interface AssumeRoleRequest extends RoleSessionRequest {
  readonly sourceIdentity: string | undefined;
}

const checkScalars = (
  violations: Violations,
  params: Readonly<Record<string, string>>,
  scalars: typeof SCALARS,
): void => {
  for (const [param, member, constraints] of scalars) {
    checkString(violations, member, params[param], constraints);
  }
};

/**
 * Checks AssumeRole's parameters as STS does: the request validator's constraints first, all
 * reported in one `ValidationError`, then whether `RoleArn` is an IAM role ARN at all.
 */
export const readAssumeRole = (params: Readonly<Record<string, string>>): AssumeRoleRequest => {
  const violations = new Violations();
  checkScalars(violations, params, SCALARS);
  const rawDuration = params["DurationSeconds"];
  let durationSeconds = DEFAULT_DURATION_SECONDS;
  if (rawDuration !== undefined) {
    // The Query protocol sends numbers as text; one that is not an integer fails to parse.
    if (!/^-?[0-9]+$/.test(rawDuration)) {
      throw new StsError(
        "ValidationError",
        `1 validation error detected: Value '${rawDuration}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`,
      );
    }
    durationSeconds = Number(rawDuration);
    checkRange(violations, "durationSeconds", durationSeconds, 900, 43_200);
  }
  checkScalars(violations, params, LATER_SCALARS);
  const message = violations.message();
  if (message !== undefined) throw new StsError("ValidationError", message);

  const roleArn = params["RoleArn"] ?? "";
  if (parseRoleArn(roleArn) === undefined) {
    throw new StsError("ValidationError", `${roleArn} is invalid`);
  }
  return {
    roleArn,
    roleSessionName: params["RoleSessionName"] ?? "",
    durationSeconds,
    sourceIdentity: params["SourceIdentity"],
  };
};

const XML_ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Escapes element text; quotes stay as they are, as in STS's own answers. */
const escapeXml = (text: string): string =>
  text.replace(/[&<>]/g, (character) => XML_ESCAPES[character] ?? character);

/** The namespace of every STS answer. */
const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** STS's expiration format: ISO 8601 in whole seconds. */
const formatExpiration = (expiration: Date): string =>
  expiration.toISOString().replace(/\.\d{3}Z$/, "Z");

/** AssumeRole's answer, laid out as STS lays it out. */
export const assumeRoleXml = (
  credentials: IssuedCredentials,
  sourceIdentity: string | undefined,
  requestId: string,
): string =>
  [
    `<AssumeRoleResponse xmlns="${STS_NAMESPACE}">`,
    "  <AssumeRoleResult>",
    ...(sourceIdentity === undefined
      ? []
      : [`    <SourceIdentity>${escapeXml(sourceIdentity)}</SourceIdentity>`]),
    "    <AssumedRoleUser>",
    `      <AssumedRoleId>${escapeXml(credentials.assumedRoleId)}</AssumedRoleId>`,
    `      <Arn>${escapeXml(credentials.assumedRoleArn)}</Arn>`,
    "    </AssumedRoleUser>",
    "    <Credentials>",
    `      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>`,
    `      <SecretAccessKey>${escapeXml(credentials.secretAccessKey)}</SecretAccessKey>`,
    `      <SessionToken>${escapeXml(credentials.sessionToken)}</SessionToken>`,
    `      <Expiration>${formatExpiration(credentials.expiration)}</Expiration>`,
    "    </Credentials>",
    "  </AssumeRoleResult>",
    "  <ResponseMetadata>",
    `    <RequestId>${requestId}</RequestId>`,
    "  </ResponseMetadata>",
    "</AssumeRoleResponse>",
    "",
  ].join("\n");

/** STS's error answer: `Sender` for client faults, `Receiver` for server faults. */
export const errorXml = (
  code: string,
  message: string,
  status: number,
  requestId: string,
): string =>
  [
    `<ErrorResponse xmlns="${STS_NAMESPACE}">`,
    "  <Error>",
    `    <Type>${status >= 500 ? "Receiver" : "Sender"}</Type>`,
    `    <Code>${escapeXml(code)}</Code>`,
    `    <Message>${escapeXml(message)}</Message>`,
    "  </Error>",
    `  <RequestId>${requestId}</RequestId>`,
    "</ErrorResponse>",
    "",
  ].join("\n");
