/**
 * The path prefixes a ServiceHub knows for an api, for features of the server that take an api
 * name (`server.replay(har, { api })`). The hub registers a lookup for its server here, as it
 * registers its describer (./_describe.ts), so neither imports the other.
 */
const lookups = new WeakMap<object, (api: string) => ReadonlySet<string>>();

/** Called by ServiceHub when it attaches to a server. */
export function setApiPrefixes(server: object, lookup: (api: string) => ReadonlySet<string>): void {
  lookups.set(server, lookup);
}

/** The prefixes of `api`, or `undefined` when no hub runs on the server. */
export function apiPrefixesOf(server: object): ((api: string) => ReadonlySet<string>) | undefined {
  return lookups.get(server);
}
