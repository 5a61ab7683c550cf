import { ControlRequestError, requireObject } from "./control.js";
import { IAM_ROLE_ARN } from "./validation.js";

const REGISTRY_ID = /^[0-9]{12}$/;

const checkEntry = (registryId: string, roleArn: unknown): void => {
  if (!REGISTRY_ID.test(registryId)) {
    throw new ControlRequestError(`"${registryId}" is not a registry id (12 digits).`);
  }
  if (roleArn !== null && (typeof roleArn !== "string" || !IAM_ROLE_ARN.test(roleArn))) {
    throw new ControlRequestError(
      `The role of registry ${registryId} must be an IAM role ARN, or null to drop it.`,
    );
  }
};

/**
 * Which registries are onboarded with a role (contract §7): a call for such a registry must be
 * signed with credentials the STS emulator issued for exactly that role. Registries without an
 * entry take any call, signed or not.
 */
export class RegistryRoles {
  readonly #initial: ReadonlyMap<string, string>;
  #roles: Map<string, string>;

  /** Throws {@link ControlRequestError} for an entry other than `"<12 digits>": "<role ARN>"`. */
  constructor(initial: Readonly<Record<string, string>>) {
    for (const [registryId, roleArn] of Object.entries(initial)) checkEntry(registryId, roleArn);
    this.#initial = new Map(Object.entries(initial));
    this.#roles = new Map(this.#initial);
  }

  /**
   * Sets the role of each registry named (`{"<registry id>": "<role ARN>"}`), or drops it for a
   * null value; other registries keep theirs. Checks every entry before changing any.
   */
  update(changes: unknown): void {
    const entries = Object.entries(requireObject(changes, "The registry roles"));
    for (const [registryId, roleArn] of entries) checkEntry(registryId, roleArn);
    for (const [registryId, roleArn] of entries) {
      if (typeof roleArn === "string") {
        this.#roles.set(registryId, roleArn);
      } else {
        this.#roles.delete(registryId);
      }
    }
  }

  /** The role a call for `registryId` must be signed by, if the registry has one. */
  roleOf(registryId: string): string | undefined {
    return this.#roles.get(registryId);
  }

  /** Every registry's role, as `GET /__emulator/registry-roles` lists them. */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.#roles);
  }

  /** Drops every role: every registry takes any call. */
  clear(): void {
    this.#roles = new Map();
  }

  /** Comes back to the roles the emulator was started with. */
  reset(): void {
    this.#roles = new Map(this.#initial);
  }
}
