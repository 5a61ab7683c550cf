import { Logger } from "@aws-lambda-powertools/logger";

/** The one structured logger. Service name and level come from `POWERTOOLS_*` variables. */
export const logger = new Logger({ serviceName: "ecr-cache-rules" });
