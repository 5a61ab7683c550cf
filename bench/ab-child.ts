/**
 * Warm A/B in one process: imports several bundles and invokes them in alternating blocks
 * (A B C, B C A, …), timing each block's CPU. Machine drift, which makes separate warm processes
 * differ by ±20% on a shared host, then hits every bundle within the same second, so differences
 * of a few percent become visible. Used by `ab.ts` to measure levers; `run.ts` does not use it,
 * because bundles sharing a process also share its heap and garbage collector.
 *
 * Usage: `node ab-child.mjs <warmup> <blocks> <blockSize> <bundle.mjs>...`
 * @module
 */
import { writeSync } from "node:fs";
import { wholeNumber } from "./args.js";
import { createRuleEvent, lambdaContext, SCENARIOS } from "./event.js";
import { type Invoke, loadHandler } from "./invoke.js";
import { type AbReport, REPORT_FD } from "./protocol.js";

const main = async (): Promise<void> => {
  const [warmupArg, blocksArg, blockSizeArg, ...bundles] = process.argv.slice(2);
  if (bundles.length < 2) {
    throw new Error("usage: ab-child.mjs <warmup> <blocks> <blockSize> <bundle.mjs>...");
  }
  const warmup = wholeNumber(warmupArg, "warmup");
  const blocks = wholeNumber(blocksArg, "blocks");
  const blockSize = wholeNumber(blockSizeArg, "blockSize");

  const handlers: Invoke[] = [];
  for (const bundle of bundles) handlers.push(await loadHandler(bundle, SCENARIOS.create.status));
  for (let i = 0; i < warmup; i += 1) {
    for (const [index, handler] of handlers.entries()) {
      await handler(createRuleEvent(`warmup-${index}-${i}`), lambdaContext(`warmup-${index}-${i}`));
    }
  }

  const cpu = handlers.map((): number[] => []);
  const latencies = handlers.map((): number[] => []);
  for (let block = 0; block < blocks; block += 1) {
    for (let k = 0; k < handlers.length; k += 1) {
      const index = (block + k) % handlers.length;
      const handler = handlers[index];
      if (handler === undefined) continue;
      const before = process.cpuUsage();
      for (let i = 0; i < blockSize; i += 1) {
        const event = createRuleEvent(`block-${block}-${i}`);
        const context = lambdaContext(`block-${block}-${i}`);
        const started = performance.now();
        await handler(event, context);
        latencies[index]?.push(Math.round((performance.now() - started) * 1000) / 1000);
      }
      const used = process.cpuUsage(before);
      cpu[index]?.push((used.user + used.system) / 1000 / blockSize);
    }
  }
  const report: AbReport = {
    kind: "ab",
    bundles: handlers.map((_, index) => ({
      cpuPerCallMs: cpu[index] ?? [],
      latenciesMs: latencies[index] ?? [],
    })),
  };
  writeSync(REPORT_FD, `${JSON.stringify(report)}\n`);
};

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exit(1);
}
