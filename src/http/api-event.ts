import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

/** An API Gateway REST event once the JSON body middleware has parsed `body` (else a string). */
export type ApiEvent = Omit<APIGatewayProxyEvent, "body"> & { body: unknown };
export type ApiResult = APIGatewayProxyResult;

/**
 * The values of one request header, case-insensitively. `multiValueHeaders` wins when present:
 * it is what the client really sent (local API Gateway emulation invents a JSON content type in
 * `headers` for requests that had none).
 */
export const headerValues = (event: ApiEvent, name: string): string[] => {
  const wanted = name.toLowerCase();
  // Typed as always present, but API Gateway sends null for a request without headers.
  const multi: Record<string, string[] | undefined> | null | undefined = event.multiValueHeaders;
  if (multi !== null && multi !== undefined && Object.keys(multi).length > 0) {
    return Object.entries(multi).flatMap(([key, values]) =>
      key.toLowerCase() === wanted && values !== undefined ? values : [],
    );
  }
  const single: Record<string, string | undefined> | null | undefined = event.headers;
  return Object.entries(single ?? {}).flatMap(([key, value]) =>
    key.toLowerCase() === wanted && value !== undefined ? [value] : [],
  );
};
