import {
  CreatePullThroughCacheRuleCommand,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  ECRClient,
  ECRServiceException,
  InvalidParameterException,
  LimitExceededException,
  PullThroughCacheRuleAlreadyExistsException,
  PullThroughCacheRuleNotFoundException,
  SecretNotFoundException,
  ServerException,
  UnableToAccessSecretException,
  UnableToDecryptSecretValueException,
  UnsupportedUpstreamRegistryException,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
  ValidationException,
} from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { DeadlineAwareRetryStrategy } from "../../src/adapters/aws-deadline.js";
import { EcrCacheRuleGateway } from "../../src/adapters/ecr-cache-rule-gateway.js";
import { sanitiseEcrMessage } from "../../src/adapters/ecr-errors.js";
import { DomainError } from "../../src/domain/errors.js";
import { startDeadline } from "../../src/domain/request-context.js";
import { rejectionOf } from "../fixtures/rejection.js";
import { testContext } from "../fixtures/request-context.js";

const ecr = mockClient(ECRClient);
const metadata = { $metadata: { httpStatusCode: 400, requestId: "ecr-request-1" } };
const spec = {
  registryId: "123456789012",
  ecrRepositoryPrefix: "hub",
  upstreamRegistryUrl: "registry-1.docker.io",
  upstreamRegistry: "docker-hub" as const,
  credentialArn:
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub",
};
const key = { registryId: "123456789012", ecrRepositoryPrefix: "hub" };

const gateway = () => new EcrCacheRuleGateway(new ECRClient({ region: "eu-west-1" }));
const context = (deadlineMs = 1_000) => testContext({ deadline: startDeadline(deadlineMs) });

const caught = (promise: Promise<unknown>): Promise<DomainError> =>
  rejectionOf(promise, DomainError);

describe("EcrCacheRuleGateway.create", () => {
  beforeEach(() => {
    ecr.reset();
  });

  it("sends exactly the spec and maps ECR's answer to a rule", async () => {
    const createdAt = new Date("2026-11-27T10:00:00.000Z");
    ecr.on(CreatePullThroughCacheRuleCommand).resolves({ ...spec, createdAt });

    const rule = await gateway().create(context(), spec);

    expect(
      ecr.commandCalls(CreatePullThroughCacheRuleCommand).map((call) => call.args[0].input),
    ).toEqual([spec]);
    expect(rule).toEqual({ ...spec, createdAt });
  });

  it("leaves out optional members the spec does not have", async () => {
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .resolves({ createdAt: new Date(0), upstreamRegistryUrl: "quay.io" });

    const rule = await gateway().create(context(), {
      registryId: "123456789012",
      ecrRepositoryPrefix: "q",
      upstreamRegistryUrl: "quay.io",
    });

    expect(ecr.commandCalls(CreatePullThroughCacheRuleCommand)[0]?.args[0].input).toEqual({
      registryId: "123456789012",
      ecrRepositoryPrefix: "q",
      upstreamRegistryUrl: "quay.io",
    });
    expect(rule).toEqual({
      registryId: "123456789012",
      ecrRepositoryPrefix: "q",
      upstreamRegistryUrl: "quay.io",
      createdAt: new Date(0),
    });
  });

  it.each([
    ["no createdAt", { upstreamRegistryUrl: "quay.io" }],
    ["no upstreamRegistryUrl", { createdAt: new Date(0) }],
  ])("treats an answer with %s as ECR failing", async (_, answer) => {
    ecr.on(CreatePullThroughCacheRuleCommand).resolves(answer);

    const error = await caught(gateway().create(context(), spec));

    expect(error).toMatchObject({ kind: "ecr-unavailable", ecrCode: undefined });
  });

  it.each([
    [InvalidParameterException, "ecr-rejected-request"],
    [ValidationException, "ecr-rejected-request"],
    [LimitExceededException, "rule-quota-exceeded"],
    [PullThroughCacheRuleAlreadyExistsException, "rule-conflict"],
    [SecretNotFoundException, "upstream-unusable"],
    [UnableToAccessSecretException, "upstream-unusable"],
    [UnableToDecryptSecretValueException, "upstream-unusable"],
    [UnsupportedUpstreamRegistryException, "upstream-unusable"],
  ])("translates %o into %s with ECR's code and message", async (Exception, kind) => {
    const thrown = new Exception({ message: "ECR's own words", ...metadata });
    ecr.on(CreatePullThroughCacheRuleCommand).rejects(thrown);

    const error = await caught(gateway().create(context(), spec));

    expect(error).toMatchObject({ kind, ecrCode: thrown.name, message: "ECR's own words" });
    expect(error.cause).toBe(thrown);
  });

  it("translates ServerException into a generic ECR failure that keeps only the exception name", async () => {
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .rejects(new ServerException({ message: "internal arn:aws:iam::1:role/x", $metadata: {} }));

    const error = await caught(gateway().create(context(), spec));

    expect(error).toMatchObject({ kind: "ecr-unavailable", ecrCode: "ServerException" });
    expect(error.message).not.toContain("arn:");
  });

  it.each([
    ["ThrottlingException", { httpStatusCode: 400 }],
    ["TooManyRequestsException", { httpStatusCode: 400 }],
    ["SomethingNew", { httpStatusCode: 429 }],
  ])(
    "translates throttling (%s) into ecr-throttled with ECR's message",
    async (name, $metadata) => {
      ecr
        .on(CreatePullThroughCacheRuleCommand)
        .rejects(
          new ECRServiceException({ name, $fault: "client", $metadata, message: "Rate exceeded" }),
        );

      const error = await caught(gateway().create(context(), spec));

      expect(error).toMatchObject({
        kind: "ecr-throttled",
        ecrCode: "ThrottlingException",
        message: "Rate exceeded",
      });
    },
  );

  it.each([
    [
      "AccessDeniedException",
      { httpStatusCode: 400 },
      "ecr-access-denied",
      "AccessDeniedException",
    ],
    ["<html>", { httpStatusCode: 502 }, "ecr-unavailable", undefined],
    ["constructor", { httpStatusCode: 400 }, "ecr-unavailable", "constructor"],
    ["__proto__", { httpStatusCode: 400 }, "ecr-unavailable", undefined],
  ])("translates an unmodelled %s into %s", async (name, $metadata, kind, ecrCode) => {
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .rejects(
        new ECRServiceException({ name, $fault: "client", $metadata, message: "raw SDK text" }),
      );

    const error = await caught(gateway().create(context(), spec));

    expect(error).toMatchObject({ kind, ecrCode });
    expect(error.message).not.toContain("raw SDK text");
  });

  it.each([
    [
      "an attempt timeout",
      Object.assign(new Error("timed out"), { name: "TimeoutError", code: "ETIMEDOUT" }),
      "ecr-timeout",
    ],
    ["an aborted call", Object.assign(new Error("aborted"), { name: "AbortError" }), "ecr-timeout"],
    [
      "a reset connection",
      Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" }),
      "ecr-unavailable",
    ],
    [
      "a refused connection",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      "ecr-unavailable",
    ],
    [
      "a connection timeout",
      Object.assign(new Error("no connection"), { name: "TimeoutError" }),
      "ecr-unavailable",
    ],
    ["a thrown string", "boom", "ecr-unavailable"],
  ])("translates %s into %s", async (_, thrown, kind) => {
    ecr.on(CreatePullThroughCacheRuleCommand).rejects(thrown);

    const error = await caught(gateway().create(context(), spec));

    expect(error.kind).toBe(kind);
  });

  it("gives up at its deadline even when ECR never answers, and aborts the SDK call", async () => {
    ecr.on(CreatePullThroughCacheRuleCommand).callsFake(() => new Promise(() => {}));
    const started = performance.now();

    const error = await caught(gateway().create(context(50), spec));

    expect(error).toMatchObject({ kind: "ecr-timeout" });
    expect(performance.now() - started).toBeLessThan(1_000);
    // The stub's type lists only the command; send's second argument holds the options.
    const options: unknown = Reflect.get(ecr.send.getCall(0).args, 1);
    expect(options).toMatchObject({ abortSignal: { aborted: true } });
  });
});

describe("EcrCacheRuleGateway.describe", () => {
  beforeEach(() => {
    ecr.reset();
  });

  it("asks for exactly one prefix and maps the rule, updatedAt and credential included", async () => {
    const rule = { ...spec, createdAt: new Date(1_000), updatedAt: new Date(2_000) };
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({ pullThroughCacheRules: [rule] });

    const found = await gateway().describe(context(), key);

    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)[0]?.args[0].input).toEqual({
      registryId: "123456789012",
      ecrRepositoryPrefixes: ["hub"],
    });
    expect(found).toEqual(rule);
  });

  it("fills in the key when ECR's rule omits registry id and prefix", async () => {
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({
      pullThroughCacheRules: [
        { ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "quay.io", createdAt: new Date(0) },
      ],
    });

    expect(await gateway().describe(context(), key)).toEqual({
      ...key,
      upstreamRegistryUrl: "quay.io",
      createdAt: new Date(0),
    });
  });

  it.each([
    ["an empty list", { pullThroughCacheRules: [] }],
    ["no list", {}],
  ])("reports a rule missing from %s as rule-not-found", async (_, answer) => {
    ecr.on(DescribePullThroughCacheRulesCommand).resolves(answer);

    const error = await caught(gateway().describe(context(), key));

    expect(error).toMatchObject({
      kind: "rule-not-found",
      ecrCode: "PullThroughCacheRuleNotFoundException",
    });
  });

  it.each([
    [PullThroughCacheRuleNotFoundException, "rule-not-found"],
    [InvalidParameterException, "ecr-rejected-request"],
    [ValidationException, "ecr-rejected-request"],
    [ServerException, "ecr-unavailable"],
  ])("translates %o into %s", async (Exception, kind) => {
    ecr
      .on(DescribePullThroughCacheRulesCommand)
      .rejects(new Exception({ message: "ECR's words", ...metadata }));

    expect((await caught(gateway().describe(context(), key))).kind).toBe(kind);
  });
});

describe("EcrCacheRuleGateway.list", () => {
  beforeEach(() => {
    ecr.reset();
  });

  it("asks for one page of the registry's rules and passes ECR's token both ways", async () => {
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({
      pullThroughCacheRules: [
        { ecrRepositoryPrefix: "a", upstreamRegistryUrl: "quay.io", createdAt: new Date(0) },
      ],
      nextToken: "ecr-token-2",
    });

    const page = await gateway().list(context(), "123456789012", {
      limit: 7,
      nextToken: "ecr-token-1",
    });

    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)[0]?.args[0].input).toEqual({
      registryId: "123456789012",
      maxResults: 7,
      nextToken: "ecr-token-1",
    });
    expect(page).toEqual({
      rules: [
        {
          registryId: "123456789012",
          ecrRepositoryPrefix: "a",
          upstreamRegistryUrl: "quay.io",
          createdAt: new Date(0),
        },
      ],
      nextToken: "ecr-token-2",
    });
  });

  it.each([
    ["no token", {}],
    ["an empty token", { nextToken: "" }],
  ])("treats a page with %s as the last", async (_, extra) => {
    ecr.on(DescribePullThroughCacheRulesCommand).resolves({ ...extra });

    expect(await gateway().list(context(), "123456789012", { limit: 50 })).toEqual({ rules: [] });
  });
});

describe("EcrCacheRuleGateway.delete, update and validate", () => {
  beforeEach(() => {
    ecr.reset();
  });

  it("deletes by key and maps the deleted rule", async () => {
    ecr.on(DeletePullThroughCacheRuleCommand).resolves({
      ...key,
      upstreamRegistryUrl: "quay.io",
      createdAt: new Date(0),
      customRoleArn: "arn:role",
      upstreamRepositoryPrefix: "golden",
    });

    const rule = await gateway().delete(context(), key);

    expect(ecr.commandCalls(DeletePullThroughCacheRuleCommand)[0]?.args[0].input).toEqual(key);
    expect(rule).toEqual({
      ...key,
      upstreamRegistryUrl: "quay.io",
      createdAt: new Date(0),
      customRoleArn: "arn:role",
      upstreamRepositoryPrefix: "golden",
    });
  });

  it("updates with exactly the credential and role given", async () => {
    ecr.on(UpdatePullThroughCacheRuleCommand).resolves({
      ...key,
      credentialArn: spec.credentialArn,
      updatedAt: new Date(5_000),
    });

    const updated = await gateway().update(context(), {
      ...key,
      credentialArn: spec.credentialArn,
    });

    expect(ecr.commandCalls(UpdatePullThroughCacheRuleCommand)[0]?.args[0].input).toEqual({
      ...key,
      credentialArn: spec.credentialArn,
    });
    expect(updated).toEqual({
      ...key,
      credentialArn: spec.credentialArn,
      updatedAt: new Date(5_000),
    });
  });

  it("fills in the key and leaves out what ECR's update answer lacks", async () => {
    ecr.on(UpdatePullThroughCacheRuleCommand).resolves({});

    expect(await gateway().update(context(), { ...key, customRoleArn: "arn:role" })).toEqual(key);
    expect(ecr.commandCalls(UpdatePullThroughCacheRuleCommand)[0]?.args[0].input).toEqual({
      ...key,
      customRoleArn: "arn:role",
    });
  });

  it("maps ECR's validation, failure only when ECR gives one", async () => {
    ecr
      .on(ValidatePullThroughCacheRuleCommand)
      .resolvesOnce({ ...key, upstreamRegistryUrl: "ghcr.io", isValid: false, failure: "401" })
      .resolvesOnce({ upstreamRegistryUrl: "ghcr.io", isValid: true, failure: "" });

    expect(await gateway().validate(context(), key)).toEqual({
      ...key,
      upstreamRegistryUrl: "ghcr.io",
      isValid: false,
      failure: "401",
    });
    expect(await gateway().validate(context(), key)).toEqual({
      ...key,
      upstreamRegistryUrl: "ghcr.io",
      isValid: true,
    });
  });

  it.each([
    ["no isValid", { upstreamRegistryUrl: "ghcr.io" }],
    ["no upstreamRegistryUrl", { isValid: true }],
  ])("treats a validation answer with %s as ECR failing", async (_, answer) => {
    ecr.on(ValidatePullThroughCacheRuleCommand).resolves(answer);

    expect((await caught(gateway().validate(context(), key))).kind).toBe("ecr-unavailable");
  });
});

describe("ECR's timestamps", () => {
  beforeEach(() => {
    ecr.reset();
  });

  it.each([
    ["an invalid date", new Date(Number.NaN)],
    ["a date past what ISO 8601 can write", new Date(8.64e15 + 1)],
  ])("treat %s as an answer that is not ECR's", async (_, createdAt) => {
    ecr
      .on(DescribePullThroughCacheRulesCommand)
      .resolves({ pullThroughCacheRules: [{ ...key, upstreamRegistryUrl: "quay.io", createdAt }] });

    expect((await caught(gateway().describe(context(), key))).kind).toBe("ecr-unavailable");
  });

  it("treat an invalid updatedAt from an update as ECR failing", async () => {
    ecr.on(UpdatePullThroughCacheRuleCommand).resolves({ updatedAt: new Date(Number.NaN) });

    expect((await caught(gateway().update(context(), key))).kind).toBe("ecr-unavailable");
  });
});

describe("the request's deadline", () => {
  beforeEach(() => {
    ecr.reset();
  });

  it("is already over: nothing is sent", async () => {
    const over = context(1);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect((await caught(gateway().describe(over, key))).kind).toBe("ecr-timeout");
    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)).toEqual([]);
  });

  it("is shared by every call of the request", async () => {
    ecr
      .on(DescribePullThroughCacheRulesCommand)
      .callsFake(
        () =>
          new Promise((resolve) => setTimeout(() => resolve({ pullThroughCacheRules: [] }), 60)),
      );
    const shared = context(100);

    await caught(gateway().describe(shared, key));
    const second = await caught(gateway().describe(shared, key));

    expect(second.kind).toBe("ecr-timeout");
  });

  it("passes on the failure of the client a request's calls go through, unchanged", async () => {
    const refused = new DomainError("role-timeout", "STS did not answer in time.");
    const roleless = new EcrCacheRuleGateway(() => Promise.reject(refused));

    expect(await caught(roleless.describe(context(), key))).toBe(refused);
    expect(ecr.commandCalls(DescribePullThroughCacheRulesCommand)).toEqual([]);
  });
});

describe("sanitiseEcrMessage", () => {
  it("strips control characters and line separators", () => {
    expect(sanitiseEcrMessage("bad\u0000value\r\n\u001b[31mred\u2028x", "fallback")).toBe(
      "bad value [31mred x",
    );
  });

  it("caps the length", () => {
    const message = sanitiseEcrMessage("x".repeat(5_000), "fallback");

    expect(message).toHaveLength(300);
    expect(message.endsWith("…")).toBe(true);
  });

  it("falls back when nothing printable is left", () => {
    expect(sanitiseEcrMessage("\u0000\n", "ValidationException")).toBe("ValidationException");
  });
});

describe("DeadlineAwareRetryStrategy", () => {
  const strategy = () => new DeadlineAwareRetryStrategy(3);

  it("refuses to retry LimitExceededException although the SDK counts it as throttling", async () => {
    const s = strategy();
    const token = await s.acquireInitialRetryToken("scope");
    const error = { name: "LimitExceededException", message: "quota", $metadata: {} };

    await expect(
      s.refreshRetryTokenForRetry(token, { error, errorType: "THROTTLING" }),
    ).rejects.toThrow("LimitExceededException is not retryable");
  });

  it("retries a transient error as the standard strategy does when no deadline is known", async () => {
    const s = strategy();
    const token = await s.acquireInitialRetryToken("scope");
    const error = { name: "ServerException", message: "oops", $metadata: {} };

    const next = await s.refreshRetryTokenForRetry(token, { error, errorType: "TRANSIENT" });

    expect(next.getRetryCount()).toBe(1);
  });
});
