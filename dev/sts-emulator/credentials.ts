import { createHash, randomBytes } from "node:crypto";
import type { CredentialLookup, IssuedCredentials } from "../ecr-emulator/credential-lookup.js";

/** An IAM role ARN, with its partition, account and role name (the path left out). */
const ROLE_ARN =
  /^arn:(aws(?:-[a-z]+)*):iam::([0-9]{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/** The parts of an IAM role ARN that an assumed-role ARN is built from. */
export interface RoleArnParts {
  readonly partition: string;
  readonly accountId: string;
  readonly roleName: string;
}

/** Splits an IAM role ARN; `undefined` for anything that is not one. */
export const parseRoleArn = (roleArn: string): RoleArnParts | undefined => {
  const match = ROLE_ARN.exec(roleArn);
  if (match === null) return undefined;
  const [, partition, accountId, roleName] = match;
  if (partition === undefined || accountId === undefined || roleName === undefined) {
    return undefined;
  }
  return { partition, accountId, roleName };
};

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// AWS key and principal ids are upper-case base32-looking strings.
const base32 = (bytes: Uint8Array, length: number): string => {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
};

/** What an AssumeRole asks for. */
export interface RoleSessionRequest {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds: number;
}

/**
 * Every set of temporary credentials an STS emulator has issued, by access key id: what the
 * ECR emulator checks a request's signature against. One registry can be shared by an STS and
 * an ECR emulator in the same process; in another process, use {@link remoteCredentialLookup}.
 */
export class CredentialRegistry implements CredentialLookup {
  readonly #byKey = new Map<string, IssuedCredentials>();

  /**
   * Issues new credentials for a role session: fresh random keys on every call, an assumed-role
   * id that is the same for every session of a role, and an expiration in whole seconds.
   * Throws a RangeError for a `roleArn` that is not an IAM role ARN.
   */
  issue(request: RoleSessionRequest, now: Date = new Date()): IssuedCredentials {
    const role = parseRoleArn(request.roleArn);
    if (role === undefined) {
      throw new RangeError(`${request.roleArn} is not an IAM role ARN.`);
    }
    let accessKeyId: string;
    do {
      accessKeyId = `ASIA${base32(randomBytes(10), 16)}`;
    } while (this.#byKey.has(accessKeyId));
    const roleId = `AROA${base32(createHash("sha256").update(request.roleArn).digest(), 17)}`;
    const credentials: IssuedCredentials = {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: randomBytes(144).toString("base64"),
      roleArn: request.roleArn,
      roleSessionName: request.roleSessionName,
      assumedRoleArn: `arn:${role.partition}:sts::${role.accountId}:assumed-role/${role.roleName}/${request.roleSessionName}`,
      assumedRoleId: `${roleId}:${request.roleSessionName}`,
      expiration: new Date(
        Math.floor(now.getTime() / 1000) * 1000 + request.durationSeconds * 1000,
      ),
    };
    this.#byKey.set(accessKeyId, credentials);
    return credentials;
  }

  /** The credentials issued under `accessKeyId`, expired ones included. */
  lookup(accessKeyId: string): IssuedCredentials | undefined {
    return this.#byKey.get(accessKeyId);
  }

  /**
   * The role ARN that `accessKeyId` and `sessionToken` were issued for together, when they were
   * and have not expired at `now`.
   */
  roleOf(accessKeyId: string, sessionToken: string, now: Date = new Date()): string | undefined {
    const credentials = this.#byKey.get(accessKeyId);
    if (credentials === undefined || credentials.sessionToken !== sessionToken) return undefined;
    return credentials.expiration > now ? credentials.roleArn : undefined;
  }

  /** Every issued set, oldest first. */
  issued(): IssuedCredentials[] {
    return [...this.#byKey.values()];
  }

  /** Forgets every issued set: requests signed with them are then refused. */
  clear(): void {
    this.#byKey.clear();
  }
}

/** Issued credentials as `GET /__emulator/credentials/{accessKeyId}` answers them. */
export type IssuedCredentialsJson = Omit<IssuedCredentials, "expiration"> & {
  /** ISO 8601. */
  readonly expiration: string;
};

/** The JSON form of issued credentials, for the STS emulator's control API. */
export const credentialsToJson = (credentials: IssuedCredentials): IssuedCredentialsJson => ({
  ...credentials,
  expiration: credentials.expiration.toISOString(),
});

const fromJson = (value: unknown): IssuedCredentials => {
  if (typeof value !== "object" || value === null) {
    throw new TypeError("The STS emulator answered credentials that are not a JSON object.");
  }
  const record = value as Record<string, unknown>;
  const text = (member: keyof IssuedCredentialsJson): string => {
    const field = record[member];
    if (typeof field !== "string") {
      throw new TypeError(`The STS emulator answered credentials without "${member}".`);
    }
    return field;
  };
  const expiration = new Date(text("expiration"));
  if (Number.isNaN(expiration.getTime())) {
    throw new TypeError('The STS emulator answered credentials with an invalid "expiration".');
  }
  return {
    accessKeyId: text("accessKeyId"),
    secretAccessKey: text("secretAccessKey"),
    sessionToken: text("sessionToken"),
    roleArn: text("roleArn"),
    roleSessionName: text("roleSessionName"),
    assumedRoleArn: text("assumedRoleArn"),
    assumedRoleId: text("assumedRoleId"),
    expiration,
  };
};

/**
 * A {@link CredentialLookup} that asks an STS emulator in another process, through its
 * `GET /__emulator/credentials/{accessKeyId}` endpoint, on every lookup (so credentials it
 * issues or forgets later are seen at once). An unreachable emulator or an unexpected answer
 * rejects, which the ECR emulator answers with a 500.
 */
export const remoteCredentialLookup = (stsUrl: string): CredentialLookup => {
  const base = new URL("/__emulator/credentials/", stsUrl);
  return {
    lookup: async (accessKeyId) => {
      const response = await fetch(new URL(encodeURIComponent(accessKeyId), base));
      if (response.status === 404) return undefined;
      if (response.status !== 200) {
        throw new Error(
          `The STS emulator at ${stsUrl} answered ${response.status} to a credentials lookup.`,
        );
      }
      return fromJson(await response.json());
    },
  };
};
