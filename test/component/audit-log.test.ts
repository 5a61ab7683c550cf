import {
  CreatePullThroughCacheRuleCommand,
  ECRClient,
  LimitExceededException,
  ServerException,
} from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createRuleEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { type Handler, handlerFor } from "../fixtures/handler.js";
import { captureLogs } from "../fixtures/log-capture.js";

// The logger takes its level once, when the handler module is first imported.
vi.hoisted(() => {
  process.env["POWERTOOLS_LOG_LEVEL"] = "INFO";
});

const ecr = mockClient(ECRClient);
const REGISTRY = "123456789012";
const metadata = { $metadata: { httpStatusCode: 400, requestId: "ecr-req" } };
let handler: Handler;

const invoke = (
  event = createRuleEvent({
    ecrRepositoryPrefix: "ecr-public",
    upstreamRegistryUrl: "public.ecr.aws",
  }),
) => handler(event, lambdaContext());

beforeAll(async () => {
  handler = await handlerFor();
});

beforeEach(() => {
  ecr.reset();
  ecr.on(CreatePullThroughCacheRuleCommand).callsFake((input: Record<string, unknown>) => ({
    ...input,
    createdAt: new Date("2026-11-27T10:00:00.000Z"),
  }));
});

describe("the audit line", () => {
  let logs: ReturnType<typeof captureLogs>;

  beforeEach(() => {
    logs = captureLogs();
  });

  afterEach(() => {
    logs.restore();
  });

  const auditLines = () => logs.entries().filter((entry) => entry["message"] === "audit");

  it("records an allowed create with caller, upstream as sent and as canonicalised, and status", async () => {
    await invoke(createRuleEvent({ ecrRepositoryPrefix: "hub", upstreamRegistryUrl: "Docker.io" }));

    expect(auditLines()).toEqual([
      expect.objectContaining({
        requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        callerAccount: "111122223333",
        callerArn: "arn:aws:sts::111122223333:assumed-role/platform/alice",
        registryId: REGISTRY,
        ecrRepositoryPrefix: "hub",
        upstreamRequested: "Docker.io",
        upstreamCanonical: "registry-1.docker.io",
        policyDecision: "allowed",
        status: 201,
        durationMs: expect.any(Number),
      }),
    ]);
  });

  it.each([
    ["denied", { ecrRepositoryPrefix: "x1", upstreamRegistryUrl: "evil.example" }, 403],
    ["invalid", { ecrRepositoryPrefix: "x1", upstreamRegistryUrl: "quay.io:443" }, 400],
    ["invalid", "{not json", 400],
  ])("records a %s decision exactly once", async (decision, body, status) => {
    await invoke(createRuleEvent(body));

    expect(auditLines()).toEqual([expect.objectContaining({ policyDecision: decision, status })]);
  });

  it.each([
    ["its media type (415)", { headers: {} }, 415],
    ["its body (400)", { body: "{not json" }, 400],
  ])("marks a dry run refused for %s as a dry run", async (_, options, status) => {
    await invoke(
      createRuleEvent(
        { ecrRepositoryPrefix: "x1", upstreamRegistryUrl: "quay.io" },
        { query: { dryRun: "true" }, ...options },
      ),
    );

    expect(auditLines()).toEqual([expect.objectContaining({ dryRun: true, status })]);
    expect(ecr.calls()).toEqual([]);
  });

  it("records ECR's error code", async () => {
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .rejects(new LimitExceededException({ message: "quota", ...metadata }));

    await invoke();

    expect(auditLines()).toEqual([
      expect.objectContaining({ ecrErrorCode: "LimitExceededException", status: 429 }),
    ]);
  });

  it("never logs credentials, headers or the rest of the body", async () => {
    const event = createRuleEvent(
      {
        ecrRepositoryPrefix: "ecr-public",
        upstreamRegistryUrl: "public.ecr.aws",
        secret: "body-secret-value",
      },
      {
        headers: {
          "Content-Type": "application/json",
          Authorization:
            "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261128, Signature=deadbeefsignature",
          "X-Amz-Security-Token": "session-token-value",
        },
      },
    );

    await invoke(event);

    expect(auditLines()).toHaveLength(1);
    expect(logs.raw()).not.toMatch(
      /deadbeefsignature|session-token-value|body-secret-value|AKIAEXAMPLE/,
    );
  });

  it("bounds what it copies from the request", async () => {
    await invoke(
      createRuleEvent({ ecrRepositoryPrefix: "ab", upstreamRegistryUrl: `${"a".repeat(5000)}.io` }),
    );

    const [line] = auditLines();
    expect(String(line?.["upstreamRequested"])).toHaveLength(256);
  });

  it("logs the cause of a 5xx separately from the answer", async () => {
    ecr
      .on(CreatePullThroughCacheRuleCommand)
      .rejects(new ServerException({ message: "ECR internals", $metadata: {} }));

    const response = await invoke();

    expect(response.body).not.toContain("ECR internals");
    expect(logs.entries()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: "ERROR",
          message: "request failed",
          code: "ServerException",
        }),
      ]),
    );
  });
});
