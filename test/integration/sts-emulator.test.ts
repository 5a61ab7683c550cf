import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
// The STS client the service itself uses.
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  RegionDisabledException,
  STSClient,
  type STSClientConfig,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CredentialRegistry,
  remoteCredentialLookup,
  type StsEmulator,
  type StsRecordedCall,
  startStsEmulator,
} from "../../dev/sts-emulator.js";
import { rejectionOf } from "../fixtures/rejection.js";

const ROLE_ARN = "arn:aws:iam::210987654321:role/ecr-cache-rules";
const OTHER_ROLE_ARN = "arn:aws:iam::333344445555:role/ecr-cache-rules";
const CALLER_KEY = "AKIACALLEREXAMPLE";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

let emulator: StsEmulator;
const clients: STSClient[] = [];

const newClient = (config: STSClientConfig = {}): STSClient => {
  const client = new STSClient({
    endpoint: emulator.url,
    region: "eu-west-1",
    credentials: { accessKeyId: CALLER_KEY, secretAccessKey: "caller-secret" },
    maxAttempts: 1,
    ...config,
  });
  clients.push(client);
  return client;
};

const assumeRole = (input: Partial<AssumeRoleCommandInput> = {}, client = newClient()) =>
  client.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "request-1", ...input }));

/** Sends a Query request the way the SDK does: a form body, the action and version first. */
const postQuery = (params: Record<string, string>, url = emulator.url): Promise<Response> =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  });

const assumeRoleParams = (extra: Record<string, string> = {}): Record<string, string> => ({
  Action: "AssumeRole",
  Version: "2011-06-15",
  RoleArn: ROLE_ARN,
  RoleSessionName: "request-1",
  ...extra,
});

const XML_ENTITIES: Readonly<Record<string, string>> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&apos;": "'",
};

/** The text of the element reached through `path` (first match at each step), unescaped. */
const xmlText = (xml: string, ...path: string[]): string | undefined => {
  let scope: string | undefined = xml;
  for (const name of path) {
    scope = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(scope ?? "")?.[1];
    if (scope === undefined) return undefined;
  }
  return scope?.replace(/&(?:amp|lt|gt|quot|apos);/g, (entity) => XML_ENTITIES[entity] ?? entity);
};

const control = (method: string, path: string, body?: unknown): Promise<Response> =>
  fetch(`${emulator.url}/__emulator/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });

const injectFault = async (fault: Record<string, unknown>): Promise<void> => {
  const response = await control("POST", "faults", fault);
  expect(response.status).toBe(204);
};

beforeAll(async () => {
  emulator = await startStsEmulator();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await emulator.close();
});

beforeEach(async () => {
  const response = await control("POST", "reset");
  expect(response.status).toBe(204);
});

describe("AssumeRole", () => {
  it("answers STS's XML with temporary credentials for the role session", async () => {
    // Prepare
    const before = Math.floor(Date.now() / 1000) * 1000;

    // Act
    const response = await postQuery(assumeRoleParams({ DurationSeconds: "900" }));
    const xml = await response.text();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/xml");
    const requestId = response.headers.get("x-amzn-requestid");
    expect(requestId).toMatch(UUID);
    expect(xml).toMatch(
      /^<AssumeRoleResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<AssumeRoleResult>/,
    );
    expect(xmlText(xml, "AssumeRoleResult", "Credentials", "AccessKeyId")).toMatch(
      /^ASIA[A-Z2-7]{16}$/,
    );
    expect(xmlText(xml, "Credentials", "SecretAccessKey")).toHaveLength(40);
    expect(xmlText(xml, "Credentials", "SessionToken")?.length).toBeGreaterThan(100);
    const expiration = xmlText(xml, "Credentials", "Expiration") ?? "";
    expect(expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(expiration) - before).toBeGreaterThanOrEqual(900_000);
    expect(Date.parse(expiration) - before).toBeLessThanOrEqual(902_000);
    expect(xmlText(xml, "AssumedRoleUser", "AssumedRoleId")).toMatch(
      /^AROA[A-Z2-7]{17}:request-1$/,
    );
    expect(xmlText(xml, "AssumedRoleUser", "Arn")).toBe(
      "arn:aws:sts::210987654321:assumed-role/ecr-cache-rules/request-1",
    );
    expect(xmlText(xml, "ResponseMetadata", "RequestId")).toBe(requestId);
  });

  it("is parsed by the SDK's STS client, with a one-hour session by default", async () => {
    // Prepare
    const before = Date.now();

    // Act
    const result = await assumeRole();
    const after = Date.now();

    // Assess
    expect(result.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(result.Credentials?.SecretAccessKey).toEqual(expect.any(String));
    expect(result.Credentials?.SessionToken).toEqual(expect.any(String));
    expect(result.Credentials?.Expiration).toBeInstanceOf(Date);
    const lifetime = (result.Credentials?.Expiration?.getTime() ?? 0) - before;
    expect(lifetime).toBeGreaterThan(3_598_000);
    // Whole seconds of the moment STS issued them, which may be a second past `before`.
    expect(lifetime).toBeLessThanOrEqual(after - before + 3_600_000);
    expect(result.AssumedRoleUser).toEqual({
      AssumedRoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}:request-1$/),
      Arn: "arn:aws:sts::210987654321:assumed-role/ecr-cache-rules/request-1",
    });
    expect(result.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.any(String) });
  });

  it("issues distinct credentials on every call, under one role id per role", async () => {
    // Act
    const results = await Promise.all([
      assumeRole({ RoleSessionName: "first" }),
      assumeRole({ RoleSessionName: "first" }),
      assumeRole({ RoleSessionName: "second" }),
      assumeRole({ RoleArn: OTHER_ROLE_ARN, RoleSessionName: "first" }),
    ]);

    // Assess
    const keys = results.map((result) => result.Credentials?.AccessKeyId);
    const secrets = results.map((result) => result.Credentials?.SecretAccessKey);
    const tokens = results.map((result) => result.Credentials?.SessionToken);
    expect(new Set(keys).size).toBe(4);
    expect(new Set(secrets).size).toBe(4);
    expect(new Set(tokens).size).toBe(4);
    const roleIds = results.map((result) => result.AssumedRoleUser?.AssumedRoleId?.split(":")[0]);
    expect(roleIds[0]).toBe(roleIds[1]);
    expect(roleIds[0]).toBe(roleIds[2]);
    expect(roleIds[3]).not.toBe(roleIds[0]);
  });

  it("names the assumed role without its path and keeps the partition", async () => {
    // Act
    const result = await assumeRole({
      RoleArn: "arn:aws-cn:iam::123456789012:role/platform/ecr/cache-rules",
      RoleSessionName: "with.path@x",
    });

    // Assess
    expect(result.AssumedRoleUser?.Arn).toBe(
      "arn:aws-cn:sts::123456789012:assumed-role/cache-rules/with.path@x",
    );
  });

  it("echoes SourceIdentity when the caller sets one", async () => {
    // Act
    const response = await postQuery(assumeRoleParams({ SourceIdentity: "portal-user" }));

    // Assess
    expect(xmlText(await response.text(), "AssumeRoleResult", "SourceIdentity")).toBe(
      "portal-user",
    );
  });

  it.each<{ problem: string; params: Record<string, string | null>; message: string }>([
    {
      problem: "a missing RoleArn",
      params: { RoleArn: null },
      message:
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    },
    {
      problem: "an empty RoleArn",
      params: { RoleArn: "" },
      message:
        "2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+; Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    },
    {
      problem: "a RoleArn over 2048 characters",
      params: { RoleArn: `arn:aws:iam::210987654321:role/${"r".repeat(2020)}` },
      message: `1 validation error detected: Value 'arn:aws:iam::210987654321:role/${"r".repeat(2020)}' at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048`,
    },
    {
      problem: "a RoleArn that is not a role ARN",
      params: { RoleArn: "arn:aws:iam::210987654321:user/ecr-cache-rules" },
      message: "arn:aws:iam::210987654321:user/ecr-cache-rules is invalid",
    },
    {
      problem: "a one-character RoleSessionName",
      params: { RoleSessionName: "r" },
      message:
        "1 validation error detected: Value 'r' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    },
    {
      problem: "a 65-character RoleSessionName",
      params: { RoleSessionName: "r".repeat(65) },
      message: `1 validation error detected: Value '${"r".repeat(65)}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    },
    {
      problem: "a RoleSessionName with a space",
      params: { RoleSessionName: "request 1" },
      message:
        "1 validation error detected: Value 'request 1' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    },
    {
      problem: "a DurationSeconds below 900",
      params: { DurationSeconds: "899" },
      message:
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    },
    {
      problem: "a DurationSeconds above 43200",
      params: { DurationSeconds: "43201" },
      message:
        "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    },
    {
      problem: "a DurationSeconds that is not an integer",
      params: { DurationSeconds: "1h" },
      message:
        "1 validation error detected: Value '1h' at 'durationSeconds' failed to satisfy constraint: Member must be an integer",
    },
    {
      problem: "a one-character ExternalId and a bad session name",
      params: { ExternalId: "x", RoleSessionName: "a b" },
      message:
        "2 validation errors detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2",
    },
  ])("refuses $problem with STS's ValidationError", async ({ params, message }) => {
    // Prepare
    const query = Object.fromEntries(
      Object.entries({ ...assumeRoleParams(), ...params }).filter(
        (entry): entry is [string, string] => entry[1] !== null,
      ),
    );

    // Act
    const response = await postQuery(query);
    const xml = await response.text();

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("text/xml");
    expect(xml).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/,
    );
    expect(xmlText(xml, "Error", "Type")).toBe("Sender");
    expect(xmlText(xml, "Error", "Code")).toBe("ValidationError");
    expect(xmlText(xml, "Error", "Message")).toBe(message);
    expect(xml).not.toContain("&apos;");
    expect(xmlText(xml, "ErrorResponse", "RequestId")).toBe(
      response.headers.get("x-amzn-requestid"),
    );
    expect(emulator.credentials.issued()).toEqual([]);
  });

  it("surfaces ValidationError to the SDK with its message and status", async () => {
    // Act
    const error = await rejectionOf(assumeRole({ RoleSessionName: "a b" }));

    // Assess
    expect(error).toBeInstanceOf(STSServiceException);
    expect(error).toMatchObject({
      name: "ValidationError",
      message: expect.stringContaining("at 'roleSessionName' failed to satisfy constraint"),
      $fault: "client",
      $metadata: { httpStatusCode: 400, requestId: expect.stringMatching(UUID) },
    });
  });

  it.each([
    { problem: "no Action", params: { Version: "2011-06-15" }, code: "MissingAction" },
    {
      problem: "another action",
      params: { Action: "GetSessionToken", Version: "2011-06-15" },
      code: "InvalidAction",
    },
    {
      problem: "another API version",
      params: { ...assumeRoleParams(), Version: "2010-01-01" },
      code: "InvalidAction",
    },
  ])("answers $problem with $code", async ({ params, code }) => {
    // Act
    const response = await postQuery(params);

    // Assess
    expect(response.status).toBe(400);
    expect(xmlText(await response.text(), "Error", "Code")).toBe(code);
  });
});

describe("assumable roles", () => {
  it("refuses a role outside the assumable ones with AccessDenied 403, naming the caller", async () => {
    // Prepare
    emulator.setAssumableRoles([ROLE_ARN]);

    // Act
    const allowed = await assumeRole();
    const refused = await rejectionOf(assumeRole({ RoleArn: OTHER_ROLE_ARN }));

    // Assess
    expect(allowed.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(refused).toBeInstanceOf(STSServiceException);
    expect(refused).toMatchObject({
      name: "AccessDenied",
      message: `User: arn:aws:iam::123456789012:user/${CALLER_KEY} is not authorized to perform: sts:AssumeRole on resource: ${OTHER_ROLE_ARN}`,
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("names a caller signed with issued credentials as its role session", async () => {
    // Prepare
    emulator.setAssumableRoles([ROLE_ARN]);
    const first = await assumeRole({ RoleSessionName: "hop-1" });
    const chained = newClient({
      credentials: {
        accessKeyId: first.Credentials?.AccessKeyId ?? "",
        secretAccessKey: first.Credentials?.SecretAccessKey ?? "",
        sessionToken: first.Credentials?.SessionToken ?? "",
      },
    });

    // Act
    const refused = await rejectionOf(assumeRole({ RoleArn: OTHER_ROLE_ARN }, chained));

    // Assess
    expect((refused as Error).message).toMatch(
      /^User: arn:aws:sts::210987654321:assumed-role\/ecr-cache-rules\/hop-1 is not authorized/,
    );
  });

  it("is set and read through PUT and GET /__emulator/roles, and reset to the options", async () => {
    // Prepare
    const own = await startStsEmulator({ assumableRoles: [OTHER_ROLE_ARN] });
    const ownControl = (method: string, body?: unknown) =>
      fetch(`${own.url}/__emulator/roles`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    // Act
    const initial = await (await ownControl("GET")).json();
    const put = await ownControl("PUT", { roles: [ROLE_ARN] });
    const afterPut = await postQuery(assumeRoleParams(), own.url);
    const opened = await ownControl("PUT", { roles: null });
    const afterOpen = await postQuery(
      assumeRoleParams({ RoleArn: "arn:aws:iam::111111111111:role/x" }),
      own.url,
    );
    own.reset();
    const afterReset = await (await ownControl("GET")).json();
    await own.close();

    // Assess
    expect(initial).toEqual({ roles: [OTHER_ROLE_ARN] });
    expect(put.status).toBe(204);
    expect(afterPut.status).toBe(200);
    expect(opened.status).toBe(204);
    expect(afterOpen.status).toBe(200);
    expect(afterReset).toEqual({ roles: [OTHER_ROLE_ARN] });
  });

  it.each([
    { problem: "a role that is not an IAM role ARN", body: { roles: ["arn:aws:iam::1:role/x"] } },
    { problem: "a list of numbers", body: { roles: [1] } },
    { problem: "no roles member", body: { role: [ROLE_ARN] } },
  ])("refuses $problem with 400", async ({ body }) => {
    // Act
    const response = await control("PUT", "roles", body);

    // Assess
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toMatchObject({ message: expect.any(String) });
  });
});

describe("fault injection", () => {
  it("throttle answers 400 Throttling, which the SDK retries", async () => {
    // Prepare
    await injectFault({ fault: "throttle" });
    const retrying = newClient({ maxAttempts: 2 });

    // Act
    const result = await assumeRole({}, retrying);

    // Assess
    expect(result.$metadata.attempts).toBe(2);
    expect(emulator.calls().map((call) => call.issuedAccessKeyId === null)).toEqual([true, false]);
  });

  it("throttle reaches the SDK as Throttling 'Rate exceeded' once retries run out", async () => {
    // Prepare
    await injectFault({ fault: "throttle" });

    // Act
    const error = await rejectionOf(assumeRole());

    // Assess
    expect(error).toMatchObject({
      name: "Throttling",
      message: "Rate exceeded",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("server-error answers a 500 InternalFailure from the Receiver", async () => {
    // Prepare
    await injectFault({ fault: "server-error", retryAfter: 2 });

    // Act
    const response = await postQuery(assumeRoleParams());
    const xml = await response.text();

    // Assess
    expect(response.status).toBe(500);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(xmlText(xml, "Error", "Type")).toBe("Receiver");
    expect(xmlText(xml, "Error", "Code")).toBe("InternalFailure");
  });

  it("error answers the given code and status, which the SDK maps to its exception class", async () => {
    // Prepare
    emulator.addFault({
      fault: "error",
      errorType: "RegionDisabledException",
      status: 403,
      message: "STS is not activated in this region.",
    });

    // Act
    const error = await rejectionOf(assumeRole());

    // Assess
    expect(error).toBeInstanceOf(RegionDisabledException);
    expect(error).toMatchObject({
      message: "STS is not activated in this region.",
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("hang never answers, so a client with a request timeout fails with ETIMEDOUT", async () => {
    // Prepare
    const impatient = newClient({
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    await injectFault({ fault: "hang" });

    // Act
    const error = await rejectionOf(assumeRole({}, impatient));

    // Assess
    expect(error).toMatchObject({ name: "TimeoutError", code: "ETIMEDOUT" });
  });

  it("reset drops the connection, which the SDK reports with code ECONNRESET", async () => {
    // Prepare
    await injectFault({ fault: "reset" });

    // Act
    const error = await rejectionOf(assumeRole());

    // Assess
    expect(error).toMatchObject({ code: "ECONNRESET" });
  });

  it("literal answers the given XML as is", async () => {
    // Prepare
    const body =
      '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>';
    await injectFault({ fault: "literal", body, operations: ["AssumeRole"] });

    // Act
    const response = await postQuery(assumeRoleParams());

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/xml");
    await expect(response.text()).resolves.toBe(body);
  });

  it("applies as many times as its count, then AssumeRole answers again", async () => {
    // Prepare
    await injectFault({ fault: "server-error", count: 2 });

    // Act
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      statuses.push((await postQuery(assumeRoleParams())).status);
    }

    // Assess
    expect(statuses).toEqual([500, 500, 200]);
  });

  it("is dropped by DELETE /__emulator/faults", async () => {
    // Prepare
    await injectFault({ fault: "throttle", count: 10 });

    // Act
    const cleared = await control("DELETE", "faults");
    const result = await assumeRole();

    // Assess
    expect(cleared.status).toBe(204);
    expect(result.$metadata.httpStatusCode).toBe(200);
  });

  it.each([
    { problem: "an unknown fault", fault: { fault: "explode" } },
    { problem: "non-json, which STS does not offer", fault: { fault: "non-json" } },
    { problem: "an error without errorType", fault: { fault: "error" } },
    {
      problem: "an operation STS does not have",
      fault: { fault: "throttle", operations: ["GetCallerIdentity"] },
    },
    { problem: "a JSON object as literal body", fault: { fault: "literal", body: { a: 1 } } },
    { problem: "a status on a hang", fault: { fault: "hang", status: 500 } },
  ])("refuses $problem with 400", async ({ fault }) => {
    // Act
    const response = await control("POST", "faults", fault);

    // Assess
    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toMatchObject({ message: expect.any(String) });
  });
});

describe("calls log", () => {
  it("lists every request with its role session, issued key and signing key", async () => {
    // Prepare
    await injectFault({ fault: "throttle" });

    // Act
    await rejectionOf(assumeRole({ RoleSessionName: "faulted" }));
    const result = await assumeRole({ RoleSessionName: "request-2", DurationSeconds: 1800 });
    await rejectionOf(assumeRole({ RoleSessionName: "x" }));
    const response = await control("GET", "calls");
    const { calls } = (await response.json()) as { calls: StsRecordedCall[] };

    // Assess
    expect(calls).toEqual([
      expect.objectContaining({
        action: "AssumeRole",
        roleArn: ROLE_ARN,
        roleSessionName: "faulted",
        issuedAccessKeyId: null,
        signedWith: CALLER_KEY,
      }),
      {
        action: "AssumeRole",
        params: {
          Action: "AssumeRole",
          Version: "2011-06-15",
          RoleArn: ROLE_ARN,
          RoleSessionName: "request-2",
          DurationSeconds: "1800",
        },
        roleArn: ROLE_ARN,
        roleSessionName: "request-2",
        issuedAccessKeyId: result.Credentials?.AccessKeyId,
        signedWith: CALLER_KEY,
        at: expect.any(String),
      },
      expect.objectContaining({ roleSessionName: "x", issuedAccessKeyId: null }),
    ]);
    expect(emulator.calls()).toEqual(calls);
    for (const call of calls) expect(new Date(call.at).toISOString()).toBe(call.at);
  });

  it("records an unsigned request with signedWith null, and empties on DELETE", async () => {
    // Prepare
    await postQuery(assumeRoleParams());

    // Act
    const before = emulator.calls();
    const cleared = await control("DELETE", "calls");

    // Assess
    expect(before).toEqual([expect.objectContaining({ signedWith: null })]);
    expect(cleared.status).toBe(204);
    expect(emulator.calls()).toEqual([]);
  });
});

describe("issued credentials", () => {
  it("are in the registry, with their role, session and secret", async () => {
    // Act
    const result = await assumeRole({ RoleSessionName: "request-3" });

    // Assess
    const accessKeyId = result.Credentials?.AccessKeyId ?? "";
    expect(emulator.credentials.lookup(accessKeyId)).toEqual({
      accessKeyId,
      secretAccessKey: result.Credentials?.SecretAccessKey,
      sessionToken: result.Credentials?.SessionToken,
      roleArn: ROLE_ARN,
      roleSessionName: "request-3",
      assumedRoleArn: result.AssumedRoleUser?.Arn,
      assumedRoleId: result.AssumedRoleUser?.AssumedRoleId,
      expiration: result.Credentials?.Expiration,
    });
    expect(emulator.credentials.roleOf(accessKeyId, result.Credentials?.SessionToken ?? "")).toBe(
      ROLE_ARN,
    );
    expect(emulator.credentials.roleOf(accessKeyId, "another token")).toBeUndefined();
  });

  it("are served by GET /__emulator/credentials/{accessKeyId}, and 404 for a key never issued", async () => {
    // Prepare
    const result = await assumeRole();
    const accessKeyId = result.Credentials?.AccessKeyId ?? "";

    // Act
    const found = await control("GET", `credentials/${accessKeyId}`);
    const missing = await control("GET", "credentials/ASIANEVERISSUED");

    // Assess
    expect(found.status).toBe(200);
    await expect(found.json()).resolves.toMatchObject({
      accessKeyId,
      secretAccessKey: result.Credentials?.SecretAccessKey,
      roleArn: ROLE_ARN,
      expiration: result.Credentials?.Expiration?.toISOString(),
    });
    expect(missing.status).toBe(404);
  });

  it("are found by a remote lookup as the in-process registry has them", async () => {
    // Prepare
    const result = await assumeRole();
    const accessKeyId = result.Credentials?.AccessKeyId ?? "";
    const remote = remoteCredentialLookup(emulator.url);

    // Act
    const found = await remote.lookup(accessKeyId);
    const missing = await remote.lookup("ASIANEVERISSUED");

    // Assess
    expect(found).toEqual(emulator.credentials.lookup(accessKeyId));
    expect(missing).toBeUndefined();
  });

  it("are forgotten by reset", async () => {
    // Prepare
    const result = await assumeRole();

    // Act
    emulator.reset();

    // Assess
    expect(emulator.credentials.lookup(result.Credentials?.AccessKeyId ?? "")).toBeUndefined();
  });

  it("stop counting for roleOf once expired", () => {
    // Prepare
    const registry = new CredentialRegistry();
    const issued = registry.issue(
      { roleArn: ROLE_ARN, roleSessionName: "old", durationSeconds: 900 },
      new Date(Date.now() - 901_000),
    );

    // Act
    const role = registry.roleOf(issued.accessKeyId, issued.sessionToken);

    // Assess
    expect(role).toBeUndefined();
    expect(registry.lookup(issued.accessKeyId)).toBe(issued);
  });

  it("go into a registry given in the options, shared with whoever holds it", async () => {
    // Prepare
    const shared = new CredentialRegistry();
    const own = await startStsEmulator({ credentials: shared });

    // Act
    const response = await postQuery(assumeRoleParams(), own.url);
    const accessKeyId = xmlText(await response.text(), "AccessKeyId") ?? "";
    await own.close();

    // Assess
    expect(own.credentials).toBe(shared);
    expect(shared.lookup(accessKeyId)?.roleArn).toBe(ROLE_ARN);
  });
});

describe("lifecycle", () => {
  it("close ends hanging requests instead of waiting for them", async () => {
    // Prepare
    const own = await startStsEmulator();
    own.addFault({ fault: "hang" });
    const pending = rejectionOf(postQuery(assumeRoleParams(), own.url));
    await expect.poll(() => own.calls().length).toBe(1);

    // Act
    await own.close();

    // Assess
    await expect(pending).resolves.toBeInstanceOf(Error);
  });

  it("runs as a CLI with --role, prints one line once listening and exits cleanly on SIGTERM", async () => {
    // Prepare
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "dev/sts-emulator.ts", "--port", "0", "--role", ROLE_ARN],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
    });
    const exited = once(child, "exit");
    await expect.poll(() => stdout, { timeout: 4_000 }).toMatch(/\n$/);
    const url = stdout.trim().replace("STS emulator listening on ", "");
    const allowed = await postQuery(assumeRoleParams(), url);
    const refused = await postQuery(assumeRoleParams({ RoleArn: OTHER_ROLE_ARN }), url);

    // Act
    child.kill("SIGTERM");
    const [code] = await exited;

    // Assess
    expect(stdout).toMatch(/^STS emulator listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(allowed.status).toBe(200);
    expect(refused.status).toBe(403);
    expect(xmlText(await refused.text(), "Error", "Code")).toBe("AccessDenied");
    expect(code).toBe(0);
  });
});
