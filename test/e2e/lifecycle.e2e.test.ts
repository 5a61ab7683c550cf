import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openApiDocument } from "../fixtures/openapi.js";
import { call, type LocalApi, postJson, startLocalApi } from "./local-api.js";

/**
 * Every route of the rule lifecycle over HTTP against `npm start` and its embedded ECR
 * emulator, with the test policy. Every answer is checked against the OpenAPI document.
 */
const REGISTRY = "123456789012";
const RULES = `/registries/${REGISTRY}/cache-rules`;
const SECRET = `arn:aws:secretsmanager:eu-west-1:${REGISTRY}:secret:ecr-pullthroughcache/docker-hub`;
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url));

let api: LocalApi;

const emulator = (path: string, init: RequestInit = {}) =>
  fetch(`${api.ecrEndpoint}/__emulator/${path}`, {
    ...init,
    headers: { "Content-Type": "application/json" },
  });

const seed = (rule: Record<string, unknown>) =>
  emulator("rules", { method: "POST", body: JSON.stringify({ registryId: REGISTRY, ...rule }) });

beforeAll(async () => {
  api = await startLocalApi({ POLICY_FILE: fixture("service.yaml") });
});

afterAll(async () => {
  await api.stop();
});

beforeEach(async () => {
  await emulator("reset", { method: "POST" });
});

describe("the rule lifecycle through npm start", () => {
  it("creates a credentialed rule with ECR's validation, and reads, lists and deletes it", async () => {
    const created = await postJson(api, {
      ecrRepositoryPrefix: "hub",
      upstreamRegistryUrl: "docker.io",
    });
    const read = await call(api, created.headers.get("location") ?? "");
    const listed = await call(api, RULES);
    const validated = await call(api, `${RULES}/hub/validation`);
    const deleted = await call(api, `${RULES}/hub`, { method: "DELETE" });
    const again = await call(api, `${RULES}/hub`, { method: "DELETE" });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      upstreamRegistryUrl: "registry-1.docker.io",
      credentialArn: SECRET,
      upstreamRegistry: "docker-hub",
      validation: { isValid: true },
    });
    expect(read.status).toBe(200);
    expect(listed.body).toEqual({
      rules: [expect.objectContaining({ ecrRepositoryPrefix: "hub", policy: "allowed" })],
    });
    expect(validated.body).toMatchObject({ ecrRepositoryPrefix: "hub", isValid: true });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ ecrRepositoryPrefix: "hub", credentialArn: SECRET });
    expect(again.status).toBe(404);
  });

  it("judges rules made outside the service", async () => {
    await seed({ ecrRepositoryPrefix: "stray", upstreamRegistryUrl: "registry.gitlab.com" });
    await seed({ ecrRepositoryPrefix: "nocred", upstreamRegistryUrl: "registry-1.docker.io" });
    await seed({ ecrRepositoryPrefix: "pub", upstreamRegistryUrl: "public.ecr.aws" });

    const listed = await call(api, RULES);

    expect(listed.body["rules"]).toEqual([
      expect.objectContaining({ ecrRepositoryPrefix: "stray", policy: "not-on-allowlist" }),
      expect.objectContaining({ ecrRepositoryPrefix: "nocred", policy: "drift" }),
      expect.objectContaining({ ecrRepositoryPrefix: "pub", policy: "allowed" }),
    ]);
  });

  it("pages through the rules with limit and nextToken", async () => {
    for (const prefix of ["a1", "a2", "a3", "a4", "a5"]) {
      await seed({ ecrRepositoryPrefix: prefix, upstreamRegistryUrl: "quay.io" });
    }

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const query = `?limit=2${token === undefined ? "" : `&nextToken=${encodeURIComponent(token)}`}`;
      const page = await call(api, `${RULES}${query}`);
      expect(page.status).toBe(200);
      seen.push(
        ...(page.body["rules"] as { ecrRepositoryPrefix: string }[]).map(
          (rule) => rule.ecrRepositoryPrefix,
        ),
      );
      token = page.body["nextToken"] as string | undefined;
    } while (token !== undefined);

    expect(seen).toEqual(["a1", "a2", "a3", "a4", "a5"]);
  });

  it("previews a create without making it", async () => {
    await seed({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });

    const preview = await postJson(
      api,
      { ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" },
      `${RULES}?dryRun=true`,
    );
    const fresh = await postJson(
      api,
      { ecrRepositoryPrefix: "fresh", upstreamRegistryUrl: "public.ecr.aws" },
      `${RULES}?dryRun=true`,
    );
    const calls = (await (await emulator("calls")).json()) as { calls: { operation: string }[] };

    expect(preview.body).toMatchObject({
      decision: "allowed",
      outcome: "existing",
      quota: { used: 1, limit: 50 },
    });
    expect(fresh.body).toMatchObject({
      outcome: "create",
      request: { upstreamRegistryUrl: "public.ecr.aws" },
    });
    expect(calls.calls.map((c) => c.operation)).not.toContain("CreatePullThroughCacheRule");
  });

  it("refuses a query parameter the route does not name, and never creates for it", async () => {
    const answer = await postJson(
      api,
      { ecrRepositoryPrefix: "typo", upstreamRegistryUrl: "quay.io" },
      `${RULES}?dryrun=true`,
    );
    const calls = (await (await emulator("calls")).json()) as { calls: unknown[] };

    expect(answer.status).toBe(400);
    expect(answer.body["errors"]).toEqual([
      { field: "dryrun", message: "is not a known query parameter; did you mean 'dryRun'?" },
    ]);
    expect(calls.calls).toEqual([]);
  });

  it("brings a drifted rule in line with the policy, and then finds nothing to do", async () => {
    await seed({ ecrRepositoryPrefix: "nocred", upstreamRegistryUrl: "registry-1.docker.io" });

    const synced = await call(api, `${RULES}/nocred/sync`, { method: "POST" });
    const again = await call(api, `${RULES}/nocred/sync`, { method: "POST" });
    const listed = await call(api, RULES);

    expect(synced.body).toMatchObject({ sync: "updated", credentialArn: SECRET });
    expect(again.body).toMatchObject({ sync: "unchanged" });
    expect(listed.body["rules"]).toEqual([
      expect.objectContaining({ ecrRepositoryPrefix: "nocred", policy: "allowed" }),
    ]);
  });

  it("refuses to sync a rule whose upstream is not allowed", async () => {
    await seed({ ecrRepositoryPrefix: "stray", upstreamRegistryUrl: "registry.gitlab.com" });

    const answer = await call(api, `${RULES}/stray/sync`, { method: "POST" });

    expect(answer.status).toBe(403);
  });

  it("says what a registry may use", async () => {
    const answer = await call(api, `/upstreams?registryId=${REGISTRY}`);

    expect(answer.status).toBe(200);
    expect((answer.body["upstreams"] as { url: string }[]).map((upstream) => upstream.url)).toEqual(
      ["public.ecr.aws", "registry.k8s.io", "quay.io", "registry-1.docker.io", "ghcr.io"],
    );
  });

  it("serves its OpenAPI document", async () => {
    const answer = await call(api, "/openapi.json");

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(openApiDocument);
  });
});
