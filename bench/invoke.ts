/** How a benchmark child calls a bundle's handler. @module */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";

export type Invoke = (event: APIGatewayProxyEvent, context: Context) => Promise<void>;

/**
 * Imports a bundle and returns its `handler`, checked on every call to answer `status`: any
 * other answer (a 4xx or 5xx) would time an error path instead of the scenario's, so it stops
 * the run.
 */
export const loadHandler = async (bundle: string, status: number): Promise<Invoke> => {
  const namespace: Record<string, unknown> = await import(pathToFileURL(resolve(bundle)).href);
  const handler = namespace["handler"];
  if (typeof handler !== "function") throw new Error(`${bundle} exports no handler function`);
  return async (event, context) => {
    const result: unknown = await handler(event, context);
    const answered =
      typeof result === "object" && result !== null ? Reflect.get(result, "statusCode") : result;
    if (answered !== status) {
      throw new Error(`${bundle}: expected ${status}, got ${JSON.stringify(result)}`);
    }
  };
};
