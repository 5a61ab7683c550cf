/**
 * One benchmark process: imports a bundle, invokes its handler once with the scenario's request
 * as Lambda would after a cold start, and in `warm` mode keeps invoking it. Bundled by `run.ts`
 * to plain JavaScript so that no TypeScript loader runs in the measured process.
 *
 * Usage: `node child.mjs <bundle.mjs> create|read|list cold|warm [warmup] [iterations]`
 * @module
 */
import { writeSync } from "node:fs";
import { wholeNumber } from "./args.js";
import { lambdaContext, scenarioNamed } from "./event.js";
import { loadHandler } from "./invoke.js";
import { type ChildReport, REPORT_FD } from "./protocol.js";

const report = (message: ChildReport): void => {
  writeSync(REPORT_FD, `${JSON.stringify(message)}\n`);
};

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

const main = async (): Promise<void> => {
  const [bundle, scenarioName, mode, warmupArg = "0", iterationsArg = "0"] = process.argv.slice(2);
  if (bundle === undefined || (mode !== "cold" && mode !== "warm")) {
    throw new Error("usage: child.mjs <bundle.mjs> <scenario> cold|warm [warmup] [iterations]");
  }
  const scenario = scenarioNamed(scenarioName);

  const beforeImport = performance.now();
  const invoke = await loadHandler(bundle, scenario.status);
  const imported = performance.now();
  await invoke(scenario.event("cold-0"), lambdaContext("cold-0"));
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

  const warmup = wholeNumber(warmupArg, "warmup", { min: 0 });
  const iterations = wholeNumber(iterationsArg, "iterations", { min: 0 });
  for (let i = 0; i < warmup; i += 1) {
    await invoke(scenario.event(`warmup-${i}`), lambdaContext(`warmup-${i}`));
  }

  const latencies = new Float64Array(iterations);
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < iterations; i += 1) {
    // Built outside the timed span; the CPU figure still includes it, as the floor shows.
    const event = scenario.event(`warm-${i}`);
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
