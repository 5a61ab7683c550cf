/**
 * The local API Gateway emulation across restarts: one serverless-offline at a time behind the
 * front door. A restart holds new requests at the front door, stops the running one (its open
 * requests finish), runs an optional step (a rebuild) and starts the next; the port never closes.
 * @module
 */
import { type Backend, type BackendOptions, describeExit, startBackend } from "./backend.js";
import type { FrontDoor } from "./front-door.js";
import { LaunchError } from "./launch-error.js";

export type EmulationOptions = Omit<BackendOptions, "generation" | "signal" | "onLine"> & {
  readonly frontDoor: FrontDoor;
  /** A fresh line handler per process: serverless-offline's output is filtered statefully. */
  readonly lineHandler: () => BackendOptions["onLine"];
  readonly signal: AbortSignal;
};

export class Emulation {
  readonly #options: EmulationOptions;
  #generation = 0;
  #current: Backend | undefined;
  /** Set while the running backend is being stopped on purpose. */
  #stopping = false;
  #queue: Promise<void> = Promise.resolve();
  #crash: (reason: Error) => void = () => undefined;

  /** Rejects when a backend exits on its own, or a restart fails. */
  readonly crashed: Promise<never>;

  constructor(options: EmulationOptions) {
    this.#options = options;
    this.crashed = new Promise<never>((_, reject) => {
      this.#crash = reject;
    });
    // Nobody may be waiting yet; the launcher races it once the API is up.
    this.crashed.catch(() => undefined);
  }

  /** Starts a backend and routes the front door to it. */
  async start(): Promise<void> {
    this.#generation += 1;
    const backend = await startBackend({
      ...this.#options,
      generation: this.#generation,
      onLine: this.#options.lineHandler(),
      signal: this.#options.signal,
    });
    this.#current = backend;
    void backend.exited.then((exit) => {
      if (this.#current !== backend || this.#stopping) return;
      // A Ctrl-C reaches serverless too, and it may exit a moment before the launcher hears it.
      setTimeout(() => {
        if (this.#options.signal.aborted) return;
        this.#crash(new LaunchError(`the local API Gateway emulation ${describeExit(exit)}.`));
      }, 250);
    });
    this.#options.frontDoor.route(backend.socketPath);
  }

  /**
   * Stops the running backend and starts a new one, after `between` (a rebuild) if given.
   * Resolves `true` once the new one serves; `false` when stopping cut it short or it failed
   * (which {@link crashed} reports).
   */
  restart(between?: () => Promise<void>): Promise<boolean> {
    const next = this.#queue.then(async () => {
      if (this.#options.signal.aborted) return false;
      this.#options.frontDoor.route(undefined);
      await this.#stopCurrent();
      await between?.();
      await this.start();
      return true;
    });
    const settled = next.catch((error: unknown) => {
      if (!this.#options.signal.aborted) {
        this.#crash(error instanceof Error ? error : new Error(String(error)));
      }
      return false;
    });
    this.#queue = settled.then(() => undefined);
    return settled;
  }

  /** Stops the running backend for good (abort the signal first, to cut a restart short). */
  async stop(): Promise<void> {
    this.#options.frontDoor.route(undefined);
    await this.#queue;
    await this.#stopCurrent();
  }

  async #stopCurrent(): Promise<void> {
    const backend = this.#current;
    if (backend === undefined) return;
    this.#stopping = true;
    try {
      await backend.stop();
    } finally {
      this.#stopping = false;
      this.#current = undefined;
    }
  }
}
