import { crossipc, runtime } from "../fixtures/_crossipc.ts";
const hub = new crossipc.ServiceHub(0, { dashboard: true });
await hub.start();
const url = hub.getUrl();
const statuses: number[] = [];
for (let i = 0; i < 20; i++) {
  const controller = new AbortController();
  const response = await fetch(`${url}/__crossipc/api/events`, { signal: controller.signal });
  statuses.push(response.status);
  if (response.body) { const r = response.body.getReader(); await r.read(); }
  controller.abort();
  await new Promise((r) => setTimeout(r, 20));
}
console.log(runtime, statuses.join(","));
await hub.teardown();
