/**
 * The local API Gateway emulation: serverless-offline behind the front door, and the report of
 * its exit when nobody asked it to stop.
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
  #crash: (reason: Error) => void = () => undefined;

  /** Rejects when the backend exits on its own. */
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

  /** Stops the running backend for good. */
  async stop(): Promise<void> {
    this.#options.frontDoor.route(undefined);
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
