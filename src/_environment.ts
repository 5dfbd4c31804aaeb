/**
 * The environment opt-ins: a hub that grest-ts starts as `new IPCServer(port)` can only be
 * opened to containers or other machines from outside the code. Namespaced so that nothing
 * meant for another program (`HOST`, `PORT`) changes what crossipc binds. Options always win.
 */
import { getPlatform } from "./platform.ts";

/** Address the server binds when its `hostname` option is not set. */
export const HOSTNAME_VARIABLE = "CROSSIPC_HOSTNAME";
/** Access token of servers and clients whose `accessToken` option is not set. */
export const ACCESS_TOKEN_VARIABLE = "CROSSIPC_ACCESS_TOKEN";

/** The variable's value through the runtime adapter; unset, empty or unreadable is `undefined`. */
export function fromEnvironment(name: string): string | undefined {
  let value: string | undefined;
  try {
    value = getPlatform().env?.(name);
  } catch {
    // An adapter that cannot read the environment reads nothing.
  }
  return value === "" ? undefined : value;
}

/** True for addresses only this machine can reach. */
export function isLoopback(hostname: string): boolean {
  const name = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return name === "localhost" || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name);
}
