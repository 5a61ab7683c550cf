/** How a benchmark child calls a bundle's handler. @module */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";

export type Invoke = (event: APIGatewayProxyEvent, context: Context) => Promise<void>;

/**
 * Imports a bundle and returns its `handler`, checked on every call to answer 201: a 4xx or 5xx
 * would time the error path instead of the create path, so it stops the run.
 */
export const loadHandler = async (bundle: string): Promise<Invoke> => {
  const namespace: Record<string, unknown> = await import(pathToFileURL(resolve(bundle)).href);
  const handler = namespace["handler"];
  if (typeof handler !== "function") throw new Error(`${bundle} exports no handler function`);
  return async (event, context) => {
    const result: unknown = await handler(event, context);
    const status =
      typeof result === "object" && result !== null ? Reflect.get(result, "statusCode") : result;
    if (status !== 201) throw new Error(`${bundle}: expected 201, got ${JSON.stringify(result)}`);
  };
};
