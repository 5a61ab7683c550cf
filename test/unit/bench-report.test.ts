import { describe, expect, it } from "vitest";
import type { BundleSizes } from "../../bench/bundles.js";
import type { ColdReport, WarmReport } from "../../bench/protocol.js";
import {
  buildReport,
  CONTROL,
  type ColdRun,
  FLOOR,
  type MeasuredVariant,
  SDK_ONLY,
  SDK_STACK,
} from "../../bench/report.js";

// The benchmark's judgement on made-up figures: which rounds are paired, which figure a target
// reads, and what PASS/FAIL says. Nothing here is timed.

const cold = (wallMs: number): ColdRun => {
  const report: ColdReport = {
    kind: "cold",
    importMs: wallMs / 2,
    firstInvokeMs: wallMs / 4,
    sinceOriginMs: wallMs,
    cpuMs: wallMs,
    maxRssKiB: 50 * 1024,
  };
  return { wallMs, cold: report };
};

const warm = (p50: number, cpuPerCallMs: number, maxRssKiB = 100 * 1024): WarmReport => ({
  kind: "warm",
  invocations: 3,
  latenciesMs: [p50, p50, p50],
  cpuPerCallMs,
  maxRssKiB,
  heapUsedKiB: 10_000,
});

const sizes = (staticBytes: number): BundleSizes => ({
  entryBytes: staticBytes,
  entryGzipBytes: staticBytes / 4,
  totalBytes: staticBytes,
  totalGzipBytes: staticBytes / 4,
  files: 1,
  staticBytes,
  staticFiles: 1,
});

const variant = (
  id: string,
  coldMs: readonly number[],
  warmRounds: readonly WarmReport[],
  staticBytes: number,
): MeasuredVariant => ({
  id,
  label: id,
  cold: coldMs.map(cold),
  warm: warmRounds,
  sizes: sizes(staticBytes),
  loadedAtFirstAnswer: { bytes: staticBytes, files: 1 },
});

const sdkOnly = variant(SDK_ONLY, [100, 200, 100], [warm(1, 1), warm(2, 2)], 200_000);
const control = variant(CONTROL, [100, 200, 100], [warm(1, 1), warm(2, 2)], 200_000);
const floor = variant(FLOOR, [50, 50, 50], [warm(0, 0), warm(0, 0)], 200);

const verdictOf = (lines: readonly string[], target: string): string | undefined =>
  lines.find((line) => line.includes(target))?.slice(0, 4);

describe("benchmark report", () => {
  it("pairs each round with the same round of sdk-only and judges the median ratio", () => {
    // Round by round the service is 0.9×, 1.05× and 2.0× sdk-only: median 1.05×. Judged on
    // pooled medians instead (150 vs 100) it would be 1.5×.
    const service = variant(
      "service",
      [90, 210, 200],
      [warm(1.0625, 1.0625), warm(2.125, 2.125)],
      190_000,
    );
    const report = buildReport([service, sdkOnly, floor, control], ["service"]);
    const coldLine = report.verdicts.find((line) => line.includes("cold start"));
    expect(coldLine).toMatch(/^FAIL/);
    expect(coldLine).toContain("1.050×");
    expect(verdictOf(report.verdicts, "bytes loaded at start")).toBe("PASS");
    expect(verdictOf(report.verdicts, "warm CPU per call")).toBe("PASS");
    expect(report.missed).toBe(1);
  });

  it("checks warm p50 as a paired difference in milliseconds", () => {
    const within = variant("service", [100, 200, 100], [warm(1.125, 1), warm(2.125, 2)], 200_000);
    const beyond = variant("service", [100, 200, 100], [warm(1.25, 1), warm(2.25, 2)], 200_000);
    const p50Of = (service: MeasuredVariant): string | undefined =>
      buildReport([service, sdkOnly, floor, control], ["service"]).verdicts.find((line) =>
        line.includes("warm p50"),
      );
    expect(p50Of(within)).toMatch(/^PASS.*\+0\.125 ms/);
    expect(p50Of(beyond)).toMatch(/^FAIL.*\+0\.250 ms/);
  });

  it("reports a target it could not measure as n/a, neither passed nor missed", () => {
    const service = variant("service", [100, 200, 100], [], 200_000);
    const report = buildReport(
      [service, { ...sdkOnly, warm: [] }, floor, { ...control, warm: [] }],
      ["service"],
    );
    expect(verdictOf(report.verdicts, "warm CPU per call")).toBe("n/a ");
    expect(verdictOf(report.verdicts, "cold start")).toBe("PASS");
    expect(report.missed).toBe(0);
  });

  it("shows the A/A control's own figure beside every verdict", () => {
    const service = variant("service", [100, 200, 100], [warm(1, 1), warm(2, 2)], 200_000);
    const report = buildReport([service, sdkOnly, floor, control], ["service"]);
    expect(report.verdicts.find((line) => line.includes("cold start"))).toContain(
      "(sdk-only A/A: 1.000×)",
    );
  });

  it("gives the target figures against sdk-stack for reading, without judging them", () => {
    const stack = variant(SDK_STACK, [110, 220, 110], [warm(1, 1.1), warm(2, 2.2)], 220_000);
    const service = variant("service", [121, 242, 121], [warm(1, 1.21), warm(2, 2.42)], 242_000);
    const report = buildReport([service, sdkOnly, stack, floor, control], ["service"]);
    const coldVsStack = report.stackFigures.find((line) => line.includes("cold start vs"));
    expect(coldVsStack).toMatch(/^info/);
    expect(coldVsStack).toContain("1.100×");
    expect(report.stackFigures.find((line) => line.includes("bytes loaded"))).toContain("1.100×");
    // Against sdk-only the same service misses three targets; the stack figures count for none.
    expect(report.missed).toBe(3);
  });

  it("gives no stack figures when sdk-stack was not measured", () => {
    const service = variant("service", [100, 200, 100], [warm(1, 1), warm(2, 2)], 200_000);
    const report = buildReport([service, sdkOnly, floor, control], ["service"]);
    expect(report.stackFigures).toEqual([]);
  });
});
