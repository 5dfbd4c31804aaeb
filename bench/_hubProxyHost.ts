/**
 * The proxy half of the hub bench (Node): a backend and one ServiceHub proxying
 * `/api/target/**` to it. Lines on stdin switch the registry between the target alone
 * ("one") and the target among 1,000 prefixes ("many"), so both are measured on the very same
 * server; "cpu" is answered with this process's CPU time so far (µs). Prints
 * `{"port":N,"lookup":{one,many}}` first (the registry's lookup alone, ns).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ServiceHub } from "../adapters/node.ts";
import { Registry } from "../src/hub/_registry.ts";

const backend = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok"));
await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
const baseUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
const target = { api: "target", baseUrl, pathPrefix: "/api/target" };

/** 999 other prefixes of several shapes and lengths, as many services would register. */
function otherPrefixes(): Array<{ api: string; pathPrefix: string }> {
  const shapes = [(i: number) => `/api/service-${i}`, (i: number) => `/svc${i}/`, (i: number) => `/api/v1/things-${i}/items`, (i: number) => `/${i}`];
  return Array.from({ length: 999 }, (_, i) => ({ api: `api-${i}`, pathPrefix: shapes[i % shapes.length]!(i) }));
}

const hub = new ServiceHub(0);
hub.addRoute(target);
await hub.start();

const lookup: Record<string, number> = {};
for (const [label, others] of [["one", []], ["many", otherPrefixes()]] as const) {
  const registry = new Registry();
  for (const { api, pathPrefix } of others) registry.add({ api, baseUrl, pathPrefix, owner: "local" });
  registry.add({ ...target, owner: "local" });
  const path = "/api/target/items/42";
  for (let i = 0; i < 200_000; i++) registry.match(path);
  const start = process.hrtime.bigint();
  const n = 1_000_000;
  for (let i = 0; i < n; i++) registry.match(path);
  lookup[label] = Number(process.hrtime.bigint() - start) / n;
}
console.log(JSON.stringify({ port: hub.getPort(), lookup }));

process.stdin.setEncoding("utf8").on("data", (chunk: string) => {
  for (const line of chunk.split("\n").map((l) => l.trim())) {
    if (line === "cpu") {
      const { user, system } = process.cpuUsage();
      console.log(JSON.stringify({ cpu: user + system }));
    } else if (line === "many") {
      for (const { api, pathPrefix } of otherPrefixes()) hub.addRoute({ api, baseUrl: `${baseUrl}/unused`, pathPrefix });
      console.log(JSON.stringify({ routes: hub.routes().length }));
    } else if (line === "one") {
      for (const { api } of otherPrefixes()) hub.removeRoute(api);
      console.log(JSON.stringify({ routes: hub.routes().length }));
    }
  }
});
process.stdin.on("end", async () => {
  await hub.teardown();
  backend.closeAllConnections();
  backend.close();
});
