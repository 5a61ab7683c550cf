/**
 * Notices when `npm start` itself is gone. `kill -TERM <pid of npm>` reaches only npm, which
 * passes the signal to the shell it runs the script in (`sh -c "tsx dev/start.ts"`); dash, the
 * usual /bin/sh, dies of it without passing it on, and tsx and the launcher below it would run
 * on as orphans holding the port. So the launcher watches the processes above it up to npm, and
 * stops as on SIGTERM as soon as one of them has exited.
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

interface ProcessInfo {
  readonly ppid: number;
  /** The command line, arguments joined by spaces (npm's shows its title, `npm start`). */
  readonly command: string;
}

const fromProc = (pid: number): ProcessInfo | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    return Number.isInteger(ppid) ? { ppid, command } : undefined;
  } catch {
    return undefined;
  }
};

const fromPs = (pid: number): ProcessInfo | undefined => {
  try {
    const out = execFileSync("ps", ["-o", "ppid=,args=", "-p", String(pid)], { encoding: "utf8" });
    const match = /^\s*([0-9]+)\s+(.*)$/.exec(out.trim());
    return match === null ? undefined : { ppid: Number(match[1]), command: match[2] ?? "" };
  } catch {
    return undefined;
  }
};

const processInfo = (pid: number): ProcessInfo | undefined => fromProc(pid) ?? fromPs(pid);

/** At most this many processes between the launcher and npm: tsx, the script shell, npm. */
const MAX_DEPTH = 4;

/**
 * The processes whose exit means `npm start` was stopped: every ancestor up to the nearest one
 * whose command line is npm's, or only the parent when npm is not among the first few.
 */
export const launchChain = (): number[] => {
  const chain: number[] = [];
  let pid = process.ppid;
  for (let depth = 0; depth < MAX_DEPTH && pid > 1; depth += 1) {
    const info = processInfo(pid);
    if (info === undefined) break;
    chain.push(pid);
    if (/^npm( |$)/.test(info.command) || /\/npm(-cli\.js)? /.test(`${info.command} `)) {
      return chain;
    }
    pid = info.ppid;
  }
  return [process.ppid];
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is only someone else's.
    return Reflect.get(Object(error), "code") === "EPERM";
  }
};

/** Calls `onGone` once, when the first process of `chain` has exited. */
export const watchLifeline = (chain: readonly number[], onGone: () => void): (() => void) => {
  const timer = setInterval(() => {
    if (!chain.every(isAlive)) {
      clearInterval(timer);
      onGone();
    }
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
};
