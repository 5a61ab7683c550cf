import { describe, expect, it } from "vitest";
import { DomainError, type DomainErrorKind, SERVICE_CODES } from "../../src/domain/errors.js";
import { HttpError, type TransportErrorKind } from "../../src/http/http-error.js";
import { PROBLEM_TABLE, problemFor, problemResponse } from "../../src/http/problem.js";

describe("the error table", () => {
  it.each<[DomainErrorKind, number, string]>([
    ["invalid-request", 400, "ValidationFailed"],
    ["upstream-not-allowed", 403, "UpstreamNotAllowed"],
    ["registry-not-onboarded", 403, "RegistryNotOnboarded"],
    ["caller-not-authorized", 403, "CallerNotAuthorized"],
    ["cannot-remove-credential", 409, "CannotRemoveCredential"],
    ["policy-unavailable", 503, "PolicyUnavailable"],
    ["ecr-timeout", 504, "EcrTimeout"],
    ["role-unavailable", 502, "AssumeRoleFailed"],
    ["role-throttled", 429, "AssumeRoleFailed"],
    ["role-timeout", 504, "AssumeRoleFailed"],
  ])("answers %s with %i and the service's own code %s", (kind, status, code) => {
    const problem = problemFor(new DomainError(kind, "the error's own words"), "r1");

    expect(problem).toMatchObject({
      status,
      code,
      requestId: "r1",
      type: `urn:ecr-cache-rules:problem:${kind}`,
    });
    // STS's answers are never shown, whatever their status: they would name the role.
    expect(problem.detail === "the error's own words").toBe(
      status < 500 && !kind.startsWith("role-"),
    );
  });

  it.each<[DomainErrorKind, number]>([
    ["ecr-rejected-request", 400],
    ["upstream-unusable", 422],
    ["rule-not-found", 404],
    ["rule-conflict", 409],
    ["rule-quota-exceeded", 429],
    ["ecr-throttled", 429],
    ["ecr-access-denied", 502],
    ["ecr-unavailable", 502],
  ])("answers %s with %i and ECR's own exception name as the code", (kind, status) => {
    const problem = problemFor(
      new DomainError(kind, "ECR's words", { ecrCode: "SomeException" }),
      "r1",
    );

    expect(problem).toMatchObject({ status, code: "SomeException" });
    expect(problem.detail === "ECR's words").toBe(status < 500);
  });

  it("falls back to the row's code when an error from ECR carries no name", () => {
    expect(problemFor(new DomainError("ecr-unavailable", "unreachable"), "r1").code).toBe(
      "EcrUnavailable",
    );
  });

  it.each<[TransportErrorKind, number, string]>([
    ["invalid-body", 400, "InvalidBody"],
    ["payload-too-large", 413, "PayloadTooLarge"],
    ["unsupported-media-type", 415, "UnsupportedMediaType"],
    ["route-not-found", 404, "RouteNotFound"],
  ])("answers the transport failure %s with %i %s and its own words", (kind, status, code) => {
    expect(problemFor(new HttpError(kind, "how it was sent"), "r1")).toMatchObject({
      status,
      code,
      detail: "how it was sent",
    });
  });

  it("uses only the service's own codes where the code is its own", () => {
    for (const row of Object.values(PROBLEM_TABLE).filter((r) => !r.fromEcr)) {
      expect(SERVICE_CODES).toContain(row.code);
    }
  });

  it("tells whether a time-out may have changed something", () => {
    const timeout = new DomainError("ecr-timeout", "slow");

    expect(problemFor(timeout, "r1", { changes: true }).detail).toBe(
      "ECR did not answer in time. The change may or may not have been made; retrying is safe.",
    );
    expect(problemFor(timeout, "r1", { changes: false }).detail).toBe(
      "ECR did not answer in time. Nothing was changed; retrying is safe.",
    );
  });

  it("says who must act on ECR's access denied, and that retrying will not help", () => {
    const detail = problemFor(
      new DomainError("ecr-access-denied", "arn:aws:iam::1:role/x"),
      "r1",
    ).detail;

    expect(detail).toContain("retrying will not help");
    expect(detail).toContain("platform team");
    expect(detail).not.toContain("arn:");
    expect(detail).not.toMatch(/try again later/i);
  });

  it("answers anything unexpected as a generic 500", () => {
    expect(problemFor(new TypeError("x is undefined"), "r1")).toEqual({
      type: "urn:ecr-cache-rules:problem:internal",
      title: "Internal error",
      status: 500,
      detail: "The service failed unexpectedly. Try again later.",
      code: "InternalError",
      requestId: "r1",
    });
  });

  it("respects statusCode and expose on errors Middy's own middlewares throw", () => {
    const exposed = Object.assign(
      new Error("Content type defined as JSON but an invalid JSON payload"),
      {
        statusCode: 415,
        expose: true,
      },
    );
    const hidden = Object.assign(new Error("internal"), { statusCode: 422 });

    expect(problemFor(exposed, "r1")).toMatchObject({
      status: 415,
      code: "UnsupportedMediaType",
      detail: exposed.message,
    });
    expect(problemFor(hidden, "r1")).toMatchObject({
      status: 422,
      code: "ValidationFailed",
      detail: "The request could not be processed.",
    });
    expect(problemFor({ statusCode: 413 }, "r1")).toMatchObject({
      status: 413,
      code: "PayloadTooLarge",
    });
  });

  it("treats a statusCode outside 4xx as a bug", () => {
    expect(problemFor({ statusCode: 503 }, "r1").status).toBe(500);
    expect(problemFor({ statusCode: "400" }, "r1").status).toBe(500);
  });
});

describe("problemResponse", () => {
  const throttled = new DomainError("ecr-throttled", "slow down", {
    ecrCode: "ThrottlingException",
  });

  it("sets Retry-After where the table says so: the default when ECR named no wait", () => {
    expect(problemResponse(problemFor(throttled, "r1"), throttled).headers).toMatchObject({
      "Retry-After": "2",
    });
    const quota = new DomainError("rule-quota-exceeded", "50", {
      ecrCode: "LimitExceededException",
    });
    expect(problemResponse(problemFor(quota, "r1"), quota).headers).not.toHaveProperty(
      "Retry-After",
    );
  });

  it("passes on the wait ECR asked for", () => {
    const patient = new DomainError("ecr-throttled", "slow down", {
      ecrCode: "ThrottlingException",
      retryAfterSeconds: 30,
    });

    expect(problemResponse(problemFor(patient, "r1"), patient).headers).toMatchObject({
      "Retry-After": "30",
    });
  });
});
