/**
 * `Platform.machineNames`: the machine's hostname and its interfaces' addresses, as a URL writes
 * a host, for the proxy-loop check of a hub listening on every interface (`0.0.0.0`): a target
 * named `http://<hostname>:<hub's port>` reached the hub and looped until `proxyTimeout`.
 */
import { hostname, networkInterfaces } from "node:os";

/** Node and Bun (`node:os`); Deno passes what it may read (see adapters/deno.ts). */
export function machineNamesOs(): string[] {
  return machineNames(hostname(), Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((info) => info.address)));
}

/** `name` and `addresses` as a URL's `hostname` has them: lower-case, IPv6 in brackets, without a zone. */
export function machineNames(name: string | undefined, addresses: string[]): string[] {
  const names = addresses.map((address) => (address.includes(":") ? `[${address.replace(/%.*$/, "")}]` : address).toLowerCase());
  if (name) names.push(name.toLowerCase().replace(/\.$/, ""));
  return names;
}
