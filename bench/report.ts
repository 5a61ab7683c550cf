/**
 * Turns one run's samples into the tables and the PASS/FAIL lines. Every comparison of timed
 * figures is paired: round i of a variant against round i of its reference, which ran a few
 * hundred milliseconds away, and the median of those per-round ratios (or differences) is what a
 * target is checked against. The targets are against sdk-stack (see `targets.ts`); the same
 * figures against sdk-only, and the other requests through the service's function, are printed
 * for reading and never judged.
 * @module
 */
import type { BundleSizes } from "./bundles.js";
import type { ColdReport, WarmReport } from "./protocol.js";
import { median, quantile, type Spread, spread } from "./stats.js";
import {
  BYTES_AT_START_LIMIT,
  COLD_START_LIMIT,
  PEAK_RSS_LIMIT,
  WARM_CPU_LIMIT,
  WARM_P50_EXTRA_MS,
  WARM_P99_LIMIT,
} from "./targets.js";

export const SERVICE = "service";
export const SDK_ONLY = "sdk-only";
export const FLOOR = "floor";
/** sdk-only plus Middy, Powertools Logger and one audit-shaped line: what the contract requires. */
export const SDK_STACK = "sdk-stack";
/** sdk-stack again, in the same rounds: the noise band every ratio has to clear. */
export const CONTROL = "sdk-stack-aa";
/** `GET` of one rule, through the service's bundle. */
export const READ = "service-read";
/** `GET` of the registry's rules, through the service's bundle. */
export const LIST = "service-list";
/** The create, through the bundle whose policy onboards the registry with a role to assume. */
export const ROLE = "service-role";

export interface ColdRun {
  /** The round the process ran in: what pairs it with its reference's process. */
  readonly round: number;
  /** From `spawn()` to the first answer, seen by the orchestrator. */
  readonly wallMs: number;
  readonly cold: ColdReport;
}

export interface WarmRun {
  readonly round: number;
  readonly warm: WarmReport;
}

export interface LoadedFiles {
  readonly bytes: number;
  readonly files: number;
}

export interface MeasuredVariant {
  readonly id: string;
  readonly label: string;
  readonly cold: readonly ColdRun[];
  readonly warm: readonly WarmRun[];
  readonly sizes: BundleSizes | undefined;
  readonly loadedAtFirstAnswer: LoadedFiles | undefined;
}

/** One figure per round, by round number. */
type RoundSeries = ReadonlyMap<number, number>;

const byRound = <T extends { readonly round: number }>(
  runs: readonly T[],
  pick: (run: T) => number,
): RoundSeries => new Map(runs.map((run) => [run.round, pick(run)]));

/** The per-round figures of one variant. */
const seriesOf = (variant: MeasuredVariant) => ({
  coldWall: byRound(variant.cold, (r) => r.wallMs),
  coldImport: byRound(variant.cold, (r) => r.cold.importMs),
  coldFirstInvoke: byRound(variant.cold, (r) => r.cold.firstInvokeMs),
  coldCpu: byRound(variant.cold, (r) => r.cold.cpuMs),
  coldRss: byRound(variant.cold, (r) => r.cold.maxRssKiB),
  warmP50: byRound(variant.warm, (r) => median(r.warm.latenciesMs)),
  warmP99: byRound(variant.warm, (r) => quantile(r.warm.latenciesMs, 0.99)),
  warmCpu: byRound(variant.warm, (r) => r.warm.cpuPerCallMs),
  warmRss: byRound(variant.warm, (r) => r.warm.maxRssKiB),
});
type SeriesKey = keyof ReturnType<typeof seriesOf>;

/** `f(a, b)` for every round both series have: the paired comparison. */
const pairedByRound = (
  a: RoundSeries,
  b: RoundSeries,
  f: (x: number, y: number) => number,
): number[] =>
  [...a].flatMap(([round, x]) => {
    const y = b.get(round);
    return y === undefined ? [] : [f(x, y)];
  });

const ms = (value: number): string =>
  Number.isNaN(value)
    ? "-"
    : value.toFixed(Math.abs(value) < 0.01 ? 4 : Math.abs(value) < 10 ? 3 : 1);
const mib = (kib: number): string => (kib / 1024).toFixed(1);
const kb = (bytes: number): string => (bytes / 1000).toFixed(1);
const ratio = (value: number): string => (Number.isNaN(value) ? "-" : `${value.toFixed(3)}×`);
/** A difference with its sign; one that rounds to zero is "+0", never "-0". */
const signed = (value: number, format: (v: number) => string, unit: string): string => {
  if (Number.isNaN(value)) return "-";
  const size = format(Math.abs(value));
  return `${value < 0 && Number(size) !== 0 ? "-" : "+"}${size} ${unit}`;
};
const signedMs = (value: number): string =>
  signed(value, (v) => v.toFixed(Math.abs(v) < 10 ? 3 : 1), "ms");
const triple = ({ min, median: mid, max }: Spread, format: (v: number) => string): string =>
  Number.isNaN(mid) ? "-" : `${format(min)} / ${format(mid)} / ${format(max)}`;

const renderTable = (rows: readonly (readonly string[])[]): string => {
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((width, column) => (cells[column] ?? "").padEnd(width)).join(" | ")} |`;
  const [header = [], ...body] = rows;
  return [
    line(header),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
};

interface Target {
  /** What is measured, e.g. "cold start". */
  readonly metric: string;
  /** The metric and its limit, as printed. */
  readonly name: string;
  readonly limit: number;
  readonly unit: "×" | "ms";
  /** The figure for a variant against a reference: a paired median ratio or difference. */
  readonly measure: (id: string, reference: string) => number;
}

/** One figure of another request next to the plain create's, for reading. */
interface Reading {
  readonly metric: string;
  readonly ratio: (id: string) => number;
  readonly difference: (id: string) => string;
}

export interface Report {
  /** The judged comparison: the service (and any `--variant`) against the references. */
  readonly table: string;
  /** Other requests through the service's function next to the create; empty if none ran. */
  readonly otherRequestsTable: string;
  readonly verdicts: readonly string[];
  /** The target figures against sdk-only, with sdk-stack's own, for reading only. */
  readonly sdkOnlyFigures: readonly string[];
  /** The other requests' headline figures against the create, for reading only. */
  readonly otherRequestFigures: readonly string[];
  readonly missed: number;
}

/** The other requests, each with the figures its line reports. */
const OTHER_REQUESTS: readonly {
  readonly id: string;
  readonly name: string;
  readonly metrics: readonly string[];
}[] = [
  { id: READ, name: "read", metrics: ["cold start", "bytes loaded to first answer"] },
  { id: LIST, name: "list", metrics: ["cold start", "bytes loaded to first answer"] },
  {
    id: ROLE,
    name: "assumed role",
    metrics: ["cold start", "warm CPU per call", "warm p50"],
  },
];

/**
 * @param variants every measured variant: the service, sdk-only, sdk-stack, the floor, the A/A
 *   control, any `--variant`, and the other requests through the service's function
 * @param judged the ids whose targets are checked (the service and any `--variant`)
 */
export const buildReport = (
  variants: readonly MeasuredVariant[],
  judged: readonly string[],
): Report => {
  const byId = new Map(variants.map((v) => [v.id, { variant: v, series: seriesOf(v) }]));
  const get = (id: string) => {
    const found = byId.get(id);
    if (found === undefined) throw new Error(`nothing measured for ${id}`);
    return found;
  };
  const has = (id: string): boolean => byId.has(id);
  const pairedRatio = (id: string, key: SeriesKey, reference: string): Spread =>
    spread(pairedByRound(get(id).series[key], get(reference).series[key], (x, y) => x / y));
  const pairedDiff = (id: string, key: SeriesKey, reference: string): Spread =>
    spread(pairedByRound(get(id).series[key], get(reference).series[key], (x, y) => x - y));
  const staticBytes = (id: string): number => get(id).variant.sizes?.staticBytes ?? Number.NaN;
  const loadedBytes = (id: string): number =>
    get(id).variant.loadedAtFirstAnswer?.bytes ?? Number.NaN;
  const spreadOf = (id: string, key: SeriesKey): Spread =>
    spread([...get(id).series[key].values()]);
  const pooledOf = (id: string, q: number): number =>
    quantile(
      get(id).variant.warm.flatMap((r) => r.warm.latenciesMs),
      q,
    );
  const ratioCell = (s: Spread): string =>
    Number.isNaN(s.median) ? "-" : `${ratio(s.median)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

  // -------------------------------------------------------------------------------------------
  // The judged comparison

  const others = new Set(OTHER_REQUESTS.map((other) => other.id));
  const shown = variants.filter((v) => !others.has(v.id));
  const compared = shown.filter((v) => ![SDK_STACK, SDK_ONLY, FLOOR].includes(v.id));
  const stack = get(SDK_STACK).variant;
  const timed = (
    metric: string,
    key: SeriesKey,
    format: (v: number) => string,
    difference = false,
  ): string[] => [
    metric,
    ...shown.map((v) =>
      triple(difference ? pairedDiff(v.id, key, SDK_STACK) : spreadOf(v.id, key), format),
    ),
    ...compared.map((v) =>
      difference
        ? signedMs(pairedDiff(v.id, key, SDK_STACK).median)
        : ratioCell(pairedRatio(v.id, key, SDK_STACK)),
    ),
  ];
  const sized = (
    metric: string,
    pick: (v: MeasuredVariant) => { readonly bytes: number; readonly files?: number } | undefined,
  ): string[] => [
    metric,
    ...shown.map((v) => {
      const found = pick(v);
      if (found === undefined) return "-";
      return found.files === undefined ? kb(found.bytes) : `${kb(found.bytes)} in ${found.files}`;
    }),
    ...compared.map((v) =>
      ratio((pick(v)?.bytes ?? Number.NaN) / (pick(stack)?.bytes ?? Number.NaN)),
    ),
  ];
  const pooled = (metric: string, q: number): string[] => [
    metric,
    ...shown.map((v) => ms(pooledOf(v.id, q))),
    ...compared.map((v) => ratio(pooledOf(v.id, q) / pooledOf(SDK_STACK, q))),
  ];
  const table = renderTable([
    [
      "metric: min / median / max",
      ...shown.map((v) => v.label),
      ...compared.map((v) => `${v.label} ÷ sdk-stack, paired: median (range)`),
    ],
    timed("cold start: spawn → answer (ms)", "coldWall", ms),
    timed("  import alone (ms)", "coldImport", ms),
    timed("  first invocation (ms)", "coldFirstInvoke", ms),
    timed("  CPU to first answer (ms)", "coldCpu", ms),
    timed("  peak RSS at first answer (MiB)", "coldRss", mib),
    timed("warm p50 (ms)", "warmP50", ms),
    timed("warm p50 − sdk-stack, paired (ms)", "warmP50", ms, true),
    timed("warm p99 (ms)", "warmP99", ms),
    timed("warm CPU per call (ms)", "warmCpu", ms),
    timed("peak RSS after warm loop (MiB)", "warmRss", mib),
    pooled("warm p50, all calls pooled (ms)", 0.5),
    pooled("warm p99, all calls pooled (ms)", 0.99),
    sized(
      "bytes loaded at start, static (KB)",
      ({ sizes }) => sizes && { bytes: sizes.staticBytes, files: sizes.staticFiles },
    ),
    sized("bytes loaded to first answer (KB)", (v) => v.loadedAtFirstAnswer),
    sized("entry index.mjs (KB)", ({ sizes }) => sizes && { bytes: sizes.entryBytes }),
    sized("entry index.mjs gzip (KB)", ({ sizes }) => sizes && { bytes: sizes.entryGzipBytes }),
    sized(
      "all .mjs files (KB)",
      ({ sizes }) => sizes && { bytes: sizes.totalBytes, files: sizes.files },
    ),
    sized(
      "all .mjs files, gzip each (KB)",
      ({ sizes }) => sizes && { bytes: sizes.totalGzipBytes },
    ),
  ]);

  // -------------------------------------------------------------------------------------------
  // Verdicts against sdk-stack, and the same figures against sdk-only

  const pairedMedianRatio =
    (key: SeriesKey) =>
    (id: string, reference: string): number =>
      pairedRatio(id, key, reference).median;
  const targets: readonly Target[] = [
    {
      metric: "cold start",
      name: `cold start ≤ ${COLD_START_LIMIT.toFixed(2)}× sdk-stack`,
      limit: COLD_START_LIMIT,
      unit: "×",
      measure: pairedMedianRatio("coldWall"),
    },
    {
      metric: "bytes loaded at start",
      name: `bytes loaded at start ≤ ${BYTES_AT_START_LIMIT.toFixed(2)}× sdk-stack`,
      limit: BYTES_AT_START_LIMIT,
      unit: "×",
      measure: (id, reference) => staticBytes(id) / staticBytes(reference),
    },
    {
      // The same limit on what the create path has loaded once it answers: the route's own
      // chunks, which a lazy import() keeps out of the static closure, count too.
      metric: "bytes loaded to first answer",
      name: `bytes loaded to first answer ≤ ${BYTES_AT_START_LIMIT.toFixed(2)}× sdk-stack`,
      limit: BYTES_AT_START_LIMIT,
      unit: "×",
      measure: (id, reference) => loadedBytes(id) / loadedBytes(reference),
    },
    {
      metric: "warm CPU per call",
      name: `warm CPU per call ≤ ${WARM_CPU_LIMIT.toFixed(2)}× sdk-stack`,
      limit: WARM_CPU_LIMIT,
      unit: "×",
      measure: pairedMedianRatio("warmCpu"),
    },
    {
      metric: "warm p50",
      name: `warm p50 ≤ sdk-stack + ${WARM_P50_EXTRA_MS.toFixed(2)} ms`,
      limit: WARM_P50_EXTRA_MS,
      unit: "ms",
      measure: (id, reference) => pairedDiff(id, "warmP50", reference).median,
    },
    {
      metric: "warm p99",
      name: `warm p99 ≤ ${WARM_P99_LIMIT.toFixed(2)}× sdk-stack`,
      limit: WARM_P99_LIMIT,
      unit: "×",
      measure: pairedMedianRatio("warmP99"),
    },
    {
      metric: "peak RSS",
      name: `peak RSS ≤ ${PEAK_RSS_LIMIT.toFixed(2)}× sdk-stack`,
      limit: PEAK_RSS_LIMIT,
      unit: "×",
      measure: pairedMedianRatio("warmRss"),
    },
  ];
  const shownAs = (target: Target, value: number): string =>
    target.unit === "ms" ? signedMs(value) : ratio(value);
  const line = (kind: string, id: string, name: string, figure: string, aside = ""): string =>
    `${kind.padEnd(4)}  ${`${id}:`.padEnd(16)} ${name.padEnd(40)} measured ` +
    `${figure.padStart(10)}${aside === "" ? "" : `   (${aside})`}`;

  const verdicts = judged.flatMap((id) =>
    targets.map((target) => {
      const measured = target.measure(id, SDK_STACK);
      // Not measured (e.g. `--warm-rounds 0`) is neither a pass nor a miss.
      const verdict = Number.isNaN(measured) ? "n/a" : measured <= target.limit ? "PASS" : "FAIL";
      const control = has(CONTROL)
        ? `sdk-stack A/A: ${shownAs(target, target.measure(CONTROL, SDK_STACK))}`
        : "";
      return line(verdict, id, target.name, shownAs(target, measured), control);
    }),
  );
  // Not targets: sdk-only is the limit no implementation that keeps the contract can reach.
  const sdkOnlyFigures = has(SDK_ONLY)
    ? judged.flatMap((id) =>
        targets.map((target) =>
          line(
            "info",
            id,
            `${target.metric} vs sdk-only`,
            shownAs(target, target.measure(id, SDK_ONLY)),
            `sdk-stack: ${shownAs(target, target.measure(SDK_STACK, SDK_ONLY))}`,
          ),
        ),
      )
    : [];

  // -------------------------------------------------------------------------------------------
  // Other requests through the same function, against its create

  const otherRequests = OTHER_REQUESTS.filter((other) => has(other.id) && has(SERVICE));
  const readings: readonly Reading[] = [
    {
      metric: "cold start",
      ratio: (id) => pairedRatio(id, "coldWall", SERVICE).median,
      difference: (id) => signedMs(pairedDiff(id, "coldWall", SERVICE).median),
    },
    {
      metric: "warm CPU per call",
      ratio: (id) => pairedRatio(id, "warmCpu", SERVICE).median,
      difference: (id) => signedMs(pairedDiff(id, "warmCpu", SERVICE).median),
    },
    {
      metric: "warm p50",
      ratio: (id) => pairedRatio(id, "warmP50", SERVICE).median,
      difference: (id) => signedMs(pairedDiff(id, "warmP50", SERVICE).median),
    },
    {
      metric: "bytes loaded to first answer",
      ratio: (id) => loadedBytes(id) / loadedBytes(SERVICE),
      difference: (id) => signed(loadedBytes(id) - loadedBytes(SERVICE), kb, "KB"),
    },
  ];
  const otherRequestFigures = otherRequests.flatMap((other) =>
    readings
      .filter((reading) => other.metrics.includes(reading.metric))
      .map((reading) =>
        line(
          "info",
          other.name,
          `${reading.metric} vs create`,
          ratio(reading.ratio(other.id)),
          reading.difference(other.id),
        ),
      ),
  );

  const against = [SERVICE, ...otherRequests.map((other) => other.id)];
  const otherTimed = (
    metric: string,
    key: SeriesKey,
    format: (v: number) => string,
    unit: string,
  ): string[] => [
    metric,
    ...against.map((id) => triple(spreadOf(id, key), format)),
    ...otherRequests.map(({ id }) => {
      const r = pairedRatio(id, key, SERVICE).median;
      const d = pairedDiff(id, key, SERVICE).median;
      return Number.isNaN(r) ? "-" : `${ratio(r)} (${signed(d, format, unit)})`;
    }),
  ];
  const otherSized = (
    metric: string,
    bytes: (id: string) => number,
    files: (id: string) => number,
  ) => [
    metric,
    ...against.map((id) => (Number.isNaN(bytes(id)) ? "-" : `${kb(bytes(id))} in ${files(id)}`)),
    ...otherRequests.map(({ id }) =>
      Number.isNaN(bytes(id))
        ? "-"
        : `${ratio(bytes(id) / bytes(SERVICE))} (${signed(bytes(id) - bytes(SERVICE), kb, "KB")})`,
    ),
  ];
  const otherRequestsTable =
    otherRequests.length === 0
      ? ""
      : renderTable([
          [
            "other requests, same function: min / median / max",
            "create",
            ...otherRequests.map((other) => other.name),
            ...otherRequests.map((other) => `${other.name} ÷ create, paired: median (difference)`),
          ],
          otherTimed("cold start: spawn → answer (ms)", "coldWall", ms, "ms"),
          otherTimed("  import alone (ms)", "coldImport", ms, "ms"),
          otherTimed("  first invocation (ms)", "coldFirstInvoke", ms, "ms"),
          otherTimed("  CPU to first answer (ms)", "coldCpu", ms, "ms"),
          otherTimed("  peak RSS at first answer (MiB)", "coldRss", mib, "MiB"),
          otherTimed("warm p50 (ms)", "warmP50", ms, "ms"),
          otherTimed("warm p99 (ms)", "warmP99", ms, "ms"),
          otherTimed("warm CPU per call (ms)", "warmCpu", ms, "ms"),
          otherTimed("peak RSS after warm loop (MiB)", "warmRss", mib, "MiB"),
          otherSized(
            "bytes loaded at start, static (KB)",
            staticBytes,
            (id) => get(id).variant.sizes?.staticFiles ?? 0,
          ),
          otherSized(
            "bytes loaded to first answer (KB)",
            loadedBytes,
            (id) => get(id).variant.loadedAtFirstAnswer?.files ?? 0,
          ),
        ]);

  return {
    table,
    otherRequestsTable,
    verdicts,
    sdkOnlyFigures,
    otherRequestFigures,
    missed: verdicts.filter((verdict) => verdict.startsWith("FAIL")).length,
  };
};
