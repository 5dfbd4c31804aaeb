import assert from "node:assert/strict";
import { test } from "node:test";
import { crossipc } from "./_cli.ts";
import { connectMocks } from "../../src/index.ts";
import { startServer } from "./_helpers.ts";

test("crossipc fault adds a fault and prints its id; --list shows it; --clear [id] removes", async (t) => {
  const server = await startServer(t, { dashboard: true, accessToken: "s3cret" });
  server.interceptHttp("GET", "/users/:id", () => ({ ok: true }));
  const env = { CROSSIPC_HUB_PORT: String(server.getPort()), CROSSIPC_ACCESS_TOKEN: "s3cret" };
  const added = await crossipc(["fault", "--path", "/users/:id", "--method", "GET", "--status", "503", "--times", "5"], env);
  assert.equal(added.code, 0, added.stderr);
  const id = added.stdout.trim();
  assert.deepEqual(server.faults().map((f) => f.id), [id]);
  assert.equal((await fetch(`${server.getUrl()}/users/1`)).status, 503);

  const list = await crossipc(["fault", "--list"], env);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout, `${id}  GET /users/:id  status 503 (times 5)  1 hit\n`);

  const second = await crossipc(["fault", "--path", "/users/**", "--latency", "10-20", "--probability", "0.5", "--port", String(server.getPort()), "--token", "s3cret"]);
  assert.equal(second.code, 0, second.stderr);
  assert.equal((await crossipc(["fault", "--clear", id], env)).stdout, "removed 1 fault\n");
  assert.deepEqual(server.faults().map((f) => f.fault), [{ latency: [10, 20], probability: 0.5 }]);
  assert.equal((await crossipc(["fault", "--clear"], env)).stdout, "removed 1 fault\n");
  assert.deepEqual(server.faults(), []);
});

test("crossipc fault: bad flags exit 2 naming the mistake, and nothing is added", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const env = { CROSSIPC_HUB_PORT: String(server.getPort()) };
  const cases: Array<[string[], RegExp]> = [
    [["fault", "--status", "503"], /give --path \(or --api\)/],
    [["fault", "--path", "/a"], /give exactly one of --latency/],
    [["fault", "--path", "/a", "--status", "503", "--reset"], /got --status and --reset/],
    [["fault", "--path", "/a", "--latency", "-5"], /--latency must be a number of ms \(or MIN-MAX\), got '-5'/],
    [["fault", "--path", "/a", "--status", "503", "--probability", "2"], /probability must be a number from 0 to 1/],
    [["fault", "--path", "/a", "--bandwidth", "0"], /bandwidth must be a number of bytes per second > 0/],
    [["fault", "--path", "/a", "--status", "abc"], /--status must be a whole number, got 'abc'/],
    [["fault", "--path", "/a", "--slow"], /unknown flag --slow/],
  ];
  for (const [args, message] of cases) {
    const result = await crossipc(args, env);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(" "));
  }
  assert.deepEqual(server.faults(), []);
});

test("crossipc fault: --list, --clear and a new fault's flags are one at a time (--clear --path /b removed every fault)", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const env = { CROSSIPC_HUB_PORT: String(server.getPort()) };
  const kept = server.fault({ path: "/b" }, { reset: true });
  const other = server.fault({ path: "/c" }, { latency: 10 });
  const cases: Array<[string[], RegExp]> = [
    [["fault", "--clear", "--path", "/b"], /^crossipc fault: --clear takes none of the flags of a new fault, got --path \(--clear removes by id: crossipc fault --list shows them\)\n/],
    [["fault", "--list", "--path", "/d", "--reset"], /^crossipc fault: --list takes none of the flags of a new fault, got --path --reset\n/],
    [["fault", "--list", "--clear"], /^crossipc fault: give --list or --clear, not both\n/],
  ];
  for (const [args, message] of cases) {
    const result = await crossipc(args, env);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(" "));
    assert.equal(result.stdout, "", args.join(" "));
  }
  assert.deepEqual(server.faults().map((f) => f.id), [kept.id, other.id], "nothing added, nothing removed");
});

test("a test's fault says its scope and owner in the API and in --list; the hub's own keep {id, match, fault, hits}", async (t) => {
  const server = await startServer(t, { dashboard: true });
  const own = server.fault({ path: "/users/:id" }, { status: 503 });
  const mocks = await connectMocks(server.getPort(), { runtimeId: "checkout.spec" });
  t.after(() => mocks.close());
  const scoped = await mocks.scope("t-42").fault({ path: "/cart" }, { latency: 5 });
  const unscoped = await mocks.fault({ path: "/x\u001b]52;c;aGk=\u0007" }, { status: 500 });

  const { faults } = (await (await fetch(`${server.getUrl()}/__crossipc/api/faults`)).json()) as { faults: Array<Record<string, unknown>> };
  assert.deepEqual(faults[0], { id: own.id, match: { path: "/users/:id" }, fault: { status: 503 }, hits: 0 });
  const owner = faults[1]!["owner"] as string;
  assert.match(owner, /\S/);
  assert.deepEqual(faults[1], { id: scoped.id, match: { path: "/cart" }, fault: { latency: 5 }, hits: 0, scope: "t-42", owner });
  assert.deepEqual(faults[2], { id: unscoped.id, match: { path: "/x\u001b]52;c;aGk=\u0007" }, fault: { status: 500 }, hits: 0, owner });

  const list = await crossipc(["fault", "--list"], { CROSSIPC_HUB_PORT: String(server.getPort()) });
  assert.equal(list.code, 0, list.stderr);
  assert.equal(
    list.stdout,
    `${own.id}  /users/:id  status 503  0 hits\n` +
      `${scoped.id}  /cart  latency 5  0 hits  scope t-42 (${owner})\n` +
      `${unscoped.id}  /x\\x1b]52;c;aGk=\\x07  status 500  0 hits  unscoped (${owner})\n`,
    "a path from the network is printed escaped",
  );
});
