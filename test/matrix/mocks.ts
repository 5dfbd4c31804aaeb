/**
 * Mocks across runtimes (SPEC §10): the mocks hub (`test/fixtures/mocks-hub.ts`) under Node, Bun
 * and Deno; the mocks cases (`mocks-client.ts`) from Node, Bun and Deno against each; and in
 * every pairing a test process (`mocks-holder.ts`, under Deno with only `--allow-net`, without
 * NO_COLOR) SIGKILLed while the hub waits for its handler: the waiting client gets a 502 naming
 * it, and its rules are gone.
 *
 *   node --import tsx test/matrix/mocks.ts [--servers node,bun] [--clients deno]
 */
import { startBackend } from "./_backend.ts";
import { RUNTIMES, start, stopHub, waitExit, type Runtime } from "./_spawn.ts";

const servers = pick("--servers");
const clients = pick("--clients");
const backend = await startBackend();
const failures: string[] = [];
let passed = 0;

for (const server of servers) {
  const hub = start(server, "test/fixtures/mocks-hub.ts", ["--backend", backend.url]);
  const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
  await Promise.all(
    clients.map(async (client) => {
      await runCases(server, client, port);
      await killMidRequest(server, client, port);
    }),
  );
  failures.push(...(await stopHub(hub)));
}
await backend.close();

console.log(`mocks matrix: ${passed} passed, ${failures.length} failed`);
for (const failure of failures) console.log(`  FAIL ${failure}`);
process.exitCode = failures.length ? 1 : 0;

async function runCases(server: Runtime, client: Runtime, port: number): Promise<void> {
  const child = start(client, "test/fixtures/mocks-client.ts", ["--port", String(port)]);
  try {
    for (;;) {
      const line = await child.nextJson<{ name?: string; ok?: boolean; error?: string; done?: boolean }>(60_000, "the next case");
      if (line.done) break;
      if (line.ok) passed++;
      else failures.push(`${server} hub × ${client} client: ${line.name}\n${line.error}`);
    }
    await waitExit(child, 10_000, "exit");
  } catch (error) {
    failures.push(`${server} hub × ${client} client: ${(error as Error).message}`);
    child.proc.kill("SIGKILL");
  }
}

async function killMidRequest(server: Runtime, client: Runtime, port: number): Promise<void> {
  const name = `${server} hub × ${client} holder: SIGKILL mid-request`;
  // As a person runs it: Deno with only the loopback network, no NO_COLOR.
  const holder = start(client, "test/fixtures/mocks-holder.ts", ["--port", String(port)], {
    denoPermissions: ["--allow-net=127.0.0.1"],
    unsetEnv: ["NO_COLOR"],
  });
  try {
    const { headers } = await holder.nextJson<{ headers: Record<string, string> }>(60_000, "ready");
    const hubUrl = `http://127.0.0.1:${port}`;
    const pending = fetch(`${hubUrl}/held/never`, { headers });
    await holder.nextJson(10_000, "the call");
    holder.proc.kill("SIGKILL");
    const response = await pending;
    const body = (await response.json()) as { error: string };
    if (response.status !== 502 || !body.error.includes(`holder-${client}`)) throw new Error(`got ${response.status} ${JSON.stringify(body)}`);
    // Its rules are gone with it.
    const after = await fetch(`${hubUrl}/held/answer`, { headers });
    await after.body?.cancel();
    if (after.status !== 404) throw new Error(`its rule still answered after the kill: ${after.status}`);
    passed++;
  } catch (error) {
    failures.push(`${name}: ${(error as Error).message}`);
    holder.proc.kill("SIGKILL");
  }
}

function pick(flag: string): Runtime[] {
  const index = process.argv.indexOf(flag);
  return index === -1 ? RUNTIMES : (process.argv[index + 1]!.split(",") as Runtime[]);
}
