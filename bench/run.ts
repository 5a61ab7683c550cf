/**
 * `npm run bench`: builds the deployable bundle and the reference bundles (sdk-only, sdk-stack,
 * a no-dependency floor) with the same esbuild options, then measures them interleaved in one
 * run (each round runs every bundle once, in rotating order, so machine drift hits all of them
 * alike) against a loopback ECR stub. Prints one table, a PASS/FAIL line per target against
 * sdk-stack and the same figures against sdk-only for reading; see BENCHMARKS.md.
 *
 * Options: `--quick` (smoke run), `--cold N` (cold rounds), `--warm-rounds N` (0: cold only),
 * `--warm-iterations N` (measured calls per warm process), `--warmup N`, `--strict` (exit 1 on a
 * missed target), `--variant name=path/to/index.mjs` (repeatable: an extra prebuilt bundle,
 * e.g. the service built from a patched copy, measured in the same rounds).
 * @module
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { wholeNumber } from "./args.js";
import {
  type BuiltBundle,
  type BundleSizes,
  buildAll,
  measureSizes,
  RESULTS_DIR,
} from "./bundles.js";
import {
  type ChildRun,
  childEnvironment,
  runChild,
  type StubCounts,
  startEcrStub,
  warnings,
} from "./processes.js";
import type { ColdReport, WarmReport } from "./protocol.js";
import {
  buildReport,
  CONTROL,
  type ColdRun,
  FLOOR,
  type LoadedFiles,
  type MeasuredVariant,
  SDK_ONLY,
  SDK_STACK,
  SERVICE,
  type WarmRun,
} from "./report.js";
import { median, quantile } from "./stats.js";

interface Settings {
  readonly quick: boolean;
  readonly coldRounds: number;
  readonly warmRounds: number;
  readonly warmIterations: number;
  readonly warmup: number;
  readonly strict: boolean;
  readonly extraVariants: readonly BuiltBundle[];
}

const parseSettings = (argv: readonly string[]): Settings => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      cold: { type: "string" },
      "warm-rounds": { type: "string" },
      "warm-iterations": { type: "string" },
      warmup: { type: "string" },
      strict: { type: "boolean", default: false },
      variant: { type: "string", multiple: true, default: [] },
    },
  });
  const quick = values.quick;
  const extraVariants = values.variant.map((spec): BuiltBundle => {
    const separator = spec.indexOf("=");
    if (separator <= 0) throw new Error(`--variant wants name=path/to/index.mjs, got '${spec}'`);
    const id = spec.slice(0, separator);
    return { id, label: id, entry: resolve(spec.slice(separator + 1)) };
  });
  return {
    quick,
    coldRounds: wholeNumber(values.cold, "--cold", { fallback: quick ? 6 : 60 }),
    // 0 skips the warm part: a cold-start-only comparison of levers in a third of the time.
    warmRounds: wholeNumber(values["warm-rounds"], "--warm-rounds", {
      fallback: quick ? 2 : 8,
      min: 0,
    }),
    warmIterations: wholeNumber(values["warm-iterations"], "--warm-iterations", {
      fallback: quick ? 500 : 1_500,
    }),
    // V8 needs about 2,500 calls before the SDK path stops getting faster (tiering up to
    // optimised code); measuring earlier would time the compiler, not the handler.
    warmup: wholeNumber(values.warmup, "--warmup", { fallback: quick ? 500 : 3_000 }),
    strict: values.strict,
    extraVariants,
  };
};

// ---------------------------------------------------------------------------------------------
// Rounds

const coldOf = (run: ChildRun, round: number): ColdRun => {
  const cold = run.reports.find((r): r is ColdReport => r.kind === "cold");
  if (cold === undefined) throw new Error("the child sent no cold report");
  return { round, wallMs: run.wallMs, cold };
};

const warmOf = (run: ChildRun, round: number): WarmRun => {
  const warm = run.reports.find((r): r is WarmReport => r.kind === "warm");
  if (warm === undefined) throw new Error("the child sent no warm report");
  return { round, warm };
};

/** Round `round` runs every variant once, starting at a different one each round. */
const rotated = <T>(items: readonly T[], round: number): T[] => {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
};

// ---------------------------------------------------------------------------------------------
// Measurement

interface Variant extends BuiltBundle {
  /** The id whose bundle this variant runs (the A/A control reruns sdk-stack's). */
  readonly bundleOf: string;
}

interface VariantSamples {
  readonly cold: ColdRun[];
  readonly warm: WarmRun[];
  loadedAtFirstAnswer?: LoadedFiles;
}

const progress = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** Files the bundle's directory holds that one cold start (to its first answer) really read. */
const inventory = async (
  variant: Variant,
  script: string,
  register: string,
  env: NodeJS.ProcessEnv,
): Promise<LoadedFiles> => {
  const list = join(RESULTS_DIR, `loaded-modules-${variant.id}.txt`);
  await rm(list, { force: true });
  await runChild(script, {
    nodeArgs: ["--import", register],
    env: { ...env, BENCH_LOADED_MODULES_FILE: list },
    args: [variant.entry, "create", "cold"],
  });
  const bundleDir = resolve(variant.entry, "..");
  const urls = new Set((await readFile(list, "utf8")).split("\n").filter((url) => url !== ""));
  const files = [...urls]
    .map((url) => fileURLToPath(url))
    .filter((file) => file.startsWith(bundleDir));
  const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size));
  return { bytes: sizes.reduce((sum, size) => sum + size, 0), files: files.length };
};

// ---------------------------------------------------------------------------------------------
// The run

interface Measured {
  readonly variants: readonly MeasuredVariant[];
  readonly stub: StubCounts;
}

/** Builds, then runs every round; the stub and the scratch HOME are removed however it ends. */
const measure = async (settings: Settings): Promise<Measured> => {
  progress("building bundles …");
  const builds = await buildAll();
  const base: Variant[] = [
    { ...builds.service, bundleOf: SERVICE },
    { ...builds.sdkOnly, bundleOf: SDK_ONLY },
    { ...builds.sdkStack, bundleOf: SDK_STACK },
    { ...builds.floor, bundleOf: FLOOR },
    ...settings.extraVariants.map((variant) => ({ ...variant, bundleOf: variant.id })),
  ];
  // sdk-stack against itself, in the same rounds: the noise band every ratio has to clear.
  const control: Variant = {
    ...builds.sdkStack,
    id: CONTROL,
    label: "sdk-stack A/A",
    bundleOf: SDK_STACK,
  };
  const variants = [...base, control];
  const sizes = new Map<string, BundleSizes>();
  for (const variant of base) sizes.set(variant.id, await measureSizes(variant.entry));
  const samples = new Map<string, VariantSamples>(
    variants.map((v) => [v.id, { cold: [], warm: [] }]),
  );
  const samplesOf = (id: string): VariantSamples => {
    const found = samples.get(id);
    if (found === undefined) throw new Error(`no samples for ${id}`);
    return found;
  };

  const stub = await startEcrStub(builds.harness.stub);
  let stubCounts: StubCounts | undefined;
  const home = await mkdtemp(join(RESULTS_DIR, "home-"));
  const env = childEnvironment(stub.url, home);
  const { child, inventoryRegister } = builds.harness;
  try {
    // Discarded: brings every bundle into the page cache before anything is timed.
    for (const variant of variants) {
      await runChild(child, { env, args: [variant.entry, "create", "cold"] });
    }

    progress(`cold starts: ${settings.coldRounds} rounds × ${variants.length} processes …`);
    for (let round = 0; round < settings.coldRounds; round += 1) {
      for (const variant of rotated(variants, round)) {
        const run = await runChild(child, { env, args: [variant.entry, "create", "cold"] });
        samplesOf(variant.id).cold.push(coldOf(run, round));
      }
      if ((round + 1) % 10 === 0) progress(`  round ${round + 1}/${settings.coldRounds}`);
    }

    progress(
      `warm: ${settings.warmRounds} rounds × ${variants.length} processes × ` +
        `${settings.warmIterations} calls (after ${settings.warmup} unmeasured) …`,
    );
    const warmArgs = [String(settings.warmup), String(settings.warmIterations)];
    for (let round = 0; round < settings.warmRounds; round += 1) {
      for (const variant of rotated(variants, round)) {
        const run = await runChild(child, {
          env,
          args: [variant.entry, "create", "warm", ...warmArgs],
        });
        samplesOf(variant.id).warm.push(warmOf(run, round));
      }
      progress(`  round ${round + 1}/${settings.warmRounds}`);
    }

    progress("inventory of modules loaded through the first answer …");
    for (const variant of base) {
      samplesOf(variant.id).loadedAtFirstAnswer = await inventory(
        variant,
        child,
        inventoryRegister,
        env,
      );
    }
  } finally {
    stubCounts = await stub.stop();
    await rm(home, { recursive: true, force: true });
  }

  return {
    stub: stubCounts,
    variants: variants.map((variant) => {
      const { cold, warm, loadedAtFirstAnswer } = samplesOf(variant.id);
      return {
        id: variant.id,
        label: variant.label,
        cold,
        warm,
        sizes: sizes.get(variant.bundleOf),
        loadedAtFirstAnswer:
          loadedAtFirstAnswer ?? samples.get(variant.bundleOf)?.loadedAtFirstAnswer,
      };
    }),
  };
};

const describeMachine = (): string => {
  const loads = loadavg().map((load) => load.toFixed(2));
  return (
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), ` +
    `load average ${loads.join(" ")} at the end`
  );
};

const main = async (): Promise<void> => {
  const settings = parseSettings(process.argv.slice(2));
  const startedAt = new Date();
  const started = performance.now();
  await mkdir(RESULTS_DIR, { recursive: true });

  const measured = await measure(settings);
  const report = buildReport(measured.variants, [
    SERVICE,
    ...settings.extraVariants.map((v) => v.id),
  ]);
  const machine = describeMachine();
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const operations = Object.entries(measured.stub.operations)
    .map(([operation, count]) => `${operation} ${count}`)
    .join(", ");
  const output = [
    "",
    `ECR cache-rule service benchmark, ${startedAt.toISOString()}` +
      (settings.quick ? " (--quick: a smoke run, not for decisions)" : ""),
    machine,
    `${settings.coldRounds} cold rounds; ${settings.warmRounds} warm rounds of ` +
      `${settings.warmIterations} measured calls after ${settings.warmup} unmeasured; ` +
      `${measured.variants.length} processes per round in rotating order`,
    `stub answered ${measured.stub.requests} requests (${operations}) over ` +
      `${measured.stub.connections} connections`,
    "",
    "Judged: the create path, one-account policy, against sdk-stack",
    "",
    report.table,
    "",
    ...report.verdicts,
    "",
    ...report.sdkOnlyFigures,
    "",
    `${report.missed === 0 ? "all targets met" : `${report.missed} target(s) missed`}; ${seconds} s`,
  ].join("\n");
  console.log(output);
  if (warnings.size > 0) progress(`\nchild stderr (each once):\n${[...warnings].join("\n---\n")}`);

  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const raw = {
    startedAt: startedAt.toISOString(),
    machine,
    settings,
    stub: measured.stub,
    // Latencies are summarised: 12,000 numbers per variant would make the file unreadable.
    variants: measured.variants.map(({ warm, ...rest }) => ({
      ...rest,
      warm: warm.map(({ round, warm: { latenciesMs, ...figures } }) => ({
        round,
        ...figures,
        p50: median(latenciesMs),
        p99: quantile(latenciesMs, 0.99),
      })),
    })),
    verdicts: report.verdicts,
    sdkOnlyFigures: report.sdkOnlyFigures,
  };
  await writeFile(join(RESULTS_DIR, `run-${stamp}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, `run-${stamp}.txt`), `${output}\n`);
  // A miss is a finding, not a crash: the table is the result. `--strict` is for a CI gate.
  if (settings.strict && report.missed > 0) process.exitCode = 1;
};

await main();
