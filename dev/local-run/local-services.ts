/**
 * The AWS services the function calls, each either at the endpoint the environment names
 * (`AWS_ENDPOINT_URL_<ID>`, which the SDK reads itself) or at an emulator `npm start` embeds on
 * loopback. Another service is one more entry in {@link LOCAL_SERVICES}; for STS, say:
 *
 * ```ts
 * { id: "STS", start: (host) => startStsEmulator({ host, port: 0 }) },
 * ```
 *
 * Entries start in order, so an emulator can be handed the ones before it.
 * @module
 */
import { startEcrEmulator } from "../ecr-emulator.js";

/** What the launcher needs of an embedded emulator. */
export interface Emulator {
  readonly url: string;
  close(): Promise<void>;
}

export interface LocalServiceDefinition {
  /** The service's id in `AWS_ENDPOINT_URL_<id>`: `ECR`, `STS`. */
  readonly id: string;
  /** Starts the emulator on `host`, on a free port. */
  readonly start: (host: string) => Promise<Emulator>;
}

export const LOCAL_SERVICES: readonly LocalServiceDefinition[] = [
  { id: "ECR", start: (host) => startEcrEmulator({ host, port: 0 }) },
];

/** A service as this run uses it. */
export interface LocalService {
  readonly id: string;
  readonly endpointVariable: string;
  readonly endpoint: string;
  /** Present when `npm start` runs the emulator itself. */
  readonly emulator?: Emulator;
}

/**
 * Resolves every service: the configured endpoint, or a freshly started emulator. `started`
 * gets each one as soon as it runs, so that a failure later on can still close it.
 */
export const startLocalServices = async (
  env: NodeJS.ProcessEnv,
  host: string,
  started: (service: LocalService) => void,
): Promise<LocalService[]> => {
  const services: LocalService[] = [];
  for (const { id, start } of LOCAL_SERVICES) {
    const endpointVariable = `AWS_ENDPOINT_URL_${id}`;
    const configured = env[endpointVariable];
    let service: LocalService;
    if (configured !== undefined && configured !== "") {
      service = { id, endpointVariable, endpoint: configured };
    } else {
      const emulator = await start(host);
      service = { id, endpointVariable, endpoint: emulator.url, emulator };
    }
    started(service);
    services.push(service);
  }
  return services;
};

/** `ECR: emulator at http://127.0.0.1:1234`, or `ECR: https://… from AWS_ENDPOINT_URL_ECR`. */
export const describeService = (service: LocalService): string =>
  service.emulator === undefined
    ? `${service.id}: ${service.endpoint} from ${service.endpointVariable}`
    : `${service.id}: emulator at ${service.endpoint}`;
