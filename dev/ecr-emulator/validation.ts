/** A JSON object as received in an ECR request body. */
export type JsonObject = Record<string, unknown>;

/**
 * An ECR error answer: `type` becomes the body's `__type`, which the SDK maps to its exception
 * class, and `status` the HTTP status (400 for client faults, 500 for `ServerException`).
 */
export class EcrError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status;
  }
}

/** An IAM role ARN, path allowed; the first group is the role's account. */
export const IAM_ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::([0-9]{12}):role\/[\w+=,.@/-]+$/;

/**
 * An emulator's own account id (default `123456789012`): 12 digits, as AWS gives them; anything
 * else is a mistake in the caller's options, refused with a `RangeError`.
 */
export const emulatorAccountId = (accountId = "123456789012"): string => {
  if (!/^[0-9]{12}$/.test(accountId)) {
    throw new RangeError(`accountId must be 12 digits, got '${accountId}'.`);
  }
  return accountId;
};

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// AWS's request validator quotes values this way: null bare, strings and lists in quotes.
const describeValue = (value: unknown): string => {
  if (value === undefined || value === null) return "null";
  if (Array.isArray(value)) return `'[${value.map(String).join(", ")}]'`;
  return `'${String(value)}'`;
};

/**
 * Collects constraint violations so that one `ValidationException` reports all of them, worded
 * like the AWS request validator ("2 validation errors detected: Value 'x' at 'member' failed to
 * satisfy constraint: ...; ...").
 */
export class Violations {
  readonly #items: string[] = [];

  add(value: unknown, member: string, constraint: string): void {
    this.#items.push(
      `Value ${describeValue(value)} at '${member}' failed to satisfy constraint: ${constraint}`,
    );
  }

  /** The validator's message for every violation so far; `undefined` when there is none. */
  message(): string | undefined {
    const count = this.#items.length;
    if (count === 0) return undefined;
    const noun = count === 1 ? "error" : "errors";
    return `${count} validation ${noun} detected: ${this.#items.join("; ")}`;
  }

  /** Throws ECR's `ValidationException` when there is any violation. */
  throwIfAny(): void {
    const message = this.message();
    if (message !== undefined) throw new EcrError("ValidationException", message);
  }
}

/** A regular expression together with the text ECR prints for it in validation messages. */
export interface Pattern {
  readonly text: string;
  readonly regex: RegExp;
}

/** Smithy patterns must match the whole value, whether or not their text is anchored. */
export const pattern = (text: string): Pattern => ({ text, regex: new RegExp(`^(?:${text})$`) });

export interface StringConstraints {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: Pattern;
  readonly oneOf?: readonly string[];
}

/** Records every constraint `value` breaks under `member`; an absent optional value breaks none. */
export const checkString = (
  violations: Violations,
  member: string,
  value: string | undefined,
  constraints: StringConstraints,
): void => {
  if (value === undefined) {
    if (constraints.required === true) violations.add(value, member, "Member must not be null");
    return;
  }
  if (constraints.oneOf !== undefined && !constraints.oneOf.includes(value)) {
    violations.add(
      value,
      member,
      `Member must satisfy enum value set: [${constraints.oneOf.join(", ")}]`,
    );
  }
  if (constraints.pattern !== undefined && !constraints.pattern.regex.test(value)) {
    violations.add(
      value,
      member,
      `Member must satisfy regular expression pattern: ${constraints.pattern.text}`,
    );
  }
  if (constraints.min !== undefined && value.length < constraints.min) {
    violations.add(
      value,
      member,
      `Member must have length greater than or equal to ${constraints.min}`,
    );
  }
  if (constraints.max !== undefined && value.length > constraints.max) {
    violations.add(
      value,
      member,
      `Member must have length less than or equal to ${constraints.max}`,
    );
  }
};

/** Records a violation when an integer member lies outside `[min, max]`. */
export const checkRange = (
  violations: Violations,
  member: string,
  value: number | undefined,
  min: number,
  max: number,
): void => {
  if (value === undefined) return;
  if (value < min) {
    violations.add(value, member, `Member must have value greater than or equal to ${min}`);
  } else if (value > max) {
    violations.add(value, member, `Member must have value less than or equal to ${max}`);
  }
};

// A member of the wrong JSON type never reaches validation in AWS: the deserialiser rejects it.
const wrongType = (member: string, expected: string): EcrError =>
  new EcrError("SerializationException", `Expected ${expected} for member '${member}'.`);

/** Reads an optional string member; JSON null counts as absent, as it does for AWS. */
export const readString = (body: JsonObject, member: string): string | undefined => {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw wrongType(member, "a string");
  return value;
};

/** Reads an optional integer member. */
export const readInteger = (body: JsonObject, member: string): number | undefined => {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw wrongType(member, "an integer");
  return value;
};

/** Reads an optional list-of-strings member. */
export const readStringList = (body: JsonObject, member: string): string[] | undefined => {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw wrongType(member, "a list of strings");
  }
  return value;
};
