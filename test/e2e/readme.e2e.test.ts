import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "./local-api.js";

/**
 * The README's "Try it" examples, in order, against a fresh `npm start` (with the test policy,
 * which admits the same upstreams the examples use): each must answer the status its
 * `<!-- expect: NNN -->` marker names. With curl on the machine the commands run as written (the
 * port aside); without it, their -X, -H and -d options are read by a small parser and sent with
 * fetch.
 */
const README = fileURLToPath(new URL("../../README.md", import.meta.url));
const POLICY = fileURLToPath(new URL("../fixtures/policies/service.yaml", import.meta.url));
const run = promisify(execFile);

interface Example {
  readonly status: number;
  readonly command: string;
}

const examples = async (): Promise<Example[]> => {
  const text = await readFile(README, "utf8");
  const section = text.slice(text.indexOf("## Try it"), text.indexOf("## The API"));
  return [...section.matchAll(/<!-- expect: (\d{3}) -->\n```sh\n([\s\S]*?)```/g)].map((match) => ({
    status: Number(match[1]),
    command: (match[2] ?? "").replace(/\\\n\s*/g, " ").trim(),
  }));
};

/** Shell words of a one-line command: single quotes, double quotes and plain words. */
const words = (command: string): string[] =>
  [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");

const fetchLikeCurl = async (command: string): Promise<number> => {
  const args = words(command).slice(1);
  let method = "GET";
  const headers: Record<string, string> = {};
  let body: string | undefined;
  let url = "";
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? "";
    if (arg === "-X") method = args[++i] ?? method;
    else if (arg === "-H") {
      const [name = "", ...value] = (args[++i] ?? "").split(":");
      headers[name.trim()] = value.join(":").trim();
    } else if (arg === "-d") {
      body = args[++i];
      if (method === "GET") method = "POST";
    } else if (!arg.startsWith("-")) url = arg;
  }
  if (body !== undefined && headers["Content-Type"] === undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  return (await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) })).status;
};

const statusOf = async (command: string): Promise<number> => {
  try {
    const { stdout } = await run("sh", ["-c", command], { maxBuffer: 10 * 1024 * 1024 });
    const line = stdout.split("\r\n").find((l) => l.startsWith("HTTP/"));
    return Number(line?.split(" ")[1]);
  } catch (error) {
    if (Reflect.get(Object(error), "code") === 127) return fetchLikeCurl(command);
    throw error;
  }
};

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ POLICY_FILE: POLICY });
});

afterAll(async () => {
  await api.stop();
});

describe("the README's examples", () => {
  it("answer, in order, what the README says they answer", async () => {
    const found = await examples();
    expect(found.length).toBeGreaterThanOrEqual(15);

    const answered: { command: string; status: number }[] = [];
    for (const { command } of found) {
      answered.push({
        command,
        status: await statusOf(command.replaceAll("http://127.0.0.1:3000", api.url)),
      });
    }

    expect(answered).toEqual(found.map(({ command, status }) => ({ command, status })));
  });
});
