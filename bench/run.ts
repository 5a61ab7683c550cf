/**
 * `npm run bench`: builds the deployable bundle, the reference bundles (sdk-only, sdk-stack, a
 * no-dependency floor) with the same esbuild options, and the service once more with a policy
 * that onboards the benchmark's registry with a role; then measures them interleaved in one run
 * (each round runs the service and every reference once, in rotating order, so machine drift
 * hits all of them alike; the reading-only variants join half the rounds) against a loopback ECR
 * and STS stub. Prints the judged table with a PASS/FAIL line per
 * target against sdk-stack, the same figures against sdk-only, and a second table of other
 * requests through the same function (read, list, a create under an assumed role), for reading;
 * see BENCHMARKS.md.
 *
 * Options: `--quick` (smoke run), `--cold N` (cold rounds), `--warm-rounds N` (0: cold only),
 * `--warm-iterations N` (measured calls per warm process), `--warmup N`,
 * `--reading-cold-rounds N` and `--reading-warm-rounds N` (in how many of the cold and warm rounds
 * the reading-only variants run: read and list cold only, the assumed-role create both),
 * `--judged-only` (no reading-only variants at all), `--strict` (exit 1 on a
 * missed target), `--variant name=path/to/index.mjs` (repeatable: an extra prebuilt bundle,
 * e.g. the service built from a patched copy, measured and judged in the same rounds).
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
import type { ScenarioName } from "./event.js";
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
  LIST,
  type LoadedFiles,
  type MeasuredVariant,
  READ,
  ROLE,
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
  readonly readingColdRounds: number;
  readonly readingWarmRounds: number;
  readonly judgedOnly: boolean;
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
      "reading-cold-rounds": { type: "string" },
      "reading-warm-rounds": { type: "string" },
      "judged-only": { type: "boolean", default: false },
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
  const warmRounds = wholeNumber(values["warm-rounds"], "--warm-rounds", {
    fallback: quick ? 2 : 8,
    min: 0,
  });
  const coldRounds = wholeNumber(values.cold, "--cold", { fallback: quick ? 6 : 60 });
  return {
    quick,
    coldRounds,
    // 0 skips the warm part: a cold-start-only comparison of levers in a third of the time.
    warmRounds,
    warmIterations: wholeNumber(values["warm-iterations"], "--warm-iterations", {
      fallback: quick ? 400 : 1_500,
    }),
    // V8 needs about 2,500 calls before the SDK path stops getting faster (tiering up to
    // optimised code); measuring earlier would time the compiler, not the handler.
    warmup: wholeNumber(values.warmup, "--warmup", { fallback: quick ? 400 : 3_000 }),
    // The reading-only variants are not judged: half the rounds keep the run short (a request
    // under a role costs about twice a plain one warm) and still give a median of many pairs.
    readingColdRounds: Math.min(
      coldRounds,
      wholeNumber(values["reading-cold-rounds"], "--reading-cold-rounds", {
        fallback: Math.ceil(coldRounds / 2),
        min: 0,
      }),
    ),
    readingWarmRounds: Math.min(
      warmRounds,
      wholeNumber(values["reading-warm-rounds"], "--reading-warm-rounds", {
        fallback: quick ? 1 : 4,
        min: 0,
      }),
    ),
    judgedOnly: values["judged-only"],
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

/** Whether round `round` of `rounds` is one of `chosen` rounds spread evenly over the run. */
const chosenRound = (round: number, chosen: number, rounds: number): boolean =>
  Math.floor(((round + 1) * chosen) / rounds) > Math.floor((round * chosen) / rounds);

// ---------------------------------------------------------------------------------------------
// Measurement

interface Variant extends BuiltBundle {
  /** The id whose bundle this variant runs (the A/A control reruns sdk-stack's). */
  readonly bundleOf: string;
  /** The request it sends; the reference bundles answer every request as a create. */
  readonly scenario: ScenarioName;
  /** Not judged: runs only in the reading rounds (see `--reading-cold-rounds`). */
  readonly readingOnly: boolean;
  /** Runs warm processes too (read and list are measured cold only). */
  readonly warm: boolean;
}

interface VariantSamples {
  readonly cold: ColdRun[];
  readonly warm: WarmRun[];
  loadedAtFirstAnswer?: LoadedFiles;
}

const began = performance.now();
const progress = (message: string): void => {
  const seconds = ((performance.now() - began) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`${seconds} s  ${message}\n`);
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
    args: [variant.entry, variant.scenario, "cold"],
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
  const judged = (bundle: BuiltBundle, bundleOf = bundle.id): Variant => ({
    ...bundle,
    bundleOf,
    scenario: "create",
    readingOnly: false,
    warm: true,
  });
  const reading = (
    bundle: BuiltBundle,
    id: string,
    label: string,
    scenario: ScenarioName,
    warm: boolean,
  ): Variant => ({ ...bundle, id, label, bundleOf: bundle.id, scenario, readingOnly: true, warm });
  const variants: Variant[] = [
    judged(builds.service),
    judged(builds.sdkOnly),
    judged(builds.sdkStack),
    judged(builds.floor),
    ...settings.extraVariants.map((variant) => judged(variant)),
    // sdk-stack against itself, in the same rounds: the noise band every ratio has to clear.
    judged({ ...builds.sdkStack, id: CONTROL, label: "sdk-stack A/A" }, SDK_STACK),
    // The same function for other requests, for reading: a cold read and list, and a create
    // under an assumed role, cold and (in fewer rounds) warm.
    ...(settings.judgedOnly
      ? []
      : [
          reading(builds.service, READ, "read", "read", false),
          reading(builds.service, LIST, "list", "list", false),
          reading(builds.serviceRole, ROLE, "create, assumed role", "create", true),
        ]),
  ];
  const sizes = new Map<string, BundleSizes>();
  for (const variant of variants) {
    if (!sizes.has(variant.bundleOf)) {
      sizes.set(variant.bundleOf, await measureSizes(variant.entry));
    }
  }
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
      await runChild(child, { env, args: [variant.entry, variant.scenario, "cold"] });
    }

    const judgedCount = variants.filter((v) => !v.readingOnly).length;
    const readingCount = variants.length - judgedCount;
    /** The variants of one round: the reading-only ones only in `chosen` of `rounds` rounds. */
    const roundOf = (
      candidates: readonly Variant[],
      round: number,
      chosen: number,
      rounds: number,
    ): Variant[] =>
      rotated(
        candidates.filter((v) => !v.readingOnly || chosenRound(round, chosen, rounds)),
        round,
      );
    const andReading = (count: number, rounds: number): string =>
      count === 0 || rounds === 0 ? "" : `, and in ${rounds} of them ${count} reading-only`;

    progress(
      `cold starts: ${settings.coldRounds} rounds × ${judgedCount} processes` +
        `${andReading(readingCount, settings.readingColdRounds)} …`,
    );
    for (let round = 0; round < settings.coldRounds; round += 1) {
      for (const variant of roundOf(
        variants,
        round,
        settings.readingColdRounds,
        settings.coldRounds,
      )) {
        const run = await runChild(child, { env, args: [variant.entry, variant.scenario, "cold"] });
        samplesOf(variant.id).cold.push(coldOf(run, round));
      }
      if ((round + 1) % 10 === 0) progress(`  round ${round + 1}/${settings.coldRounds}`);
    }

    const warmed = variants.filter((v) => v.warm);
    const warmedJudged = warmed.filter((v) => !v.readingOnly).length;
    progress(
      `warm: ${settings.warmRounds} rounds × ${warmedJudged} processes × ` +
        `${settings.warmIterations} calls (after ${settings.warmup} unmeasured)` +
        `${andReading(warmed.length - warmedJudged, settings.readingWarmRounds)} …`,
    );
    const warmArgs = [String(settings.warmup), String(settings.warmIterations)];
    for (let round = 0; round < settings.warmRounds; round += 1) {
      for (const variant of roundOf(
        warmed,
        round,
        settings.readingWarmRounds,
        settings.warmRounds,
      )) {
        const run = await runChild(child, {
          env,
          args: [variant.entry, variant.scenario, "warm", ...warmArgs],
        });
        samplesOf(variant.id).warm.push(warmOf(run, round));
      }
      progress(`  round ${round + 1}/${settings.warmRounds}`);
    }

    progress("inventory of modules loaded through the first answer …");
    for (const variant of variants) {
      if (variant.id === CONTROL) continue;
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
  const reading = measured.variants.some((v) => v.id === ROLE)
    ? `; read, list and the assumed-role create in ${settings.readingColdRounds} of the cold ` +
      `rounds, the assumed-role create in ${settings.readingWarmRounds} of the warm ones`
    : "";
  const output = [
    "",
    `ECR cache-rule service benchmark, ${startedAt.toISOString()}` +
      (settings.quick ? " (--quick: a smoke run, not for decisions)" : ""),
    machine,
    `${settings.coldRounds} cold rounds; ${settings.warmRounds} warm rounds of ` +
      `${settings.warmIterations} measured calls after ${settings.warmup} unmeasured${reading}; ` +
      "each round in rotating order",
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
    ...(report.otherRequestsTable === ""
      ? []
      : [
          "",
          "For reading: other requests through the same function, against its create",
          "",
          report.otherRequestsTable,
          "",
          ...report.otherRequestFigures,
        ]),
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
    otherRequestFigures: report.otherRequestFigures,
  };
  await writeFile(join(RESULTS_DIR, `run-${stamp}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, `run-${stamp}.txt`), `${output}\n`);
  // A miss is a finding, not a crash: the table is the result. `--strict` is for a CI gate.
  if (settings.strict && report.missed > 0) process.exitCode = 1;
};

await main();
