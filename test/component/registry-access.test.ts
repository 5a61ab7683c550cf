import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { makeHandler } from "../../src/handlers/make-handler.js";
import { getRuleEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { InMemoryCacheRuleGateway } from "../fixtures/in-memory-gateway.js";
import { samplePolicy } from "../fixtures/policies.js";

const REGISTRY = "123456789012";
const ROLE = `arn:aws:iam::${REGISTRY}:role/ecr-cache-rules`;

describe("the request context the gateway receives", () => {
  it("carries the request id, one deadline, the caller and the registry's role session", async () => {
    const gateway = new InMemoryCacheRuleGateway();
    const handler = makeHandler({
      config: loadConfig(process.env),
      policy: {
        ok: true,
        source: "test",
        policy: {
          ...samplePolicy,
          registries: [{ id: REGISTRY, callers: ["111122223333"], roleArn: ROLE }],
        },
      },
      gateway,
    });

    const response = await handler(getRuleEvent(REGISTRY, "missing"), lambdaContext());

    expect(response.statusCode).toBe(404);
    const [call] = gateway.calls;
    expect(call?.context).toMatchObject({
      requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      caller: {
        accountId: "111122223333",
        arn: "arn:aws:sts::111122223333:assumed-role/platform/alice",
      },
      access: { roleArn: ROLE, sessionName: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" },
      deadline: { expiresAt: expect.any(Number), signal: expect.any(AbortSignal) },
    });
    // The deadline's timer is stopped once the request has its answer.
    expect(call?.context.deadline.signal.aborted).toBe(false);
  });
});
