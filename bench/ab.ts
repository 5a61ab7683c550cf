/**
 * `npx tsx bench/ab.ts [--processes 3] [--warmup 3000] [--blocks 40] [--block-size 250]
 * [--variant name=path/to/index.mjs]...`: warm CPU and latency of the service, sdk-only and any
 * extra bundles invoked in alternating blocks inside the same processes (see `ab-child.ts`).
 * For judging a lever's warm effect, which is smaller than the drift between separate processes;
 * the targets themselves are judged by `run.ts`.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { wholeNumber } from "./args.js";
import { type BuiltBundle, buildAll, RESULTS_DIR } from "./bundles.js";
import { childEnvironment, runChild, startEcrStub, warnings } from "./processes.js";
import type { AbReport } from "./protocol.js";
import { median, paired, quantile } from "./stats.js";

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      processes: { type: "string" },
      warmup: { type: "string" },
      blocks: { type: "string" },
      "block-size": { type: "string" },
      variant: { type: "string", multiple: true, default: [] },
    },
  });
  const processes = wholeNumber(values.processes, "--processes", { fallback: 3 });
  const warmup = wholeNumber(values.warmup, "--warmup", { fallback: 3_000 });
  const blocks = wholeNumber(values.blocks, "--blocks", { fallback: 40 });
  const blockSize = wholeNumber(values["block-size"], "--block-size", { fallback: 250 });

  const builds = await buildAll();
  const bundles: BuiltBundle[] = [
    builds.sdkOnly,
    builds.service,
    builds.sdkStack,
    ...values.variant.map((spec): BuiltBundle => {
      const separator = spec.indexOf("=");
      if (separator <= 0) throw new Error(`--variant wants name=path/to/index.mjs, got '${spec}'`);
      const id = spec.slice(0, separator);
      return { id, label: id, entry: resolve(spec.slice(separator + 1)) };
    }),
  ];

  const stub = await startEcrStub(builds.harness.stub);
  const home = await mkdtemp(join(RESULTS_DIR, "home-"));
  const reports: AbReport[] = [];
  try {
    for (let run = 0; run < processes; run += 1) {
      // Each process loads the bundles in a different order, so none is always imported first.
      const order = bundles.map((_, k) => (k + run) % bundles.length);
      const { reports: sent } = await runChild(builds.harness.abChild, {
        env: childEnvironment(stub.url, home),
        args: [
          String(warmup),
          String(blocks),
          String(blockSize),
          ...order.map((k) => bundles[k]?.entry ?? ""),
        ],
      });
      const report = sent.find((r): r is AbReport => r.kind === "ab");
      if (report === undefined) throw new Error("ab-child sent no report");
      // Back into the order of `bundles`.
      reports.push({
        kind: "ab",
        bundles: bundles.map((_, k) => {
          const found = report.bundles[order.indexOf(k)];
          if (found === undefined) throw new Error("ab-child report is missing a bundle");
          return found;
        }),
      });
      process.stderr.write(`process ${run + 1}/${processes} done\n`);
    }
  } finally {
    await stub.stop();
    await rm(home, { recursive: true, force: true });
  }

  const cpuOf = (k: number): number[] => reports.flatMap((r) => r.bundles[k]?.cpuPerCallMs ?? []);
  const latencyOf = (k: number): number[] =>
    reports.flatMap((r) => r.bundles[k]?.latenciesMs ?? []);
  const ratioTo = (k: number, reference: number): string =>
    `${median(paired(cpuOf(k), cpuOf(reference), (x, y) => x / y)).toFixed(3)}×`;
  console.log(
    `${processes} processes × ${blocks} blocks × ${blockSize} calls per bundle ` +
      `(after ${warmup} unmeasured each), blocks rotating`,
  );
  console.log(
    `${"bundle".padEnd(24)}${"CPU/call ms".padStart(12)}${"÷ sdk-only".padStart(12)}` +
      `${"÷ service".padStart(12)}${"p50 ms".padStart(10)}${"p99 ms".padStart(10)}`,
  );
  bundles.forEach((bundle, k) => {
    console.log(
      `${bundle.label.padEnd(24)}${median(cpuOf(k)).toFixed(3).padStart(12)}` +
        `${ratioTo(k, 0).padStart(12)}${ratioTo(k, 1).padStart(12)}` +
        `${quantile(latencyOf(k), 0.5).toFixed(3).padStart(10)}` +
        `${quantile(latencyOf(k), 0.99).toFixed(3).padStart(10)}`,
    );
  });
  if (warnings.size > 0) process.stderr.write(`child stderr:\n${[...warnings].join("\n---\n")}\n`);
};

await main();
