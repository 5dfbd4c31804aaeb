/**
 * The README's main examples, taken from README.md itself and run as a reader pastes them: the
 * opening example, the API's server and client, the hub section (joinHub, a grest-ts-style client,
 * ServiceHub) and mocks from another process. Each block runs as a module of its own with only
 * what the README leaves to the reader filled in (a free port for 9000/4000, a service behind the
 * hub, the `token` and `hub` it names, the placeholder "the code under test"), so an example that
 * stops running, or an API it names that goes away, fails here. The answers the examples' `fetch`
 * calls get are checked against what the README's comments say they are.
 *
 * Blocks are found by their first line, so the prose around them can change freely. (The runner
 * examples are run by test/run-runners.sh, the faults example by readme-faults.test.ts, the
 * original's README by test/run-packed.sh.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { IPCServer, ServiceHub } from "../../adapters/node.ts";
import { deadPort, startBackend } from "./_helpers.ts";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const ADAPTER = new URL("../../adapters/node.ts", import.meta.url).href;

/** The text of the README's `ts` block whose first line is `firstLine`. */
function readmeBlock(firstLine: string): string {
  const start = README.indexOf("```ts\n" + firstLine + "\n");
  assert.notEqual(start, -1, `README.md has no ts block beginning with: ${firstLine}`);
  const from = start + "```ts\n".length;
  return README.slice(from, README.indexOf("\n```", from));
}

/**
 * Records what each `fetch` of an example answered; the examples' own `fetch(` calls are pointed
 * at it (their answers are otherwise thrown away, and the README says in comments what they are).
 */
const SEEN_FETCH = `
const answers: Array<{ status: number; body: string }> = [];
async function seenFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await globalThis.fetch(input, init);
  answers.push({ status: response.status, body: await response.clone().text() });
  return response;
}
`;

/** Runs `code` as a module importing crossipc (this checkout's Node adapter), and returns its exports. */
async function runModule(code: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "crossipc-readme-"));
  // .mts: no package.json says "type": "module" in a temp folder, and the examples use top-level await.
  const file = join(dir, "example.mts");
  writeFileSync(file, code.replaceAll('from "crossipc"', `from ${JSON.stringify(ADAPTER)}`).replaceAll("await fetch(", "await seenFetch("));
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const json = (body: string) => JSON.parse(body) as unknown;

test("README opening example: a service joins the hub, a hub of a test mocks a route, a scope from another process", async () => {
  const port = await deadPort();
  const example = readmeBlock('import { connectMocks, joinHub, ServiceHub } from "crossipc";').replaceAll("9000", String(port));
  const { answers, role, journaled, cleanup } = await runModule(
    SEEN_FETCH +
      example +
      `
export { answers };
export const role = member.role;
export const journaled = hub.server.journal.entries({ path: "/users/42" }).length;
export const cleanup = async () => { await member.leave(); await hub.teardown(); };
`,
  );
  await (cleanup as () => Promise<void>)();
  const [mocked, scoped] = answers as Array<{ status: number; body: string }>;
  assert.deepEqual(json(mocked!.body), { id: "42", name: "Mock" }, "the hub of the test answers with its mock");
  assert.deepEqual(json(scoped!.body), { name: "Only in this test" }, "the scope's mock answers a request of its scope");
  assert.equal(role, "leader", "the first process on the port leads");
  assert.equal(journaled, 1, "the journal holds what the hub saw");
});

test("README API: typed requests, IPCServer and IPCClient blocks, in order", async () => {
  const port = await deadPort();
  const code = [
    readmeBlock('import { IPCClient, IPCServer, type HubEntry } from "crossipc";'),
    // What the client block sends; the README names it and leaves it to the reader.
    'const entries: HubEntry[] = [{ api: "users", baseUrl: "http://127.0.0.1:4001", pathPrefix: "/users" }];',
    readmeBlock("const server = new IPCServer(4000 /* 0 = any free port */, { /* options below */ });"),
    readmeBlock('const client = new IPCClient(4000 /* or "http://127.0.0.1:4000" */, { connectTimeout: 5000 });'),
    "export const connected = client.isConnected();",
  ].join("\n").replaceAll("4000", String(port));
  const { connected } = await runModule(SEEN_FETCH + code);
  assert.equal(connected, false, "disconnected at the end");
  const again = new IPCServer(port);
  assert.equal(await again.start(), true, "teardown freed the port");
  await again.teardown();
});

test("README hub section: joinHub, a grest-ts-style client with HubRequests, a ServiceHub test", async (t) => {
  const port = await deadPort();
  const joined = await runModule(
    SEEN_FETCH + readmeBlock('import { joinHub } from "crossipc";').replaceAll("9000", String(port)) + "\nexport const role = member.role;\n",
  );
  assert.equal(joined.role, "left");

  // The grest-ts-style client registers with a hub running on the port.
  const running = new ServiceHub(port);
  assert.equal(await running.start(), true);
  t.after(() => running.teardown());
  const { disconnect } = await runModule(SEEN_FETCH + readmeBlock('import { IPCClient, HubRequests } from "crossipc";').replaceAll("9000", String(port)) + "\nexport const disconnect = () => client.disconnect();\n");
  assert.deepEqual(
    running.routes().map((route) => [route.api, route.pathPrefix]),
    [["users", "/users"]],
    "the entry it sent is registered",
  );
  (disconnect as () => void)();

  const users = await startBackend(t, (request, response) => response.end(JSON.stringify({ real: request.url })));
  const { answers } = await runModule(
    `const usersService = { url: ${JSON.stringify(users.url)} };\n` +
      SEEN_FETCH +
      readmeBlock('import { ServiceHub } from "crossipc";') +
      "\nexport { answers };\n",
  );
  assert.deepEqual(
    (answers as Array<{ body: string }>).map((answer) => json(answer.body)),
    [{ id: "42", name: "Mock User" }, { real: "/users/42/orders" }],
    "the mock, then the real users service",
  );
});

test("README mocks from any process: a scope's mocks, then the same with await using", async (t) => {
  const users = await startBackend(t, (request, response) => response.end(JSON.stringify({ real: request.url })));
  const token = "readme-example-token";
  const withToken = new ServiceHub(0, { accessToken: token });
  await withToken.start();
  t.after(() => withToken.teardown());
  withToken.addRoute({ api: "users", baseUrl: users.url, pathPrefix: "/users" });
  withToken.addRoute({ api: "orders", baseUrl: users.url, pathPrefix: "/orders" });
  const { answers } = await runModule(
    `const token = ${JSON.stringify(token)};\nconst hub = ${JSON.stringify(withToken.getUrl())};\n` +
      SEEN_FETCH +
      readmeBlock('import { connectMocks, passthrough } from "crossipc";').replaceAll("9000", String(withToken.getPort())) +
      "\nexport { answers };\n",
  );
  assert.deepEqual(
    (answers as Array<{ body: string }>).map((answer) => json(answer.body)),
    [{ id: "1", name: "Mock" }, { real: "/users/1" }],
    "this scope's mock, then the real users service",
  );
  assert.equal(withToken.server.journal.entries({ path: "/users/1" }).length, 2);

  const plain = new ServiceHub(0);
  await plain.start();
  t.after(() => plain.teardown());
  plain.addRoute({ api: "flags", baseUrl: users.url, pathPrefix: "/flags" });
  const example = readmeBlock("await using mocks = await connectMocks(9000);").replaceAll("9000", String(plain.getPort()));
  const underTest = "// … the code under test, with scope.headers on its requests …";
  assert.ok(example.includes(underTest), "the example leaves the code under test to the reader");
  await runModule(
    // The block goes on from the one above it, whose import it leaves out.
    `import assert from "node:assert/strict";\nimport { connectMocks } from "crossipc";\n` +
      SEEN_FETCH +
      example.replace(underTest, `await fetch(${JSON.stringify(`${plain.getUrl()}/flags`)}, { headers: scope.headers });`),
  );
  assert.deepEqual(
    plain.server.journal.entries({ path: "/flags" }).map((entry) => entry.takenBy),
    ["mock"],
    "the example's own assertions ran, and the rule answered",
  );
});
