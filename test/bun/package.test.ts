/**
 * The built package as Bun resolves it by name (`npm run build` first): the `bun` export
 * condition picks the Bun adapter, and the explicit entries of other runtimes refuse to load.
 */
import { expect, test } from "bun:test";

type Crossipc = typeof import("../../adapters/bun.ts");
/** By name at run time only: the typecheck runs before dist/ is built. */
const load = (specifier: string): Promise<Crossipc> => import(specifier);

test("'crossipc' resolves to the Bun adapter", async () => {
  const byName = await load("crossipc");
  const explicit = await load("crossipc/bun");
  expect(byName.IPCServer).toBe(explicit.IPCServer);
  expect(import.meta.resolve("crossipc")).toMatch(/\/dist\/adapters\/bun\.js$/);
  expect(byName.INTERNAL_SOCKET_PATH).toBe("/__ggFrameworkConnection");
  for (const name of ["IPCServer", "IPCClient", "IPCSocket", "INTERNAL_SOCKET_PATH"]) expect(Object.keys(byName)).toContain(name);
});

test("the built package serves and connects on port 0", async () => {
  const { IPCServer, IPCClient } = await load("crossipc");
  const server = new IPCServer(0);
  expect(await server.start()).toBe(true);
  server.onFrameworkMessage(IPCServer.defineRequest<number, number>("double"), (n) => n * 2);
  const client = new IPCClient(server.getPort());
  client.onFrameworkRequest(IPCClient.defineRequest<string, string>("shout"), (s) => s.toUpperCase());
  await client.connect("bun-packaged");
  expect(await client.sendFrameworkRequest(IPCServer.defineRequest<number, number>("double"), 21)).toBe(42);
  expect(await server.sendFrameworkMessage("bun-packaged", IPCClient.defineRequest<string, string>("shout"), "hey")).toBe("HEY");
  client.disconnect();
  await server.teardown();
});

test("crossipc/node and crossipc/deno refuse to load in Bun, saying which entry to use", async () => {
  await expect(load("crossipc/node")).rejects.toThrow("crossipc/node was loaded in bun");
  await expect(load("crossipc/deno")).rejects.toThrow("crossipc/deno was loaded in bun");
});
