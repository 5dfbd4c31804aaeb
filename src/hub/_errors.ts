export type HubErrorCode =
  /** No hub answers right now (the leader just died, or nothing listens): the request was not sent. */
  | "ERR_HUB_UNAVAILABLE"
  /** `discover(api)` for an api nobody registered. */
  | "ERR_HUB_NOT_REGISTERED"
  /** The member has left the hub (`leave()`). */
  | "ERR_HUB_LEFT";

/** Errors of `joinHub` members. `code` is stable; match on it, not on the message. */
export class HubError extends Error {
  readonly code: HubErrorCode;
  constructor(code: HubErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HubError";
    this.code = code;
  }
}
