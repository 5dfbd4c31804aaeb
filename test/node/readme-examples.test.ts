/**
 * The README's main examples, taken from README.md itself and run as a reader pastes them, on
 * Node, Bun and Deno (Deno with only the README's --allow-net=127.0.0.1): the opening example, the
 * API's typed requests, server and client, the hub section (joinHub, a grest-ts-style client,
 * ServiceHub) and mocks from another process. Each block runs as a program of its own with only
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
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { IPCServer, ServiceHub } from "../../adapters/node.ts";
import { deadPort, startBackend } from "./_helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");
// Inside the repository (git-ignored): Deno resolves the adapters' npm imports from its package.json.
const SCRATCH = join(ROOT, "scratch");
const run = promisify(execFile);

type Runtime = "node" | "bun" | "deno";
const RUNTIMES: Runtime[] = ["node", "bun", "deno"];
// Node runs the examples in this process (a tsx process each took 3-4 s to start); Bun and Deno as their own.
const COMMAND: Record<Exclude<Runtime, "node">, string[]> = {
  bun: [join(ROOT, "node_modules/.bin/bun")],
  // Only what README's Per runtime section says a client or a server on loopback needs.
  deno: [join(ROOT, "node_modules/.bin/deno"), "run", "--allow-net=127.0.0.1", "--no-check"],
};

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
 * `report` prints what the test checks, as one line.
 */
const PRELUDE = `
const answers: Array<{ status: number; body: string }> = [];
async function seenFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await globalThis.fetch(input, init);
  answers.push({ status: response.status, body: await response.clone().text() });
  return response;
}
function report(result: Record<string, unknown>): void {
  const line = JSON.stringify({ answers, ...result });
  const inProcess = (globalThis as { readmeExampleReport?: (line: string) => void }).readmeExampleReport;
  if (inProcess) inProcess(line);
  else console.log("README-RESULT " + line);
}
`;

/** Runs `code` as a program importing crossipc (this checkout's adapter for `runtime`); returns what it reported. */
async function runExample(runtime: Runtime, code: string): Promise<Record<string, unknown> & { answers: Array<{ status: number; body: string }> }> {
  mkdirSync(SCRATCH, { recursive: true });
  const dir = mkdtempSync(join(SCRATCH, "readme-example-"));
  // .mts: the examples use top-level await, whatever a package.json says.
  const file = join(dir, "example.mts");
  const program = PRELUDE + code.replaceAll("await fetch(", "await seenFetch(");
  writeFileSync(file, program.replaceAll('from "crossipc"', `from ${JSON.stringify(`../../adapters/${runtime}.ts`)}`));
  try {
    if (runtime === "node") return await importExample(file);
    const [command, ...args] = COMMAND[runtime];
    const { stdout, stderr } = await run(command!, [...args, file], { cwd: ROOT, timeout: 60_000 }).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`${runtime}: the example failed: ${error.message}\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    });
    const line = stdout.split("\n").find((text) => text.startsWith("README-RESULT "));
    assert.ok(line, `${runtime}: the example reported nothing\n${stdout}${stderr}`);
    return JSON.parse(line.slice("README-RESULT ".length));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Node: the example as a module of this process, its report handed over through a global. */
async function importExample(file: string): Promise<Record<string, unknown> & { answers: Array<{ status: number; body: string }> }> {
  let reported: string | undefined;
  const slot = globalThis as { readmeExampleReport?: (line: string) => void };
  slot.readmeExampleReport = (line) => void (reported = line);
  try {
    await import(pathToFileURL(file).href);
  } finally {
    delete slot.readmeExampleReport;
  }
  assert.ok(reported, "node: the example reported nothing");
  return JSON.parse(reported);
}

const json = (body: string) => JSON.parse(body) as unknown;
const bodies = (answers: Array<{ body: string }>) => answers.map((answer) => json(answer.body));

for (const runtime of RUNTIMES) {
  test(`${runtime}: README opening example: a service joins the hub, a test's hub mocks a route, a scope from another process`, async () => {
    const port = await deadPort();
    const result = await runExample(
      runtime,
      readmeBlock('import { connectMocks, joinHub, ServiceHub } from "crossipc";').replaceAll("9000", String(port)) +
        `
report({ role: member.role, journaled: hub.server.journal.entries({ path: "/users/42" }).length });
await scope.close();
await mocks.close();
await member.leave();
await hub.teardown();
`,
    );
    assert.deepEqual(
      bodies(result.answers),
      [{ id: "42", name: "Mock" }, { name: "Only in this test" }],
      "the test's hub answers with its mock; the scope's mock answers a request of its scope",
    );
    assert.equal(result.role, "leader", "the first process on the port leads");
    assert.equal(result.journaled, 1, "the journal holds what the hub saw");
  });

  test(`${runtime}: README API: typed requests, IPCServer and IPCClient blocks, in order`, async () => {
    const port = await deadPort();
    const code = [
      readmeBlock('import { IPCClient, IPCServer, type HubEntry } from "crossipc";'),
      // What the client block sends; the README names it and leaves it to the reader.
      'const entries: HubEntry[] = [{ api: "users", baseUrl: "http://127.0.0.1:4001", pathPrefix: "/users" }];',
      readmeBlock("const server = new IPCServer(4000 /* 0 = any free port */, { /* options below */ });"),
      readmeBlock('const client = new IPCClient(4000 /* or "http://127.0.0.1:4000" */, { connectTimeout: 5000 });'),
      "report({ connected: client.isConnected() });",
    ].join("\n");
    const result = await runExample(runtime, code.replaceAll("4000", String(port)));
    assert.equal(result.connected, false, "disconnected at the end");
    const again = new IPCServer(port);
    assert.equal(await again.start(), true, "teardown freed the port");
    await again.teardown();
  });

  test(`${runtime}: README hub section: joinHub, a grest-ts-style client with HubRequests, a ServiceHub test`, async (t) => {
    const port = await deadPort();
    const joined = await runExample(runtime, readmeBlock('import { joinHub } from "crossipc";').replaceAll("9000", String(port)) + "\nreport({ role: member.role });\n");
    assert.equal(joined.role, "left");

    // The grest-ts-style client registers with a hub running on the port.
    const running = new ServiceHub(port);
    assert.equal(await running.start(), true);
    t.after(() => running.teardown());
    await runExample(runtime, readmeBlock('import { IPCClient, HubRequests } from "crossipc";').replaceAll("9000", String(port)) + "\nreport({});\nclient.disconnect();\n");
    assert.deepEqual(
      running.server.journal.entries({ kind: "framework", path: "discovery/register" }).map((entry) => [entry.runtimeId, entry.ok]),
      [["users-1", true]],
      "the hub registered the entry it sent",
    );

    const users = await startBackend(t, (request, response) => response.end(JSON.stringify({ real: request.url })));
    const result = await runExample(
      runtime,
      `const usersService = { url: ${JSON.stringify(users.url)} };\n` + readmeBlock('import { ServiceHub } from "crossipc";') + "\nreport({});\n",
    );
    assert.deepEqual(bodies(result.answers), [{ id: "42", name: "Mock User" }, { real: "/users/42/orders" }], "the mock, then the real users service");
  });

  test(`${runtime}: README mocks from any process: a scope's mocks, then the same with await using`, async (t) => {
    const users = await startBackend(t, (request, response) => response.end(JSON.stringify({ real: request.url })));
    const token = "readme-example-token";
    const withToken = new ServiceHub(0, { accessToken: token });
    await withToken.start();
    t.after(() => withToken.teardown());
    withToken.addRoute({ api: "users", baseUrl: users.url, pathPrefix: "/users" });
    withToken.addRoute({ api: "orders", baseUrl: users.url, pathPrefix: "/orders" });
    const result = await runExample(
      runtime,
      `const token = ${JSON.stringify(token)};\nconst hub = ${JSON.stringify(withToken.getUrl())};\n` +
        readmeBlock('import { connectMocks, passthrough } from "crossipc";').replaceAll("9000", String(withToken.getPort())) +
        "\nreport({});\n",
    );
    assert.deepEqual(bodies(result.answers), [{ id: "1", name: "Mock" }, { real: "/users/1" }], "this scope's mock, then the real users service");

    const plain = new ServiceHub(0);
    await plain.start();
    t.after(() => plain.teardown());
    plain.addRoute({ api: "flags", baseUrl: users.url, pathPrefix: "/flags" });
    const example = readmeBlock("await using mocks = await connectMocks(9000);").replaceAll("9000", String(plain.getPort()));
    const underTest = "// … the code under test, with scope.headers on its requests …";
    assert.ok(example.includes(underTest), "the example leaves the code under test to the reader");
    await runExample(
      runtime,
      // The block goes on from the one above it, whose import it leaves out.
      `import assert from "node:assert/strict";\nimport { connectMocks } from "crossipc";\n` +
        example.replace(underTest, `await fetch(${JSON.stringify(`${plain.getUrl()}/flags`)}, { headers: scope.headers });`) +
        "\nreport({});\n",
    );
    assert.deepEqual(
      plain.server.journal.entries({ path: "/flags" }).map((entry) => entry.takenBy),
      ["mock"],
      "the example's own assertions passed, and its rule answered",
    );
  });
}
