/**
 * A service registered with `user:password@` in its base URL: the hub sends those credentials as
 * `Authorization: Basic` when the client sent no `Authorization` of its own (the client's wins),
 * and the URL without them. One rule for every way a request reaches a service — proxied HTTP
 * (`node:http`'s `request` does it by itself on Node and Deno, Bun's `fetch` under h3's proxy on Bun) and a proxied
 * WebSocket upgrade, piped (`adapters/_upgrade-pipe.ts`, `adapters/_node-pipe.ts`) or relayed
 * (`_wsProxy.ts`) — so that a service sees the same credentials on each.
 */

/** The `Authorization` value for `url`'s userinfo (UTF-8, base64), or undefined when it has none. */
export function basicAuthorizationOf(url: URL): string | undefined {
  if (url.username === "" && url.password === "") return undefined;
  const credentials = new TextEncoder().encode(`${decoded(url.username)}:${decoded(url.password)}`);
  return `Basic ${btoa(String.fromCharCode(...credentials))}`;
}

/** `target` without its userinfo, and the `Authorization` it stood for (undefined when it had none). */
export function credentialsApart(target: string): { url: string; authorization: string | undefined } {
  if (!target.includes("@") || !URL.canParse(target)) return { url: target, authorization: undefined };
  const url = new URL(target);
  const authorization = basicAuthorizationOf(url);
  if (authorization === undefined) return { url: target, authorization };
  url.username = "";
  url.password = "";
  return { url: url.href, authorization };
}

/** A percent-encoded userinfo part as text; one whose escapes do not decode (`%ZZ`) as written. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
