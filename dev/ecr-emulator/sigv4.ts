import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";

/** The parts of a SigV4 `Authorization` header the emulators read. */
export interface SigV4Authorization {
  readonly accessKeyId: string;
  /** `YYYYMMDD` of the credential scope. */
  readonly date: string;
  readonly region: string;
  readonly service: string;
  /** Lower-case header names, in the order the header lists them. */
  readonly signedHeaders: readonly string[];
  /** Hex signature. */
  readonly signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** Parses a SigV4 `Authorization` header; `undefined` when absent or not SigV4 as AWS writes it. */
export const parseAuthorization = (header: string | undefined): SigV4Authorization | undefined => {
  if (header === undefined) return undefined;
  const match = AUTHORIZATION.exec(header.trim());
  if (match === null) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  if (
    accessKeyId === undefined ||
    date === undefined ||
    region === undefined ||
    service === undefined ||
    signedHeaders === undefined ||
    signature === undefined
  ) {
    return undefined;
  }
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: signedHeaders.split(";"),
    signature,
  };
};

const CREDENTIAL = /Credential=([^/,\s]+)\//;

/**
 * The access key id named by an `Authorization` header, even one that is otherwise malformed,
 * so the calls log can show who a refused request claimed to be.
 */
export const claimedAccessKeyId = (header: string | undefined): string | null =>
  header === undefined ? null : (CREDENTIAL.exec(header)?.[1] ?? null);

/** A received request, as much of it as SigV4 signs. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as `IncomingMessage.url` has them. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The secret side of the credentials a request claims to be signed with. */
export interface SigningSecret {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

// SignatureV4 takes a hash constructor; node:crypto gives the same SHA-256 and HMAC the SDK uses.
class NodeSha256 implements Checksum {
  readonly #secret: Buffer | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : toBuffer(secret);
    this.#hash = this.#create();
  }

  #create(): Hash | Hmac {
    return this.#secret === undefined ? createHash("sha256") : createHmac("sha256", this.#secret);
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }

  reset(): void {
    this.#hash = this.#create();
  }
}

const toBuffer = (data: SourceData): Buffer => {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
};

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const parseAmzDate = (value: string | undefined): Date | undefined => {
  const match = value === undefined ? null : AMZ_DATE.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hours, minutes, seconds] = match.map(Number);
  return new Date(
    Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0, hours ?? 0, minutes ?? 0, seconds ?? 0),
  );
};

const singleHeader = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
};

/**
 * Whether `request` carries a valid SigV4 signature by `secret`: recomputes it with the SDK's
 * own signer over exactly the headers the client signed, at the client's `X-Amz-Date`, and
 * checks that `X-Amz-Content-Sha256`, when sent, is the hash of the body actually received
 * (the signer trusts that header instead of hashing the body).
 */
export const hasValidSignature = async (
  request: ReceivedRequest,
  authorization: SigV4Authorization,
  secret: SigningSecret,
): Promise<boolean> => {
  const signingDate = parseAmzDate(singleHeader(request.headers, "x-amz-date"));
  if (signingDate === undefined) return false;
  const declaredHash = singleHeader(request.headers, "x-amz-content-sha256");
  if (
    declaredHash !== undefined &&
    declaredHash !== createHash("sha256").update(request.body).digest("hex")
  ) {
    return false;
  }
  const headers: Record<string, string> = {};
  for (const name of authorization.signedHeaders) {
    const value = singleHeader(request.headers, name);
    if (value === undefined) return false;
    headers[name] = value;
  }
  const url = new URL(request.url, "http://emulator");
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    query[name] =
      previous === undefined
        ? value
        : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const signer = new SignatureV4({
    service: authorization.service,
    region: authorization.region,
    credentials: secret,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
      body: request.body,
    },
    {
      signingDate,
      signingRegion: authorization.region,
      signingService: authorization.service,
      signableHeaders: new Set(authorization.signedHeaders),
    },
  );
  const recomputed = parseAuthorization(signed.headers["authorization"]);
  if (recomputed === undefined) return false;
  const expected = Buffer.from(recomputed.signature, "hex");
  const given = Buffer.from(authorization.signature, "hex");
  return (
    recomputed.signedHeaders.join(";") === authorization.signedHeaders.join(";") &&
    recomputed.date === authorization.date &&
    expected.length === given.length &&
    timingSafeEqual(expected, given)
  );
};
