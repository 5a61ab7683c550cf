/**
 * What `npm start` prints of the serverless child's output. The function's log entries are one
 * Powertools JSON object per line, the audit line included; serverless-offline adds a box of
 * route URLs that name its private socket (none of them answers) and one warning per route that
 * it does not enforce `AWS_IAM`, which the launcher says once instead.
 *
 * Two formats: `json` passes the function's lines on exactly as written (what CloudWatch gets,
 * what tests parse); `pretty` turns each entry into one readable line, with an error's stack
 * (mapped to the TypeScript sources) indented below it.
 * @module
 */

export type LogFormat = "json" | "pretty";

const IAM_WARNING = /^Warning: Serverless Offline does not support the AWS_IAM authorization type$/;

/** Keys every entry carries that say nothing locally (the function's ARN, memory, sampling). */
const CONTEXT_KEYS = new Set([
  "level",
  "message",
  "timestamp",
  "service",
  "cold_start",
  "function_arn",
  "function_memory_size",
  "function_name",
  "function_request_id",
  "sampling_rate",
  "xray_trace_id",
]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const PLAIN = /^[\w.:/{}@+=-]+$/;

const formatValue = (value: unknown): string =>
  typeof value === "string" && PLAIN.test(value) ? value : JSON.stringify(value);

const time = (timestamp: unknown): string => {
  const date = new Date(typeof timestamp === "string" ? timestamp : Number.NaN);
  if (Number.isNaN(date.getTime())) return "--:--:--.---";
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
};

/** An error as Powertools logs it: `{ name, location, message, stack, cause? }`. */
const isLoggedError = (value: unknown): value is Record<string, unknown> =>
  isRecord(value) && typeof value["message"] === "string" && typeof value["name"] === "string";

const errorBlock = (error: Record<string, unknown>, indent: string): string[] => {
  const stack = typeof error["stack"] === "string" ? error["stack"] : undefined;
  const lines = (stack ?? `${String(error["name"])}: ${String(error["message"])}`).split("\n");
  const block = lines.map((line) => `${indent}${line.trim() === line ? line : `  ${line.trim()}`}`);
  const cause = error["cause"];
  if (isLoggedError(cause)) block.push(`${indent}caused by:`, ...errorBlock(cause, indent));
  else if (cause !== undefined) block.push(`${indent}caused by: ${formatValue(cause)}`);
  return block;
};

/**
 * One readable line for a Powertools entry (`undefined` for any other line):
 * `12:00:01.234 INFO  audit POST /registries/{registryId}/cache-rules 201 12ms (cold start) requestId=…`.
 */
export const prettyEntry = (line: string): string | undefined => {
  if (!line.startsWith("{")) return undefined;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(entry) || typeof entry["level"] !== "string" || !("message" in entry)) {
    return undefined;
  }
  const head = [time(entry["timestamp"]), entry["level"].padEnd(5), String(entry["message"])];
  const rest = Object.entries(entry).filter(([key]) => !CONTEXT_KEYS.has(key));
  if (entry["message"] === "audit") {
    head.push(
      String(entry["httpMethod"] ?? "?"),
      String(entry["resource"] ?? "?"),
      String(entry["status"] ?? "?"),
      `${String(entry["durationMs"] ?? "?")}ms`,
    );
  }
  if (entry["cold_start"] === true) head.push("(cold start)");
  const shown = new Set(
    entry["message"] === "audit" ? ["httpMethod", "resource", "status", "durationMs"] : [],
  );
  const fields = rest
    .filter(([key, value]) => !shown.has(key) && !isLoggedError(value))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const errors = rest.filter(([, value]) => isLoggedError(value));
  return [
    [...head, ...fields].join(" "),
    ...errors.flatMap(([, value]) => (isLoggedError(value) ? errorBlock(value, "    ") : [])),
  ].join("\n");
};

/**
 * A filter for the child's lines: `undefined` drops a line, otherwise what to print. Keeps the
 * state of serverless-offline's route box across lines.
 */
export const childLineFilter = (format: LogFormat): ((line: string) => string | undefined) => {
  let inBox = false;
  return (line) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
    const trimmed = line.replace(/\u001b\[[0-9;]*m/g, "").trim();
    if (inBox) {
      if (trimmed.startsWith("└")) inBox = false;
      return undefined;
    }
    if (trimmed.startsWith("┌")) {
      inBox = true;
      return undefined;
    }
    if (trimmed === "" || IAM_WARNING.test(trimmed)) return undefined;
    return format === "pretty" ? (prettyEntry(line) ?? line) : line;
  };
};
