/**
 * The requests benchmark invocations send, one per scenario: API Gateway REST (v1 payload) proxy
 * events the default policy admits, and a Lambda context with the fields Middy and Powertools
 * read. They are the test fixtures' shapes, so the benchmark sends what the component tests send.
 * @module
 */
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import {
  lambdaContext as fixtureContext,
  createRuleEvent as fixtureCreateEvent,
  getRuleEvent,
  listRulesEvent,
} from "../test/fixtures/api-gateway-event.js";

export const REGISTRY_ID = "123456789012";
export const REPOSITORY_PREFIX = "ecr-public";
export const UPSTREAM = "public.ecr.aws";

/**
 * A fresh event per invocation: the service's JSON body middleware replaces `body` with the
 * parsed object, so reusing one event would skip parsing from the second call on.
 */
export const createRuleEvent = (requestId: string): APIGatewayProxyEvent =>
  fixtureCreateEvent(
    { ecrRepositoryPrefix: REPOSITORY_PREFIX, upstreamRegistryUrl: UPSTREAM },
    { requestId },
  );

export interface Scenario {
  /** What a handler must answer: anything else would time an error path, so it stops the run. */
  readonly status: number;
  readonly event: (requestId: string) => APIGatewayProxyEvent;
}

/**
 * `create` is the judged path (`POST /registries/{registryId}/cache-rules`); `read` (`GET` of
 * the created rule) and `list` (`GET` of the registry's rules) go through the same function for
 * reading only. The reference bundles answer every request as a create.
 */
export const SCENARIOS = {
  create: { status: 201, event: createRuleEvent },
  read: {
    status: 200,
    event: (requestId) => getRuleEvent(REGISTRY_ID, REPOSITORY_PREFIX, { requestId }),
  },
  list: { status: 200, event: (requestId) => listRulesEvent(REGISTRY_ID, { requestId }) },
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;

const isScenarioName = (name: string): name is ScenarioName => Object.hasOwn(SCENARIOS, name);

/** The scenario a child was started for, or an error naming the known ones. */
export const scenarioNamed = (name: string | undefined): Scenario => {
  if (name === undefined || !isScenarioName(name)) {
    throw new Error(`scenario must be one of ${Object.keys(SCENARIOS).join(", ")}, got '${name}'`);
  }
  return SCENARIOS[name];
};

export const lambdaContext = (awsRequestId: string): Context => ({
  ...fixtureContext(),
  awsRequestId,
});
