import { buildDependencies, makeHandler } from "./make-handler.js";

/** The Lambda entry point of every route: dependencies built once, at cold start. */
export const handler = makeHandler(await buildDependencies());
