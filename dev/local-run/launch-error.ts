/** A launch that cannot go on, for a reason the message states; `npm start` exits 1 with it. */
export class LaunchError extends Error {
  override readonly name = "LaunchError";
}
