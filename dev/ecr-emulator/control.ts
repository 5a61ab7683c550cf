import { isJsonObject, type JsonObject } from "./validation.js";

/**
 * A control request the emulator cannot use (a malformed fault, outcome or seed); the control
 * API answers it with 400 and the message, and the in-process methods throw it.
 */
export class ControlRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ControlRequestError";
  }
}

/** Parses a control request body, which must be one JSON object. */
export const parseControlBody = (raw: string): JsonObject => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ControlRequestError("The request body must be a JSON object.");
  }
  return requireObject(parsed, "The request body");
};

/** Narrows `value` to a JSON object, or throws naming `what`. */
export const requireObject = (value: unknown, what: string): JsonObject => {
  if (!isJsonObject(value)) throw new ControlRequestError(`${what} must be a JSON object.`);
  return value;
};

/**
 * Refuses members outside `known`: a misspelt option (`retry_after`) would otherwise be
 * silently ignored and the test would pass for the wrong reason.
 */
export const refuseUnknownMembers = (
  value: JsonObject,
  known: readonly string[],
  what: string,
): void => {
  const unknown = Object.keys(value).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ControlRequestError(
      `${what} has unknown member${unknown.length === 1 ? "" : "s"} ${unknown.map((name) => `"${name}"`).join(", ")}; known: ${known.join(", ")}.`,
    );
  }
};

/** Reads an optional member, throwing when it is present but not accepted by `accept`. */
export const optionalMember = <T>(
  value: JsonObject,
  name: string,
  accept: (member: unknown) => member is T,
  expected: string,
): T | undefined => {
  const member = value[name];
  if (member === undefined) return undefined;
  if (!accept(member)) throw new ControlRequestError(`"${name}" must be ${expected}.`);
  return member;
};

/** Reads a required member, throwing when it is absent or not accepted by `accept`. */
export const requiredMember = <T>(
  value: JsonObject,
  name: string,
  accept: (member: unknown) => member is T,
  expected: string,
): T => {
  const member = optionalMember(value, name, accept, expected);
  if (member === undefined) throw new ControlRequestError(`"${name}" is required.`);
  return member;
};
