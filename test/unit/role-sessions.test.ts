import { DescribePullThroughCacheRulesCommand, ECRClient } from "@aws-sdk/client-ecr";
import {
  AssumeRoleCommand,
  ExpiredTokenException,
  STSClient,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { EcrCacheRuleGateway } from "../../src/adapters/ecr-cache-rule-gateway.js";
import { createEcrClient } from "../../src/adapters/ecr-client.js";
import { registryClients } from "../../src/adapters/registry-clients.js";
import { createRoleSessions } from "../../src/adapters/role-sessions.js";
import { translateStsError } from "../../src/adapters/sts-errors.js";
import { DomainError } from "../../src/domain/errors.js";
import { startDeadline } from "../../src/domain/request-context.js";
import { rejectionOf } from "../fixtures/rejection.js";
import { testContext } from "../fixtures/request-context.js";

const sts = mockClient(STSClient);
const ecr = mockClient(ECRClient);
const ROLE = "arn:aws:iam::210987654321:role/ecr-cache-rules";
const options = { region: "eu-west-1", attemptTimeoutMs: 1_000 };
const access = { roleArn: ROLE, sessionName: "req-1" };
const metadata = { $metadata: { httpStatusCode: 400 } };

const issued = (n: number) => ({
  Credentials: {
    AccessKeyId: `ASIA${n}`,
    SecretAccessKey: `secret-${n}`,
    SessionToken: `token-${n}`,
    Expiration: new Date("2026-12-01T01:00:00.000Z"),
  },
});

const caught = (promise: Promise<unknown>): Promise<DomainError> =>
  rejectionOf(promise, DomainError);

beforeEach(() => {
  sts.reset();
  ecr.reset();
});

describe("createRoleSessions", () => {
  it("assumes the registry's role once, in a session named after the request, for the shortest time", async () => {
    sts.on(AssumeRoleCommand).resolves(issued(1));

    const credentials = await createRoleSessions(options)(access, startDeadline(1_000));

    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([
      { RoleArn: ROLE, RoleSessionName: "req-1", DurationSeconds: 900 },
    ]);
    expect(credentials).toEqual({
      accessKeyId: "ASIA1",
      secretAccessKey: "secret-1",
      sessionToken: "token-1",
      expiration: new Date("2026-12-01T01:00:00.000Z"),
    });
  });

  it("takes credentials without session token or expiration as STS gives them", async () => {
    // Out of the model's types, as an answer that is not quite STS's would be.
    sts
      .on(AssumeRoleCommand)
      .callsFake(() => ({ Credentials: { AccessKeyId: "A", SecretAccessKey: "S" } }));

    expect(await createRoleSessions(options)(access, startDeadline(1_000))).toEqual({
      accessKeyId: "A",
      secretAccessKey: "S",
    });
  });

  it.each([
    ["no credentials", {}],
    ["no secret", { Credentials: { AccessKeyId: "A" } }],
  ])("treats an answer with %s as STS failing", async (_, answer) => {
    sts.on(AssumeRoleCommand).callsFake(() => answer);

    expect((await caught(createRoleSessions(options)(access, startDeadline(1_000)))).kind).toBe(
      "role-unavailable",
    );
  });

  it("gives up at the request's deadline", async () => {
    sts.on(AssumeRoleCommand).callsFake(() => new Promise(() => {}));

    expect((await caught(createRoleSessions(options)(access, startDeadline(30)))).kind).toBe(
      "role-timeout",
    );
  });
});

describe("translateStsError", () => {
  it.each([
    [
      "throttling",
      new STSServiceException({
        name: "Throttling",
        $fault: "client",
        message: "Rate exceeded",
        ...metadata,
      }),
      false,
      "role-throttled",
    ],
    [
      "an expired token",
      new ExpiredTokenException({ message: "expired", ...metadata }),
      false,
      "role-unavailable",
    ],
    [
      "access denied",
      new STSServiceException({
        name: "AccessDenied",
        $fault: "client",
        message: `not authorized to assume ${ROLE}`,
        ...metadata,
      }),
      false,
      "role-unavailable",
    ],
    ["the deadline", new Error("aborted"), true, "role-timeout"],
    [
      "an aborted call",
      Object.assign(new Error("aborted"), { name: "AbortError" }),
      false,
      "role-timeout",
    ],
    [
      "an attempt time-out",
      Object.assign(new Error("timed out"), { name: "TimeoutError", code: "ETIMEDOUT" }),
      false,
      "role-timeout",
    ],
    [
      "a reset connection",
      Object.assign(new Error("reset"), { name: "TimeoutError", code: "ECONNRESET" }),
      false,
      "role-unavailable",
    ],
    ["a thrown string", "boom", false, "role-unavailable"],
  ])("translates %s", (_, error, expired, kind) => {
    const translated = translateStsError(error, expired);

    expect(translated.kind).toBe(kind);
    expect(translated.message).not.toContain("arn:");
    expect(translated.cause).toBe(error);
  });
});

describe("registryClients", () => {
  const base = createEcrClient(options);
  const key = { registryId: "210987654321", ecrRepositoryPrefix: "ab" };

  it("sends a registry without a role through the function's own client, without STS", async () => {
    const clientFor = registryClients(base, options, () => Promise.reject(new Error("no STS")));

    expect(await clientFor(testContext())).toBe(base);
  });

  it("assumes the role once per request, however many ECR calls it makes, and never shares a session", async () => {
    sts.on(AssumeRoleCommand).resolvesOnce(issued(1)).resolvesOnce(issued(2));
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({ pullThroughCacheRules: [] });
    const gateway = new EcrCacheRuleGateway(
      registryClients(base, options, createRoleSessions(options)),
    );
    const first = testContext({ access, requestId: "req-1" });
    const second = testContext({ access: { ...access, sessionName: "req-2" }, requestId: "req-2" });

    await gateway.list(first, key.registryId, { limit: 5 });
    await gateway.list(first, key.registryId, { limit: 5 });
    await gateway.list(second, key.registryId, { limit: 5 });

    expect(
      sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleSessionName),
    ).toEqual(["req-1", "req-2"]);
    const signedWith = await Promise.all(
      ecr
        .calls()
        .map(
          async (call) => (await (call.thisValue as ECRClient).config.credentials()).accessKeyId,
        ),
    );
    expect(signedWith).toEqual(["ASIA1", "ASIA1", "ASIA2"]);
    const handlers = ecr.calls().map((call) => (call.thisValue as ECRClient).config.requestHandler);
    expect(new Set([...handlers, base.config.requestHandler]).size).toBe(1);
  });

  it("answers a request for a role with 502 AssumeRoleFailed when the function has no STS client", async () => {
    const clientFor = registryClients(base, options, undefined);

    expect((await caught(Promise.resolve(clientFor(testContext({ access }))))).kind).toBe(
      "role-unavailable",
    );
  });

  it("fails the request, and reaches no ECR, when the role cannot be assumed", async () => {
    sts.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: "AccessDenied",
        $fault: "client",
        message: "no",
        ...metadata,
      }),
    );
    const gateway = new EcrCacheRuleGateway(
      registryClients(base, options, createRoleSessions(options)),
    );

    const error = await caught(gateway.describe(testContext({ access }), key));

    expect(error.kind).toBe("role-unavailable");
    expect(ecr.calls()).toEqual([]);
  });
});
