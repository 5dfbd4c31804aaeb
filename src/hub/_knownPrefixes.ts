/**
 * The path prefixes each api was registered with, kept after its instances go: a replay or a
 * fault limited to an api (`api: "users"`) still knows where it lives once its service stopped.
 *
 * Bounded, for a hub that runs all day while services come and go under names of their own
 * (`orders-<run id>` at `/t-<run id>`, up to 2,048 characters each): beyond what is registered
 * now, it remembers `MAX_GONE_APIS` apis that have no instance left and `MAX_GONE_PREFIXES` more
 * prefixes per api, forgetting the oldest. Kept without bound, every api and prefix a hub ever
 * saw stayed in its memory.
 */
export class KnownPrefixes {
  /** api → its prefixes, each in the order last registered (oldest first); apis likewise. */
  readonly #byApi = new Map<string, Set<string>>();
  readonly #registry: LiveRoutes;

  constructor(registry: LiveRoutes) {
    this.#registry = registry;
  }

  get(api: string): ReadonlySet<string> | undefined {
    return this.#byApi.get(api);
  }

  /** `api` was registered at `prefix` (and is now, in the registry). */
  add(api: string, prefix: string): void {
    let prefixes = this.#byApi.get(api);
    if (prefixes) this.#byApi.delete(api);
    this.#byApi.set(api, (prefixes ??= new Set()));
    prefixes.delete(prefix);
    prefixes.add(prefix);
    // Over the bound only when more than MAX_GONE_* are gone: one is found in amortised O(1),
    // since each live one passed over moves to the newest end.
    if (prefixes.size > MAX_GONE_PREFIXES + this.#registry.instances(api).length) {
      for (const old of prefixes) {
        prefixes.delete(old);
        if (!this.#registry.hasPrefix(old, api)) break;
        prefixes.add(old);
      }
    }
    if (this.#byApi.size > MAX_GONE_APIS + this.#registry.apiCount) {
      for (const [old, its] of this.#byApi) {
        this.#byApi.delete(old);
        if (this.#registry.instances(old).length === 0) break;
        this.#byApi.set(old, its);
      }
    }
  }

  clear(): void {
    this.#byApi.clear();
  }
}

/** What KnownPrefixes asks the registry: which apis and prefixes are registered now. */
export interface LiveRoutes {
  readonly apiCount: number;
  instances(api: string): readonly unknown[];
  hasPrefix(prefix: string, api: string): boolean;
}

/** Apis with no instance left that are still known. */
export const MAX_GONE_APIS = 256;
/** Prefixes of one api no instance has any more that are still known. */
export const MAX_GONE_PREFIXES = 32;
