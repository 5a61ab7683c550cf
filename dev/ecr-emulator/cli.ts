import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Parses a `--port` value: an integer from 0 (any free port) to 65535. */
export const parsePort = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^[0-9]+$/.test(value) || port > 65_535) {
    throw new RangeError(`--port must be an integer from 0 to 65535, got '${value}'.`);
  }
  return port;
};

/**
 * Whether the module at `moduleUrl` is the script node was started with. Symlinked checkouts
 * give argv[1] a different path from the module's own resolved URL, hence the realpath.
 */
export const isMain = (moduleUrl: string): boolean => {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
};

/** Closes `emulator` on the first SIGINT or SIGTERM, so the process exits once it has. */
export const closeOnSignal = (emulator: { close(): Promise<void> }): void => {
  const shutdown = (): void => {
    process.off("SIGINT", shutdown);
    process.off("SIGTERM", shutdown);
    emulator.close().catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    });
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
};

/** Runs a CLI's `main`, printing a failure's message and exiting non-zero. */
export const runMain = (main: () => Promise<void>): void => {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
};
