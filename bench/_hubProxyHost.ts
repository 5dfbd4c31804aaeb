/**
 * The proxy half of the hub bench (Node): a backend and two ServiceHubs, one with a single
 * registered prefix and one with 1,000 (the target's among them), so the orchestrator can
 * load both alternately. Prints `{"one":PORT,"many":PORT,"lookup":{…}}`; answers "cpu" lines.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ServiceHub } from "../adapters/node.ts";
import { Registry } from "../src/hub/_registry.ts";

const backend = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok"));
await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
const baseUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
const target = { api: "target", baseUrl, pathPrefix: "/api/target" };

export function manyPrefixes(): Array<{ api: string; pathPrefix: string }> {
  const shapes = [(i: number) => `/api/service-${i}`, (i: number) => `/svc${i}/`, (i: number) => `/api/v1/things-${i}/items`, (i: number) => `/${i}`];
  return Array.from({ length: 999 }, (_, i) => ({ api: `api-${i}`, pathPrefix: shapes[i % shapes.length]!(i) }));
}

const one = new ServiceHub(0);
one.addRoute(target);
const many = new ServiceHub(0);
for (const { api, pathPrefix } of manyPrefixes()) many.addRoute({ api, baseUrl: `${baseUrl}/unused`, pathPrefix });
many.addRoute(target);
await Promise.all([one.start(), many.start()]);

// The lookup alone, in ns: the registry's longest-prefix match with 1 and with 1,000 prefixes.
const lookup: Record<string, number> = {};
for (const [label, count] of [["one", 1], ["many", 1000]] as const) {
  const registry = new Registry();
  registry.add({ ...target, owner: "local" });
  if (count > 1) for (const { api, pathPrefix } of manyPrefixes()) registry.add({ api, baseUrl, pathPrefix, owner: "local" });
  const path = "/api/target/items/42";
  for (let i = 0; i < 200_000; i++) registry.match(path);
  const start = process.hrtime.bigint();
  const n = 1_000_000;
  for (let i = 0; i < n; i++) registry.match(path);
  lookup[label] = Number(process.hrtime.bigint() - start) / n;
}

console.log(JSON.stringify({ one: one.getPort(), many: many.getPort(), lookup }));
// A line "cpu" on stdin is answered with this process's CPU time so far (µs): per-request CPU
// is steadier than throughput on a busy machine.
process.stdin.setEncoding("utf8").on("data", (chunk: string) => {
  for (const line of chunk.split("\n")) {
    if (line.trim() !== "cpu") continue;
    const { user, system } = process.cpuUsage();
    console.log(JSON.stringify({ cpu: user + system }));
  }
});
process.stdin.on("end", async () => {
  await Promise.all([one.teardown(), many.teardown()]);
  backend.closeAllConnections();
  backend.close();
});
