/**
 * The floor: a handler with no dependencies, so its figures are what Node, the module loader and
 * the benchmark's own child process cost by themselves.
 * @module
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

export const handler = async (_event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => ({
  statusCode: 201,
  body: "",
});
