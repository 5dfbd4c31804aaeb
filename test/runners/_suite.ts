/**
 * The runner suite (issue 17, SPEC §10): one case, run by eight files in each of vitest,
 * `bun test`, `node --test`, `Deno.test` and Playwright Test against one hub and one real service
 * (`service.ts`). Each runner's files are thin wrappers that hand in that runner's `test` and
 * `expect`.
 *
 * Every file overrides the same route, `GET /shop/price/:item`, inside a scope of its own with
 * its own answer, then sends hundreds of requests concurrently while the other files do the
 * same: direct ones, nested ones (`/shop/quote/:item` reaches the service, which asks the hub
 * for the price passing `scopeHeaders(request)` on), ones its handler hands on with
 * `passthrough()` and unscoped ones. Any cross-talk between scopes shows as a wrong answer, a
 * stray request in a handler, a wrong `rule.calls`, or a foreign entry in the scope's journal.
 * The service's barrier makes the eight files of a runner provably overlap. One file per
 * runner (`closesEarly`) closes its scope half-way while the others go on.
 */
import process from "node:process";
import { crossipc } from "../fixtures/_crossipc.ts";

/** The part of a runner's `expect` the suite uses (vitest's and `bun:test`'s as they are; `assertExpect` for the others). */
export type Expect = (actual: unknown) => { toBe(expected: unknown): void; toEqual(expected: unknown): void };

export interface Runner {
  name: "vitest" | "bun" | "node" | "deno" | "playwright";
  test(name: string, fn: () => Promise<void>): void;
  expect: Expect;
}

export interface SuiteFile {
  /** Unique within the runner: names the file's scope owner, its items and its answer. */
  name: string;
  /** Close the scope after the first phase, while the other files of the runner go on. */
  closesEarly?: boolean;
}

/** How many files of each runner meet at the barrier (the wrappers in test/runners/<runner>/). */
export const FILES_PER_RUNNER = 8;
/** Requests of one phase; two phases per file. Nested ones cost the hub two requests each. */
const PHASE = { direct: 60, nested: 60, passthrough: 6, unscoped: 6 } as const;
/** Requests in flight per file at a time (eight files at once make it 64 at the hub). */
const CONCURRENCY = 8;
const BARRIER_DEADLINE_MS = 120_000;
/**
 * Eight test processes and the hub on a loaded 2-core CI machine go without CPU for seconds:
 * the heartbeats (the client's and the hub's, `hub.ts`) allow that much, so a starved test does
 * not lose its mocks with its connection.
 */
export const STARVED_MS = 30_000;

/** The hub the driver (test/run-runners.sh) started: `CROSSIPC_HUB_PORT`, as for `crossipc hub`. */
export function hubPort(): number {
  const port = Number(process.env.CROSSIPC_HUB_PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error("CROSSIPC_HUB_PORT is not set: run the suites through test/run-runners.sh");
  return port;
}

export function scopedPriceSuite(runner: Runner, file: SuiteFile): void {
  const { expect } = runner;
  runner.test(`${runner.name} ${file.name}: its scope's mock answers its requests only, nested calls included`, async () => {
    const port = hubPort();
    const hub = `http://127.0.0.1:${port}`;
    const owner = `${runner.name}-${file.name}`;
    const mocks = await crossipc.connectMocks(port, { runtimeId: owner, heartbeatTimeout: STARVED_MS });
    try {
      const scope = mocks.scope();
      expect(/^[0-9a-f]{32}$/.test(scope.id)).toBe(true);
      expect(scope.headers["baggage"]).toBe(`crossipc-scope=${scope.id}`);
      expect(scope.headers["x-b3-traceid"]).toBe(scope.id);

      const answer = { price: 100 + Number(file.name.replace(/\D/g, "") || 0), source: owner };
      const strays: string[] = [];
      const rule = await scope.intercept("GET", "/shop/price/:item", (_body, params, headers) => {
        // Only requests of this scope may reach this handler.
        if (!String(headers["baggage"] ?? "").includes(`crossipc-scope=${scope.id}`) || !params.item?.startsWith(`${owner}-`)) {
          strays.push(`${params.item} baggage=${headers["baggage"]}`);
        }
        if (params.item?.endsWith("-pass")) return crossipc.passthrough();
        return { item: params.item, ...answer };
      });

      const mine = (await state(hub)).mocks.filter((m) => m.scope === scope.id);
      expect(mine.map(({ scope, method, path, calls }) => ({ scope, method, path, calls }))).toEqual([
        { scope: scope.id, method: "GET", path: "/shop/price/:item", calls: 0 },
      ]);
      expect(typeof mine[0]!.owner).toBe("string");

      await barrier(hub, runner.name, "ready", file.name);
      const phase = async (n: number, mocked: boolean) => {
        const results = await sendPhase(hub, owner, n, scope.headers);
        for (const r of results) {
          const item = r.item;
          const mockedAnswer = { item, ...answer };
          const real = { item, price: 0, source: "service" };
          const expected =
            r.kind === "nested" ? { quotedBy: "service", status: 200, price: mocked ? mockedAnswer : real } : r.kind === "direct" && mocked ? mockedAnswer : real;
          expect({ path: r.path, status: r.status, body: r.body }).toEqual({ path: r.path, status: 200, body: expected });
        }
      };
      const perPhase = PHASE.direct + PHASE.nested + PHASE.passthrough;
      const journalPerPhase = PHASE.direct + 2 * PHASE.nested + PHASE.passthrough;

      await phase(1, true);
      expect(rule.calls).toBe(perPhase);
      if (file.closesEarly) {
        await expectJournal(hub, scope.id, owner, journalPerPhase, expect);
        await scope.close();
        expect((await state(hub)).mocks.filter((m) => m.scope === scope.id)).toEqual([]);
      }
      // The closing file arrives here only once its scope is gone: the others' second phase
      // runs after the close, and must still get their own mocks.
      await barrier(hub, runner.name, "closed", file.name);
      await phase(2, !file.closesEarly);
      expect(strays).toEqual([]);

      if (!file.closesEarly) {
        expect(rule.calls).toBe(2 * perPhase);
        expect((await state(hub)).mocks.filter((m) => m.scope === scope.id).map((m) => m.calls)).toEqual([2 * perPhase]);
        await expectJournal(hub, scope.id, owner, 2 * journalPerPhase, expect);
        await scope.close();
        expect((await state(hub)).mocks.filter((m) => m.scope === scope.id)).toEqual([]);
      } else {
        expect(rule.calls).toBe(perPhase);
      }
    } finally {
      await mocks.close();
    }
  });
}

interface Result {
  kind: "direct" | "nested" | "passthrough" | "unscoped";
  item: string;
  path: string;
  status: number;
  body: unknown;
}

/** One phase of a file's requests, all kinds interleaved, CONCURRENCY at a time. */
async function sendPhase(hub: string, owner: string, n: number, scopeHeaders: Record<string, string>): Promise<Result[]> {
  const plan: Array<{ kind: Result["kind"]; item: string }> = [];
  const longest = Math.max(PHASE.direct, PHASE.nested, PHASE.passthrough, PHASE.unscoped);
  for (let i = 0; i < longest; i++) {
    if (i < PHASE.direct) plan.push({ kind: "direct", item: `${owner}-${n}-d${i}` });
    if (i < PHASE.nested) plan.push({ kind: "nested", item: `${owner}-${n}-n${i}` });
    if (i < PHASE.passthrough) plan.push({ kind: "passthrough", item: `${owner}-${n}-p${i}-pass` });
    if (i < PHASE.unscoped) plan.push({ kind: "unscoped", item: `${owner}-${n}-u${i}` });
  }
  const results: Result[] = [];
  let next = 0;
  const worker = async () => {
    while (next < plan.length) {
      const { kind, item } = plan[next++]!;
      const path = `/shop/${kind === "nested" ? "quote" : "price"}/${item}`;
      const response = await getOnce(`${hub}${path}`, kind === "unscoped" ? {} : scopeHeaders, `${kind} GET ${path}`);
      results.push({ kind, item, path, status: response.status, body: await response.json() });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

interface MockRow {
  id: string;
  scope: string | null;
  kind: string;
  method: string;
  path: string;
  owner: string;
  calls: number;
}

async function state(hub: string): Promise<{ mocks: MockRow[] }> {
  const response = await getOnce(`${hub}/__crossipc/api/state`, {}, "GET the hub's state");
  const body = (await response.json()) as { mocks?: MockRow[] };
  if (!Array.isArray(body.mocks)) throw new Error(`/__crossipc/api/state has no mocks list: ${JSON.stringify(body).slice(0, 300)}`);
  return { mocks: body.mocks };
}

interface JournalRow {
  path: string;
  scope: string | null;
  takenBy: string;
  status: number;
}

/**
 * The scope's HTTP journal over `/__crossipc/api/journal?scope=`: exactly `count` entries, all
 * of this scope and this file, the mocked prices taken by the mock and the rest proxied. An
 * entry is written as its answer goes out, so it is read until the count is reached (or 10 s).
 */
async function expectJournal(hub: string, scopeId: string, owner: string, count: number, expect: Expect): Promise<void> {
  let entries: JournalRow[] = [];
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(50)) {
    const response = await getOnce(`${hub}/__crossipc/api/journal?kind=http&scope=${scopeId}`, {}, "GET the scope's journal");
    entries = ((await response.json()) as { entries: JournalRow[] }).entries;
    if (entries.length >= count) break;
  }
  const foreign = entries.filter((e) => e.scope !== scopeId || !e.path.includes(`/${owner}-`));
  expect(foreign).toEqual([]);
  expect(entries.length).toBe(count);
  const mocked = entries.filter((e) => e.path.startsWith("/shop/price/") && !e.path.endsWith("-pass"));
  const proxied = entries.filter((e) => !mocked.includes(e));
  expect(mocked.every((e) => e.takenBy !== "proxy" && e.status === 200)).toBe(true);
  expect(proxied.every((e) => e.takenBy === "proxy" && e.status === 200)).toBe(true);
}

/** Waits at the service's barrier until all FILES_PER_RUNNER files of the runner reached `phase`. */
async function barrier(hub: string, group: string, phase: string, file: string): Promise<void> {
  const deadline = Date.now() + BARRIER_DEADLINE_MS;
  for (;;) {
    // Asked again after a dropped connection too: the service counts each file once.
    const response = await getOnce(`${hub}/shop/barrier/${group}/${phase}/${file}?count=${FILES_PER_RUNNER}`, {}, `GET the barrier ${phase}`);
    const { released, arrived } = (await response.json()) as { released: boolean; arrived: number };
    if (released) return;
    if (Date.now() > deadline) {
      throw new Error(`only ${arrived} of ${FILES_PER_RUNNER} ${group} files reached '${phase}' within ${BARRIER_DEADLINE_MS / 1000} s: does the runner run the files in parallel?`);
    }
  }
}

/**
 * GET, sent again (twice at most) if the connection dropped before any answer: a keep-alive socket the
 * hub closed as idle (Node's 5 s) while this process was too starved for CPU to notice, which
 * happens on a loaded CI machine. Such a request never reached the hub, so the exact journal
 * counts still hold; a request the hub did read and then dropped shows there as an extra entry.
 */
async function getOnce(url: string, headers: Record<string, string>, what: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { headers });
    } catch (error) {
      const cause = describeCause((error as Error).cause);
      if (attempt === 3 || !/UND_ERR_SOCKET|ECONNRESET|other side closed|socket hang up/i.test(cause)) {
        throw new Error(`${what}: ${(error as Error).message} (${cause})`);
      }
      console.warn(`${what}: the connection dropped before an answer (${cause}); sending it again`);
    }
  }
}

function describeCause(cause: unknown): string {
  const { code, message } = (cause ?? {}) as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(": ") || "no cause given";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
