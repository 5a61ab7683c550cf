/**
 * What a benchmark child reports to the orchestrator, one JSON line on file descriptor 3. The
 * child's stdout carries the service's log lines and goes to /dev/null, so it cannot be used.
 * @module
 */

export const REPORT_FD = 3;

/** Written as soon as the first invocation has answered. */
export interface ColdReport {
  readonly kind: "cold";
  /** `await import(bundle)`: loading, parsing and evaluating it, top-level await included. */
  readonly importMs: number;
  /** The first invocation, from the call to the answer. */
  readonly firstInvokeMs: number;
  /** From the process's time origin to the answer, measured inside the child. */
  readonly sinceOriginMs: number;
  /** User plus system CPU of the whole process up to the answer. */
  readonly cpuMs: number;
  /** Peak resident set size up to the answer, in KiB. */
  readonly maxRssKiB: number;
}

/** Written after the warm loop. */
export interface WarmReport {
  readonly kind: "warm";
  readonly invocations: number;
  /** Per-invocation latencies in milliseconds, in call order. */
  readonly latenciesMs: readonly number[];
  /** User plus system CPU per invocation over the measured loop, in milliseconds. */
  readonly cpuPerCallMs: number;
  /** Peak resident set size after the warm loop, in KiB. */
  readonly maxRssKiB: number;
  readonly heapUsedKiB: number;
}

/** Written by `ab-child` after its alternating blocks, one entry per bundle in argument order. */
export interface AbReport {
  readonly kind: "ab";
  readonly bundles: readonly {
    /** CPU per call of each block, in block order. */
    readonly cpuPerCallMs: readonly number[];
    /** Every measured call's latency in milliseconds. */
    readonly latenciesMs: readonly number[];
  }[];
}

export type ChildReport = ColdReport | WarmReport | AbReport;
