/**
 * API Gateway's own answers (gateway responses) as `serverless.yml` declares them for the deployed
 * API, rendered for the local emulation, so that a local request API Gateway itself would refuse
 * gets the same status, headers and problem+json body as in AWS.
 *
 * Only what the templates in `serverless.yml` use is supported: `'literal'` and
 * `context.requestId` header values, and `$context.requestId`, `$context.error.responseType`,
 * `$context.error.message` and `$context.error.messageString` in bodies. Anything else is refused
 * when the templates are read, at launch, instead of being rendered wrongly.
 * @module
 */

/** The response types the local emulation produces. */
export type GatewayResponseType =
  | "MISSING_AUTHENTICATION_TOKEN"
  | "REQUEST_TOO_LARGE"
  | "DEFAULT_4XX"
  | "DEFAULT_5XX";

/** API Gateway's status for each type when the template names none. */
const DEFAULT_STATUS: Readonly<Record<GatewayResponseType, number | undefined>> = {
  MISSING_AUTHENTICATION_TOKEN: 403,
  REQUEST_TOO_LARGE: 413,
  DEFAULT_4XX: undefined,
  DEFAULT_5XX: undefined,
};

interface Template {
  readonly status?: number;
  /** Header name to a literal value, or `undefined` for `context.requestId`. */
  readonly headers: ReadonlyMap<string, string | undefined>;
  readonly body: string;
}

/** One rendered answer. */
export interface GatewayAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface GatewayError {
  readonly type: GatewayResponseType;
  /** The status API Gateway has for this error when the template names none. */
  readonly status: number;
  /** API Gateway's own message, `$context.error.message`. */
  readonly message: string;
  readonly requestId: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const BODY_VARIABLES =
  /\$context\.(?:requestId|error\.responseType|error\.messageString|error\.message)\b/g;

const readTemplate = (id: string, properties: Record<string, unknown>): Template => {
  const headers = new Map<string, string | undefined>();
  const parameters = isRecord(properties["ResponseParameters"])
    ? properties["ResponseParameters"]
    : {};
  for (const [key, value] of Object.entries(parameters)) {
    const name = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
    const literal = typeof value === "string" ? /^'(.*)'$/.exec(value)?.[1] : undefined;
    if (name === undefined || (literal === undefined && value !== "context.requestId")) {
      throw new Error(
        `${id}: response parameter ${key}: ${String(value)} is not supported locally`,
      );
    }
    headers.set(name, literal);
  }
  const templates = isRecord(properties["ResponseTemplates"])
    ? properties["ResponseTemplates"]
    : {};
  const body = templates["application/json"];
  if (typeof body !== "string") throw new Error(`${id}: no application/json template`);
  const unsupported = body.replace(BODY_VARIABLES, "").match(/\$[A-Za-z{]/);
  if (unsupported !== null) {
    throw new Error(`${id}: the template uses a variable the local emulation cannot fill in`);
  }
  const status = properties["StatusCode"];
  return { headers, body, ...(typeof status === "string" ? { status: Number(status) } : {}) };
};

/** The gateway responses of a CloudFormation `Resources` section, by response type. */
export class GatewayResponses {
  readonly #templates: ReadonlyMap<string, Template>;

  constructor(resources: unknown) {
    const templates = new Map<string, Template>();
    for (const [id, resource] of Object.entries(isRecord(resources) ? resources : {})) {
      if (!isRecord(resource) || resource["Type"] !== "AWS::ApiGateway::GatewayResponse") continue;
      const properties = isRecord(resource["Properties"]) ? resource["Properties"] : {};
      const type = properties["ResponseType"];
      if (typeof type === "string") templates.set(type, readTemplate(id, properties));
    }
    this.#templates = templates;
  }

  /**
   * The answer API Gateway gives for `error`: its type's template, else the `DEFAULT_4XX` or
   * `DEFAULT_5XX` one (keeping the type's status, as API Gateway does), else API Gateway's
   * built-in `{"message": …}`.
   */
  render(error: GatewayError): GatewayAnswer {
    const fallback = error.status < 500 ? "DEFAULT_4XX" : "DEFAULT_5XX";
    const template = this.#templates.get(error.type) ?? this.#templates.get(fallback);
    const status = template?.status ?? DEFAULT_STATUS[error.type] ?? error.status;
    if (template === undefined) {
      return {
        status,
        headers: { "Content-Type": "application/json", "x-amzn-RequestId": error.requestId },
        body: JSON.stringify({ message: error.message }),
      };
    }
    const values: Readonly<Record<string, string>> = {
      "$context.requestId": error.requestId,
      "$context.error.responseType": error.type,
      "$context.error.message": error.message,
      "$context.error.messageString": JSON.stringify(error.message),
    };
    const headers: Record<string, string> = {};
    for (const [name, literal] of template.headers) headers[name] = literal ?? error.requestId;
    return {
      status,
      headers,
      body: template.body.replace(BODY_VARIABLES, (variable) => values[variable] ?? variable),
    };
  }
}
