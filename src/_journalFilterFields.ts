import { quoted } from "./_excerpt.ts";
import type { JournalFilter } from "./server/journal.ts";

const FILTER_FIELDS: ReadonlySet<string> = new Set(["kind", "method", "path", "status", "client", "direction", "after", "scope"] satisfies Array<keyof JournalFilter>);

/**
 * Refuses a journal filter field that does not exist, naming it. Its own module so that
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
}
