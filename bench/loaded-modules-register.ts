/**
 * Preloaded with `--import` in the inventory run only: installs `loaded-modules-hooks`, which the
 * benchmark bundles next to this file.
 * @module
 */
import { register } from "node:module";

register(new URL("./loaded-modules-hooks.mjs", import.meta.url));
