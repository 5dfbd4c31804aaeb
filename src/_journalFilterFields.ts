import { quoted } from "./_excerpt.ts";
import type { JournalFilter } from "./server/journal.ts";

const FILTER_FIELDS: ReadonlySet<string> = new Set(["kind", "method", "path", "status", "client", "direction", "after", "scope"] satisfies Array<keyof JournalFilter>);

/**
 * Refuses a journal filter field that does not exist, or a `kind` or `direction` the journal does not have, naming it. Its own module so that
 * `scope.entries`/`waitFor` check in the test's process (a TypeError there, as `mocks.fault` and
 * `mocks.replay` do) without the journal's code, and the hub checks the same list.
 */
export function checkFilterFields(filter: object): void {
  // A misspelt field (`{ pth: "/x" }`, `{ staus: 500 }`) filtered nothing: the filter matched every
  // entry, and a test's waitFor resolved at once with any request.
  // A field left undefined (a spread options object) filters nothing and says nothing wrong: kept.
  for (const [field, value] of Object.entries(filter)) {
    if (value !== undefined && !FILTER_FIELDS.has(field)) throw new TypeError(`journal filter: unknown field ${quoted(field)} (${[...FILTER_FIELDS].join(", ")})`);
  }
  // A misspelt value matched nothing, silently: `kind: "htttp"` read as "no such requests yet".
  const { kind, direction } = filter as JournalFilter;
  if (kind !== undefined && !KINDS.includes(kind)) throw wrongValue("kind", kind, '"http", "websocket" or "framework"');
  if (direction !== undefined && direction !== "in" && direction !== "out") throw wrongValue("direction", direction, '"in" or "out"');
}

const KINDS: readonly unknown[] = ["http", "websocket", "framework"] satisfies Array<JournalFilter["kind"]>;

/** The journal's words for a field's wrong value (./server/journal.ts says the same of wrong types); cut before quoting: a value from another process may be megabytes. */
export function wrongValue(field: string, value: unknown, what: string): TypeError {
  return new TypeError(`journal filter ${field} must be ${what}, got ${JSON.stringify(String(value).slice(0, 80)).slice(0, 80)}`);
}
