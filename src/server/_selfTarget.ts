import { LOG_REDACTION, redactUrl } from "./_redact.ts";

/**
 * A proxy target that is the hub itself: a resolver, or a service registered at the hub's own
 * URL (grest-ts's mock mode points an api at the hub), sends every request it does not intercept
 * back to the hub, which forwards it again — each turn a new connection, until `proxyTimeout`.
 * The original looped like that; the hub answers `508 Loop Detected` at once instead.
 *
 * `baseUrl` is the resolver's answer, before the request's path is appended: only one with no
 * path of its own sends the same request back. One with a path (`http://hub/base`) asks the hub
 * for another path, which an intercept route may well answer. Only the names a target on this
 * machine is written with are compared, never resolved (no DNS): loopback addresses, `localhost`,
 * and `ownHosts` (the host of the hub's URL and, for a hub listening on every interface, the
 * machine's name and addresses).
 */
export function loopsBack(baseUrl: string, port: number, ownHosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return false; // the proxy reports a target it cannot read
  }
  const tls = url.protocol === "https:" || url.protocol === "wss:";
  if ((Number(url.port) || (tls ? 443 : 80)) !== port) return false;
  if (!/^\/*$/.test(url.pathname) || url.search !== "") return false;
  // `host.` is `host` (a fully qualified name); URL lower-cases a name already.
  const host = mappedIPv4(url.hostname.replace(/\.$/, ""));
  // `[::]`, like `0.0.0.0`, dials this machine's loopback: it reaches a hub on `::1` or `::`.
  return host === "localhost" || host === "[::1]" || host === "0.0.0.0" || host === "[::]" || host.startsWith("127.") || ownHosts.some((own) => own.toLowerCase() === host);
}

/**
 * The IPv4 address an IPv4-mapped IPv6 address stands for (`[::ffff:127.0.0.1]`, which the URL
 * parser writes `[::ffff:7f00:1]`), else `host` as it is. A socket that dials the mapped address
 * reaches the IPv4 listener: a service registered at `http://[::ffff:127.0.0.1]:<hub's port>` sent
 * each request round the hub until its head passed 16 KiB (a 431 after 5 s and 1,000 hops on Node,
 * the journal's whole ring; 504 after 30 s on Bun).
 */
function mappedIPv4(host: string): string {
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (!mapped) return host;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/**
 * `loopsBack` for a hub on `port`, remembered per base URL: a resolver answers a few base URLs
 * again and again (one per registered service), so a proxied request costs one Map lookup. At
 * most `MAX_REMEMBERED` are kept (a resolver may build one per request); past that, it starts over.
 * `machineNames` is read once, on the first base URL: only for a hub listening beyond loopback
 * (`0.0.0.0`, `::`), where a target named by the machine's name or address reaches the hub; one
 * listening on loopback alone is not reached that way (the name may resolve to 127.0.1.1).
 */
export function loopCheck(port: () => number, ownHost: () => string, listening: string, machineNames: (() => string[]) | undefined): (baseUrl: string) => boolean {
  const known = new Map<string, boolean>();
  let ownHosts: string[] | undefined;
  return (baseUrl) => {
    let loops = known.get(baseUrl);
    if (loops === undefined) {
      ownHosts ??= [ownHost(), ...(EVERY_INTERFACE.has(listening) ? namesOf(machineNames) : [])];
      loops = loopsBack(baseUrl, port(), ownHosts);
      if (known.size >= MAX_REMEMBERED) known.clear();
      known.set(baseUrl, loops);
    }
    return loops;
  };
}

const MAX_REMEMBERED = 256;

/**
 * The machine's names, or none when they cannot be read: `os.networkInterfaces()` throws where
 * the system refuses it (Android, some sandboxes), which then threw out of every proxied request to a new base URL.
 */
function namesOf(machineNames: (() => string[]) | undefined): string[] {
  try {
    return machineNames?.() ?? [];
  } catch {
    return [];
  }
}

/** The hostnames that listen on every interface of the machine. */
const EVERY_INTERFACE = new Set(["0.0.0.0", "::", "[::]"]);

/** The answer's text: what loops, and what to do. */
export function loopMessage(target: string): string {
  return `Proxy loop: ${target} is this hub, so the request would come back here; register the service's own address`;
}

/** The 508's body, HTTP and upgrade alike: the target as a client may read it (no password, no token). */
export function loopAnswer(target: string): { error: string; target: string } {
  const shown = redactUrl(target, LOG_REDACTION)!;
  return { error: loopMessage(shown), target: shown };
}
