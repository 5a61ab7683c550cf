/**
 * One benchmark process: imports a bundle, invokes its handler once as Lambda would after a cold
 * start, and in `warm` mode keeps invoking it. Bundled by `run.ts` to plain JavaScript so that no
 * TypeScript loader runs in the measured process.
 *
 * Usage: `node child.mjs <bundle.mjs> cold|warm [warmup] [iterations]`
 * @module
 */
import { writeSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { createRuleEvent, lambdaContext } from "./event.js";
import { type ChildReport, REPORT_FD } from "./protocol.js";

type Invoke = (event: APIGatewayProxyEvent, context: Context) => Promise<void>;

const report = (message: ChildReport): void => {
  writeSync(REPORT_FD, `${JSON.stringify(message)}\n`);
};

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

const invokerFor = async (bundle: string): Promise<Invoke> => {
  const namespace: Record<string, unknown> = await import(pathToFileURL(resolve(bundle)).href);
  const handler = namespace["handler"];
  if (typeof handler !== "function") throw new Error(`${bundle} exports no handler function`);
  return async (event, context) => {
    const result: unknown = await handler(event, context);
    const status =
      typeof result === "object" && result !== null ? Reflect.get(result, "statusCode") : result;
    // A 4xx or 5xx would time the error path instead of the create path: stop the run.
    if (status !== 201) {
      throw new Error(`expected 201, got ${JSON.stringify(result)}`);
    }
  };
};

const wholeNumber = (raw: string | undefined, name: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
};

const main = async (): Promise<void> => {
  const [bundle, mode, warmupArg = "0", iterationsArg = "0"] = process.argv.slice(2);
  if (bundle === undefined || (mode !== "cold" && mode !== "warm")) {
    throw new Error("usage: child.mjs <bundle.mjs> cold|warm [warmup] [iterations]");
  }

  const beforeImport = performance.now();
  const invoke = await invokerFor(bundle);
  const imported = performance.now();
  await invoke(createRuleEvent("cold-0"), lambdaContext("cold-0"));
  const answered = performance.now();
  report({
    kind: "cold",
    importMs: imported - beforeImport,
    firstInvokeMs: answered - imported,
    sinceOriginMs: answered,
    cpuMs: cpuMs(process.cpuUsage()),
    maxRssKiB: process.resourceUsage().maxRSS,
  });
  if (mode === "cold") return;

  const warmup = wholeNumber(warmupArg, "warmup");
  const iterations = wholeNumber(iterationsArg, "iterations");
  for (let i = 0; i < warmup; i += 1) {
    await invoke(createRuleEvent(`warmup-${i}`), lambdaContext(`warmup-${i}`));
  }

  const latencies = new Float64Array(iterations);
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < iterations; i += 1) {
    // Built outside the timed span; the CPU figure still includes it, as the floor shows.
    const event = createRuleEvent(`warm-${i}`);
    const context = lambdaContext(`warm-${i}`);
    const started = performance.now();
    await invoke(event, context);
    latencies[i] = performance.now() - started;
  }
  const cpu = cpuMs(process.cpuUsage(cpuBefore));
  report({
    kind: "warm",
    invocations: iterations,
    latenciesMs: Array.from(latencies, (ms) => Math.round(ms * 1000) / 1000),
    cpuPerCallMs: cpu / iterations,
    maxRssKiB: process.resourceUsage().maxRSS,
    heapUsedKiB: Math.round(process.memoryUsage().heapUsed / 1024),
  });
};

try {
  await main();
  // The SDK keeps its connection alive; the measurement is over, so do not wait for it.
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exit(1);
}
