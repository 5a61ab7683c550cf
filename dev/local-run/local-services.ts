/**
 * The AWS services the function calls, each either at the endpoint the environment names
 * (`AWS_ENDPOINT_URL_<ID>`, which the SDK reads itself) or at an emulator `npm start` embeds on
 * loopback. Another service is one more entry in {@link LOCAL_SERVICES}.
 *
 * Entries start in order, so an emulator can be handed the ones before it: the ECR emulator
 * checks that a call for a registry with a role is signed with credentials the STS emulator
 * issued for that role, as a member account's ECR does (contract §7).
 * @module
 */
import { type EcrEmulator, startEcrEmulator } from "../ecr-emulator.js";
import { type StsEmulator, startStsEmulator } from "../sts-emulator.js";

/** What the launcher needs of an embedded emulator. */
export interface Emulator {
  readonly url: string;
  close(): Promise<void>;
}

/** The emulators this run embeds, for the ones that build on them and for the launcher. */
export interface LocalEmulators {
  sts?: StsEmulator;
  ecr?: EcrEmulator;
}

export interface LocalServiceDefinition {
  /** The service's id in `AWS_ENDPOINT_URL_<id>`: `ECR`, `STS`. */
  readonly id: string;
  /**
   * Whether to embed an emulator when no endpoint is configured; unset: always. When `false`,
   * the SDK's own endpoint for the Region is used.
   */
  readonly emulate?: (env: NodeJS.ProcessEnv) => boolean;
  /** Starts the emulator on `host`, on a free port, given the ones started before it. */
  readonly start: (host: string, emulators: LocalEmulators) => Promise<Emulator>;
}

const configuredEndpoint = (env: NodeJS.ProcessEnv, id: string): string | undefined => {
  const value = env[`AWS_ENDPOINT_URL_${id}`];
  return value === undefined || value === "" ? undefined : value;
};

export const LOCAL_SERVICES: readonly LocalServiceDefinition[] = [
  {
    id: "STS",
    // Credentials from an STS emulator mean nothing to an ECR that is not the ECR emulator.
    emulate: (env) => configuredEndpoint(env, "ECR") === undefined,
    start: async (host, emulators) => {
      emulators.sts = await startStsEmulator({ host, port: 0 });
      return emulators.sts;
    },
  },
  {
    id: "ECR",
    start: async (host, emulators) => {
      emulators.ecr = await startEcrEmulator({
        host,
        port: 0,
        ...(emulators.sts === undefined ? {} : { credentials: emulators.sts.credentials }),
      });
      return emulators.ecr;
    },
  },
];

/** A service as this run uses it. */
export interface LocalService {
  readonly id: string;
  readonly endpointVariable: string;
  /** Undefined: the SDK's own endpoint for the Region. */
  readonly endpoint?: string;
  /** Present when `npm start` runs the emulator itself. */
  readonly emulator?: Emulator;
}

/**
 * Resolves every service: the configured endpoint, a freshly started emulator, or the SDK's
 * own endpoint. `started` gets each emulator as soon as it runs, so that a failure later on can
 * still close it.
 */
export const startLocalServices = async (
  env: NodeJS.ProcessEnv,
  host: string,
  started: (emulator: Emulator) => void,
): Promise<{ services: LocalService[]; emulators: LocalEmulators }> => {
  const services: LocalService[] = [];
  const emulators: LocalEmulators = {};
  for (const { id, emulate, start } of LOCAL_SERVICES) {
    const endpointVariable = `AWS_ENDPOINT_URL_${id}`;
    const configured = configuredEndpoint(env, id);
    if (configured !== undefined) {
      services.push({ id, endpointVariable, endpoint: configured });
    } else if (emulate !== undefined && !emulate(env)) {
      services.push({ id, endpointVariable });
    } else {
      const emulator = await start(host, emulators);
      started(emulator);
      services.push({ id, endpointVariable, endpoint: emulator.url, emulator });
    }
  }
  return { services, emulators };
};

/**
 * `ECR: emulator at http://127.0.0.1:1234`, `ECR: https://… from AWS_ENDPOINT_URL_ECR`, or
 * `STS: AWS (AWS_ENDPOINT_URL_STS unset)`.
 */
export const describeService = (service: LocalService): string => {
  if (service.emulator !== undefined) return `${service.id}: emulator at ${service.endpoint}`;
  if (service.endpoint === undefined) {
    return `${service.id}: AWS (${service.endpointVariable} unset)`;
  }
  return `${service.id}: ${service.endpoint} from ${service.endpointVariable}`;
};

/**
 * The registry roles the ECR emulator holds to: the policy's, when the STS emulator runs too
 * (credentials issued by another STS cannot be checked, so then none, and every call is taken).
 * Registries no longer named get `null`, which drops their role.
 */
export const registryRoleChanges = (
  emulators: LocalEmulators,
  registries: readonly { readonly id: string; readonly roleArn?: string | undefined }[],
): Record<string, string | null> | undefined => {
  if (emulators.ecr === undefined) return undefined;
  const changes: Record<string, string | null> = {};
  for (const id of Object.keys(emulators.ecr.registryRoles())) changes[id] = null;
  if (emulators.sts !== undefined) {
    for (const { id, roleArn } of registries) if (roleArn !== undefined) changes[id] = roleArn;
  }
  return changes;
};
