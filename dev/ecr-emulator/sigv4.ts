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
