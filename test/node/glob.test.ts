/**
 * Journal `path` globs are matched in linear time, on the server, in `waitFor` and in the
 * dashboard's script (the same function): `*a*a*a*a*b` once froze the hub, which then ignored
 * SIGTERM.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { matchGlob, MAX_GLOB_LENGTH, MAX_GLOB_STARS } from "../../src/_glob.ts";
import { connectMocks } from "../../adapters/node.ts";
import { DASHBOARD_SCRIPT } from "../../src/dashboard/_script.ts";
import { deadPort } from "../matrix/_backend.ts";
import { start, waitExit } from "../matrix/_spawn.ts";
import { rejection, startServer } from "./_helpers.ts";

/** Globs a filter takes (at most MAX_GLOB_STARS `*`) that a backtracking matcher would freeze on. */
const HOSTILE = ["*a*a*a*a*b", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b*", `${"*a".repeat(MAX_GLOB_STARS - 1)}*b`];
const LONG_PATH = `/${"a".repeat(8000)}`;

test("matchGlob: * matches any run of characters, everything else only itself", () => {
  const glob = (pattern: string, text: string) => matchGlob(pattern.split("*"), text);
  assert.equal(glob("/users/*", "/users/42"), true);
  assert.equal(glob("/users/*", "/users/"), true);
  assert.equal(glob("/users/*", "/users"), false);
  assert.equal(glob("*items*", "/api/items?page=2"), true);
  assert.equal(glob("/a*b*c", "/abc"), true);
  assert.equal(glob("/a*b*c", "/a-c-b"), false);
  assert.equal(glob("*ab*ba*", "aba"), false, "pieces may not overlap");
  assert.equal(glob("*ab*ba*", "abba"), true);
  assert.equal(glob("a*a", "a"), false, "head and tail may not overlap");
  assert.equal(glob("**", ""), true);
  assert.equal(glob("/x.y", "/xzy"), false, "no character is special but *");
  assert.equal(glob("/(a|b)+", "/(a|b)+"), true);
  // Against the regex it replaces, on every short glob and text over {a, b, *}.
  const words = (n: number, letters: string[]): string[] => (n === 0 ? [""] : words(n - 1, letters).flatMap((w) => letters.map((l) => w + l)));
  const globs = [0, 1, 2, 3, 4].flatMap((n) => words(n, ["a", "b", "*"]));
  const texts = [0, 1, 2, 3, 4, 5].flatMap((n) => words(n, ["a", "b"]));
  for (const pattern of globs) {
    const regex = new RegExp(`^${pattern.split("*").join(".*")}$`);
    for (const text of texts) assert.equal(glob(pattern, text), regex.test(text), `${pattern} on '${text}'`);
  }
});

test("matchGlob answers hostile globs on long texts at once", { timeout: 20_000 }, () => {
  const text = "a".repeat(200_000);
  for (const pattern of HOSTILE) assert.equal(matchGlob(pattern.split("*"), text), false, pattern);
});

test("the journal's path filter and waitFor answer hostile globs at once; a glob too long is refused", { timeout: 20_000 }, async (t) => {
  const server = await startServer(t);
  assert.equal((await fetch(`${server.getUrl()}${LONG_PATH}`)).status, 404);
  for (const pattern of HOSTILE) {
    assert.deepEqual(server.journal.entries({ path: pattern }), [], pattern);
    const error = await rejection(server.journal.waitFor({ path: pattern }, 50));
    assert.equal(error.code, "ERR_IPC_TIMEOUT");
  }
  assert.equal(server.journal.entries({ path: "/a*a" }).length, 1);
  assert.throws(() => server.journal.entries({ path: "*".repeat(MAX_GLOB_LENGTH + 1) }), /longer than 1024 characters/);
});

test(`a glob with more than ${MAX_GLOB_STARS} '*' is refused naming the limit, wherever a filter is given; a run of '*' counts once`, async (t) => {
  // Each '*' is a search of every entry's path, for every read and wait: a 1 KiB `*a*a…` over 1,000
  // entries of 7,000-character paths held the hub's thread ~36 ms per read, and 1,000 such waits of
  // one connection held it for seconds. Before, such a glob was taken (and the reads below answered).
  const server = await startServer(t);
  assert.equal((await fetch(`${server.getUrl()}${LONG_PATH}`)).status, 404);
  const many = `${"*a".repeat(MAX_GLOB_STARS)}*`;
  const message = new RegExp(`journal filter path has ${MAX_GLOB_STARS + 1} '\\*', more than the ${MAX_GLOB_STARS} a glob may have`);
  assert.throws(() => server.journal.entries({ path: many }), message);
  await assert.rejects(server.journal.waitFor({ path: many }, 50), message);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await assert.rejects(mocks.entries({ path: many }), message);
  await assert.rejects(mocks.waitFor({ path: many }, 50), message);
  const answer = await fetch(`${server.getUrl()}/__crossipc/api/journal?path=${encodeURIComponent(many)}`);
  assert.equal(answer.status, 400);
  assert.match(((await answer.json()) as { error: string }).error, message);
  // `**` is `*`: a glob of many runs is counted by its runs.
  assert.equal(server.journal.entries({ path: `/${"**a".repeat(MAX_GLOB_STARS)}` }).length, 1);
  assert.equal(server.journal.entries({ path: `${"*a".repeat(MAX_GLOB_STARS - 1)}*` }).length, 1);
});

test("the dashboard's script filters with the server's matchGlob, not a regex", () => {
  assert.ok(DASHBOARD_SCRIPT.includes(matchGlob.toString()), "the same function's source is embedded");
  assert.doesNotMatch(DASHBOARD_SCRIPT, /RegExp\(/);
  // The embedded source runs on its own (a browser has no imports).
  const embedded = new Function(`${matchGlob.toString()}; return matchGlob;`)() as typeof matchGlob;
  assert.equal(embedded("*a*a*a*a*b".split("*"), "a".repeat(200_000)), false);
  assert.equal(embedded("/users/*".split("*"), "/users/7"), true);
});

test("a hub process answers /__crossipc/api/journal?path=<hostile glob> at once and still exits on SIGTERM", { timeout: 90_000 }, async (t) => {
  const port = await deadPort();
  const hub = start("node", "bin/crossipc.ts", ["hub", "--port", String(port), "--json"]);
  t.after(() => hub.proc.kill("SIGKILL"));
  assert.equal((await hub.nextJson(60_000, "the started event")).event, "started");
  const base = `http://127.0.0.1:${port}`;
  assert.equal((await fetch(`${base}${LONG_PATH}`)).status, 404);
  for (const pattern of HOSTILE) {
    const answer = await fetch(`${base}/__crossipc/api/journal?path=${encodeURIComponent(pattern)}`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(answer.status, 200, pattern);
    assert.deepEqual(((await answer.json()) as { entries: unknown[] }).entries, [], pattern);
  }
  const tooLong = await fetch(`${base}/__crossipc/api/journal?path=${"*a".repeat(600)}`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(tooLong.status, 400);
  assert.match(((await tooLong.json()) as { error: string }).error, /longer than 1024 characters/);
  hub.proc.kill("SIGTERM");
  assert.equal(await waitExit(hub, 15_000, "exit on SIGTERM"), 0, hub.stderr());
});
