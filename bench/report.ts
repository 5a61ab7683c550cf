/**
 * Turns one run's samples into the table and the PASS/FAIL lines. Every comparison with sdk-only
 * is paired: round i of a variant against round i of sdk-only, which ran next to it, and the
 * median of those per-round ratios (or differences) is what a target is checked against.
 * @module
 */
import type { BundleSizes } from "./bundles.js";
import type { ColdReport, WarmReport } from "./protocol.js";
import { median, paired, quantile, type Spread, spread } from "./stats.js";

export const SDK_ONLY = "sdk-only";
export const FLOOR = "floor";
export const CONTROL = "sdk-only-aa";
/** sdk-only plus Middy, Powertools Logger and one audit-shaped line: what the contract requires. */
export const SDK_STACK = "sdk-stack";

export interface ColdRun {
  /** From `spawn()` to the first answer, seen by the orchestrator. */
  readonly wallMs: number;
  readonly cold: ColdReport;
}

export interface LoadedFiles {
  readonly bytes: number;
  readonly files: number;
}

export interface MeasuredVariant {
  readonly id: string;
  readonly label: string;
  readonly cold: readonly ColdRun[];
  readonly warm: readonly WarmReport[];
  readonly sizes: BundleSizes | undefined;
  readonly loadedAtFirstAnswer: LoadedFiles | undefined;
}

/** The per-round figures of one variant, one entry per round. */
const seriesOf = (variant: MeasuredVariant) => ({
  coldWall: variant.cold.map((r) => r.wallMs),
  coldImport: variant.cold.map((r) => r.cold.importMs),
  coldFirstInvoke: variant.cold.map((r) => r.cold.firstInvokeMs),
  coldCpu: variant.cold.map((r) => r.cold.cpuMs),
  coldRss: variant.cold.map((r) => r.cold.maxRssKiB),
  warmP50: variant.warm.map((r) => median(r.latenciesMs)),
  warmP99: variant.warm.map((r) => quantile(r.latenciesMs, 0.99)),
  warmCpu: variant.warm.map((r) => r.cpuPerCallMs),
  warmRss: variant.warm.map((r) => r.maxRssKiB),
});
type Series = ReturnType<typeof seriesOf>;
type SeriesKey = keyof Series;

const ms = (value: number): string =>
  Number.isNaN(value)
    ? "-"
    : value.toFixed(Math.abs(value) < 0.01 ? 4 : Math.abs(value) < 10 ? 3 : 1);
const mib = (kib: number): string => (kib / 1024).toFixed(1);
const kb = (bytes: number): string => (bytes / 1000).toFixed(1);
const ratio = (value: number): string => (Number.isNaN(value) ? "-" : `${value.toFixed(3)}×`);
const signedMs = (value: number): string =>
  Number.isNaN(value) ? "-" : `${value >= 0 ? "+" : ""}${value.toFixed(3)} ms`;
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
  /** The paired figure for a variant: median ratio to a reference, or median difference. */
  readonly measure: (id: string, reference?: string) => number;
}

export interface Report {
  readonly table: string;
  readonly verdicts: readonly string[];
  /** The target figures against sdk-stack, for reading only. */
  readonly stackFigures: readonly string[];
  readonly missed: number;
}

/**
 * @param variants every measured variant, sdk-only, the floor and the A/A control included
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
  const sdk = get(SDK_ONLY);
  const pairedRatio = (id: string, key: SeriesKey, reference = SDK_ONLY): Spread =>
    spread(paired(get(id).series[key], get(reference).series[key], (x, y) => x / y));
  const pairedDiff = (id: string, key: SeriesKey, reference = SDK_ONLY): Spread =>
    spread(paired(get(id).series[key], get(reference).series[key], (x, y) => x - y));
  const staticRatio = (id: string, reference = SDK_ONLY): number =>
    (get(id).variant.sizes?.staticBytes ?? Number.NaN) /
    (get(reference).variant.sizes?.staticBytes ?? Number.NaN);

  const compared = variants.filter((v) => v.id !== SDK_ONLY && v.id !== FLOOR);
  const timed = (
    metric: string,
    key: SeriesKey,
    format: (v: number) => string,
    difference = false,
  ): string[] => [
    metric,
    ...variants.map((v) =>
      triple(difference ? pairedDiff(v.id, key) : spread(get(v.id).series[key]), format),
    ),
    ...compared.map((v) => {
      if (difference) return signedMs(pairedDiff(v.id, key).median);
      const s = pairedRatio(v.id, key);
      return Number.isNaN(s.median)
        ? "-"
        : `${ratio(s.median)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
    }),
  ];
  const sized = (
    metric: string,
    pick: (v: MeasuredVariant) => { readonly bytes: number; readonly files?: number } | undefined,
  ): string[] => [
    metric,
    ...variants.map((v) => {
      const found = pick(v);
      if (found === undefined) return "-";
      return found.files === undefined ? kb(found.bytes) : `${kb(found.bytes)} in ${found.files}`;
    }),
    ...compared.map((v) =>
      ratio((pick(v)?.bytes ?? Number.NaN) / (pick(sdk.variant)?.bytes ?? Number.NaN)),
    ),
  ];
  const pooled = (metric: string, q: number): string[] => {
    const of = (id: string): number =>
      quantile(
        get(id).variant.warm.flatMap((r) => r.latenciesMs),
        q,
      );
    return [
      metric,
      ...variants.map((v) => ms(of(v.id))),
      ...compared.map((v) => ratio(of(v.id) / of(SDK_ONLY))),
    ];
  };

  const table = renderTable([
    [
      "metric: min / median / max",
      ...variants.map((v) => v.label),
      ...compared.map((v) => `${v.label} ÷ sdk-only, paired: median (range)`),
    ],
    timed("cold start: spawn → answer (ms)", "coldWall", ms),
    timed("  import alone (ms)", "coldImport", ms),
    timed("  first invocation (ms)", "coldFirstInvoke", ms),
    timed("  CPU to first answer (ms)", "coldCpu", ms),
    timed("  peak RSS at first answer (MiB)", "coldRss", mib),
    timed("warm p50 (ms)", "warmP50", ms),
    timed("warm p50 − sdk-only, paired (ms)", "warmP50", ms, true),
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

  const targets: readonly Target[] = [
    {
      metric: "cold start",
      name: "cold start ≤ 1.00× sdk-only",
      limit: 1.0,
      unit: "×",
      measure: (id, reference) => pairedRatio(id, "coldWall", reference).median,
    },
    {
      metric: "bytes loaded at start",
      name: "bytes loaded at start ≤ 1.00× sdk-only",
      limit: 1.0,
      unit: "×",
      measure: staticRatio,
    },
    {
      metric: "warm CPU per call",
      name: "warm CPU per call ≤ 1.15× sdk-only",
      limit: 1.15,
      unit: "×",
      measure: (id, reference) => pairedRatio(id, "warmCpu", reference).median,
    },
    {
      metric: "warm p50",
      name: "warm p50 ≤ sdk-only + 0.15 ms",
      limit: 0.15,
      unit: "ms",
      measure: (id, reference) => pairedDiff(id, "warmP50", reference).median,
    },
    {
      metric: "warm p99",
      name: "warm p99 ≤ 1.20× sdk-only",
      limit: 1.2,
      unit: "×",
      measure: (id, reference) => pairedRatio(id, "warmP99", reference).median,
    },
    {
      metric: "peak RSS",
      name: "peak RSS ≤ 1.10× sdk-only",
      limit: 1.1,
      unit: "×",
      measure: (id, reference) => pairedRatio(id, "warmRss", reference).median,
    },
  ];
  const shownAs = (target: Target, value: number): string =>
    target.unit === "ms" ? signedMs(value) : ratio(value);
  const verdicts = judged.flatMap((id) =>
    targets.map((target) => {
      const shown = (value: number): string => shownAs(target, value);
      const measured = target.measure(id);
      // Not measured (e.g. `--warm-rounds 0`) is neither a pass nor a miss.
      const verdict = Number.isNaN(measured) ? "n/a " : measured <= target.limit ? "PASS" : "FAIL";
      return (
        `${verdict}  ${`${id}:`.padEnd(16)} ${target.name.padEnd(40)} measured ` +
        `${shown(measured).padStart(10)}   (sdk-only A/A: ${shown(target.measure(CONTROL))})`
      );
    }),
  );
  // Not targets: the same figures against sdk-stack, which carries what the contract requires
  // (Middy, Powertools Logger, one audit line), so they show what the service's own code costs.
  const stackFigures = byId.has(SDK_STACK)
    ? judged.flatMap((id) =>
        targets.map((target) => {
          const shown = shownAs(target, target.measure(id, SDK_STACK));
          return (
            `info  ${`${id}:`.padEnd(16)} ${`${target.metric} vs sdk-stack`.padEnd(40)} ` +
            `measured ${shown.padStart(10)}`
          );
        }),
      )
    : [];
  return {
    table,
    verdicts,
    stackFigures,
    missed: verdicts.filter((line) => line.startsWith("FAIL")).length,
  };
};
