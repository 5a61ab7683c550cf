import { describe, expect, it } from "vitest";
import type { BundleSizes } from "../../bench/bundles.js";
import type { ColdReport, WarmReport } from "../../bench/protocol.js";
import {
  buildReport,
  CONTROL,
  type ColdRun,
  FLOOR,
  LIST,
  type MeasuredVariant,
  READ,
  ROLE,
  SDK_ONLY,
  SDK_STACK,
  SERVICE,
} from "../../bench/report.js";

// The benchmark's judgement on made-up figures: which rounds are paired, which figure a target
// reads, and what PASS/FAIL says. Nothing here is timed.

const cold = (wallMs: number, round: number): ColdRun => {
  const report: ColdReport = {
    kind: "cold",
    importMs: wallMs / 2,
    firstInvokeMs: wallMs / 4,
    sinceOriginMs: wallMs,
    cpuMs: wallMs,
    maxRssKiB: 50 * 1024,
  };
  return { round, wallMs, cold: report };
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

/** A variant measured in rounds 0, 1, 2, … unless `warmRounds` says which rounds ran warm. */
const variant = (
  id: string,
  coldMs: readonly number[],
  warmReports: readonly WarmReport[],
  staticBytes: number,
  { warmRounds = warmReports.map((_, round) => round), loadedBytes = staticBytes } = {},
): MeasuredVariant => ({
  id,
  label: id,
  cold: coldMs.map(cold),
  warm: warmReports.map((report, index) => ({ round: warmRounds[index] ?? index, warm: report })),
  sizes: sizes(staticBytes),
  loadedAtFirstAnswer: { bytes: loadedBytes, files: 1 },
});

const sdkOnly = variant(SDK_ONLY, [90, 180, 90], [warm(0.9, 0.9), warm(1.8, 1.8)], 200_000);
const stack = variant(SDK_STACK, [100, 200, 100], [warm(1, 1), warm(2, 2)], 220_000);
const control = variant(CONTROL, [100, 200, 100], [warm(1, 1), warm(2, 2)], 220_000);
const floor = variant(FLOOR, [50, 50, 50], [warm(0, 0), warm(0, 0)], 200);
const references = [sdkOnly, stack, floor, control];

const lineOf = (lines: readonly string[], text: string): string | undefined =>
  lines.find((line) => line.includes(text));
const verdictOf = (lines: readonly string[], target: string): string | undefined =>
  lineOf(lines, target)?.slice(0, 4);

describe("benchmark report", () => {
  it("pairs each round with the same round of sdk-stack and judges the median ratio", () => {
    // Round by round the service is 0.9×, 1.06× and 2.0× sdk-stack: median 1.06×, above the
    // 1.05× limit. Judged on pooled medians instead (200 vs 100) it would be 2.0×.
    const service = variant(
      SERVICE,
      [90, 212, 200],
      [warm(1.03, 1.0625), warm(2.03, 2.125)],
      240_000,
    );
    const report = buildReport([service, ...references], [SERVICE]);
    const coldLine = lineOf(report.verdicts, "cold start");
    expect(coldLine).toMatch(/^FAIL.*≤ 1\.05× sdk-stack/);
    expect(coldLine).toContain("1.060×");
    expect(verdictOf(report.verdicts, "bytes loaded at start")).toBe("PASS");
    expect(verdictOf(report.verdicts, "warm CPU per call")).toBe("PASS");
    expect(verdictOf(report.verdicts, "warm p50")).toBe("PASS");
    expect(report.missed).toBe(1);
  });

  it("pairs by round number, so a variant measured in fewer rounds meets its own rounds", () => {
    // The service's CPU per call drifts from round to round; the assumed-role create ran warm in
    // rounds 1 and 3 only, at twice the service's figure there. Paired by position it would
    // meet rounds 0 and 1 and read 4×.
    const service = variant(
      SERVICE,
      [100, 100, 100, 100],
      [warm(1, 1), warm(2, 2), warm(3, 3), warm(4, 4)],
      240_000,
    );
    const role = variant(ROLE, [100, 100, 100, 100], [warm(4, 4), warm(8, 8)], 240_000, {
      warmRounds: [1, 3],
    });
    const report = buildReport([service, role, ...references], [SERVICE]);
    expect(lineOf(report.otherRequestFigures, "warm CPU per call vs create")).toMatch(
      /2\.000×.*\(\+3\.000 ms\)/,
    );
  });

  it("counts what the create path loads lazily against the same bytes limit", () => {
    // 240 KB in the static closure is 1.09× sdk-stack's 220 KB; with the route's chunks, loaded
    // by the first request, 264 KB is 1.20×.
    const lazy = variant(SERVICE, [100, 200, 100], [warm(1, 1), warm(2, 2)], 240_000, {
      loadedBytes: 264_000,
    });
    const report = buildReport([lazy, ...references], [SERVICE]);
    expect(verdictOf(report.verdicts, "bytes loaded at start")).toBe("PASS");
    expect(lineOf(report.verdicts, "bytes loaded to first answer")).toMatch(/^FAIL.*1\.200×/);
    expect(report.missed).toBe(1);
  });

  it("checks warm p50 as a paired difference in milliseconds", () => {
    const within = variant(SERVICE, [100, 200, 100], [warm(1.03125, 1), warm(2.03125, 2)], 220_000);
    const beyond = variant(SERVICE, [100, 200, 100], [warm(1.0625, 1), warm(2.0625, 2)], 220_000);
    const p50Of = (service: MeasuredVariant): string | undefined =>
      lineOf(buildReport([service, ...references], [SERVICE]).verdicts, "warm p50");
    expect(p50Of(within)).toMatch(/^PASS.*sdk-stack \+ 0\.05 ms.*\+0\.031 ms/);
    expect(p50Of(beyond)).toMatch(/^FAIL.*\+0\.063 ms/);
  });

  it("reports a target it could not measure as n/a, neither passed nor missed", () => {
    const service = variant(SERVICE, [100, 200, 100], [], 220_000);
    const unwarmed = references.map((reference) => ({ ...reference, warm: [] }));
    const report = buildReport([service, ...unwarmed], [SERVICE]);
    expect(verdictOf(report.verdicts, "warm CPU per call")).toBe("n/a ");
    expect(verdictOf(report.verdicts, "cold start")).toBe("PASS");
    expect(report.missed).toBe(0);
  });

  it("shows the sdk-stack A/A control's own figure beside every verdict", () => {
    const service = variant(SERVICE, [100, 200, 100], [warm(1, 1), warm(2, 2)], 220_000);
    const noisy = variant(CONTROL, [110, 180, 100], [warm(1.5, 1), warm(2, 2)], 220_000);
    const report = buildReport([service, sdkOnly, stack, floor, noisy], [SERVICE]);
    // Paired ratios 1.1, 0.9 and 1.0: the control reads 1.000×, the p50 +0.25 ms.
    expect(lineOf(report.verdicts, "cold start")).toContain("(sdk-stack A/A: 1.000×)");
    expect(lineOf(report.verdicts, "warm p50")).toContain("(sdk-stack A/A: +0.250 ms)");
    expect(report.verdicts.every((line) => line.includes("sdk-stack A/A:"))).toBe(true);
  });

  it("gives the target figures against sdk-only for reading, without judging them", () => {
    // 1.04× sdk-stack meets every target; against sdk-only the same service is 1.156×, which
    // would miss, and sdk-stack's own figure there is given beside it.
    const service = variant(
      SERVICE,
      [104, 208, 104],
      [warm(1.02, 1.04), warm(2.02, 2.08)],
      228_800,
    );
    const report = buildReport([service, ...references], [SERVICE]);
    const coldVsSdk = lineOf(report.sdkOnlyFigures, "cold start vs sdk-only");
    expect(coldVsSdk).toMatch(/^info.*1\.156×.*\(sdk-stack: 1\.111×\)/);
    expect(lineOf(report.sdkOnlyFigures, "bytes loaded at start vs sdk-only")).toContain("1.144×");
    expect(report.sdkOnlyFigures.every((line) => line.startsWith("info"))).toBe(true);
    expect(report.missed).toBe(0);
  });

  it("gives the read, list and assumed-role figures against the create, never judged", () => {
    const service = variant(SERVICE, [200, 200, 200], [warm(1, 1), warm(1, 1)], 300_000, {
      loadedBytes: 310_000,
    });
    const read = variant(READ, [190, 210, 190], [], 300_000, { loadedBytes: 305_000 });
    const list = variant(LIST, [220, 220, 220], [], 300_000, { loadedBytes: 306_000 });
    // Far slower than any target would allow: these are readings, not verdicts.
    const role = variant(ROLE, [260, 250, 240], [warm(2.5, 2)], 300_100, {
      loadedBytes: 335_000,
    });
    const report = buildReport([service, read, list, role, ...references], [SERVICE]);
    expect(lineOf(report.otherRequestFigures, "read:")).toMatch(
      /cold start vs create.*0\.950×.*\(-10\.0 ms\)/,
    );
    expect(
      report.otherRequestFigures.find(
        (line) => line.startsWith("info  list:") && line.includes("bytes loaded"),
      ),
    ).toMatch(/0\.987×.*\(-4\.0 KB\)/);
    const roleLines = report.otherRequestFigures.filter((line) => line.includes("assumed role:"));
    expect(roleLines).toHaveLength(3);
    for (const metric of ["cold start vs", "warm CPU per call vs", "warm p50 vs"]) {
      expect(lineOf(roleLines, metric)).toBeDefined();
    }
    expect(lineOf(roleLines, "cold start")).toMatch(/1\.250×.*\(\+50\.0 ms\)/);
    expect(lineOf(roleLines, "warm p50")).toMatch(/2\.500×.*\(\+1\.500 ms\)/);
    expect(report.otherRequestsTable).toContain("assumed role ÷ create");
    expect(report.otherRequestFigures.every((line) => line.startsWith("info"))).toBe(true);
    // The service's own misses, and not one more.
    expect(report.missed).toBe(buildReport([service, ...references], [SERVICE]).missed);
  });

  it("gives no other-request table or figures when none of them ran", () => {
    const service = variant(SERVICE, [100, 200, 100], [warm(1, 1), warm(2, 2)], 220_000);
    const report = buildReport([service, ...references], [SERVICE]);
    expect(report.otherRequestsTable).toBe("");
    expect(report.otherRequestFigures).toEqual([]);
  });
});
