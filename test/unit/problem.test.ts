import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { problemFor, problemResponse } from "../../src/http/problem.js";

describe("problemFor", () => {
  it.each([
    ["invalid-request", 400],
    ["payload-too-large", 413],
    ["unsupported-media-type", 415],
    ["upstream-not-allowed", 403],
    ["ecr-rejected-request", 400],
    ["upstream-unusable", 422],
    ["rule-not-found", 404],
    ["rule-conflict", 409],
    ["rule-quota-exceeded", 429],
    ["ecr-throttled", 429],
    ["policy-unavailable", 503],
    ["ecr-unavailable", 502],
    ["ecr-timeout", 504],
  ] as const)("answers %s with %i, echoing the message only below 500", (kind, status) => {
    const problem = problemFor(new DomainError(kind, "Code", "the error's own words"), "r1");

    expect(problem).toMatchObject({
      status,
      code: "Code",
      requestId: "r1",
      type: `urn:ecr-cache-rules:problem:${kind}`,
    });
    expect(problem.detail === "the error's own words").toBe(status < 500);
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
      code: "InvalidRequest",
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
  it("sets Retry-After only for throttling", () => {
    const problem = problemFor(
      new DomainError("ecr-throttled", "ThrottlingException", "slow down"),
      "r1",
    );

    expect(problemResponse(problem, "ecr-throttled").headers).toMatchObject({ "Retry-After": "2" });
    expect(problemResponse(problem, "rule-quota-exceeded").headers).not.toHaveProperty(
      "Retry-After",
    );
  });
});
