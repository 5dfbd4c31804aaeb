/**
 * Does a library user's process exit by itself once it is done (no leftover handle)? Run:
 *   _exit-check.ts --port N   (a hub elsewhere)  — a client, mocks, a follower joinHub member, all closed
 *   _exit-check.ts            — plus a ServiceHub and a joinHub leader of its own, torn down
 * Prints "done" after closing everything; the caller checks that the process exits soon after.
 */
import process from "node:process";
import { crossipc } from "../fixtures/_crossipc.ts";

const argv = process.argv.slice(2);
const external = argv.includes("--port") ? Number(argv[argv.indexOf("--port") + 1]) : undefined;
const hub = external === undefined ? new crossipc.ServiceHub(0, { dashboard: true }) : undefined;
if (hub) await hub.start();
const port = external ?? hub!.getPort();

const client = new crossipc.IPCClient(port);
await client.connect("exit-check");
await client.sendFrameworkRequest(crossipc.HubRequests.discoverApi, "nothing");
client.disconnect();

const mocks = await crossipc.connectMocks(port);
const scope = mocks.scope();
await scope.intercept("GET", "/x", () => "x");
await scope.fault({ path: "/y" }, { latency: 1 });
await fetch(`http://127.0.0.1:${port}/x`, { headers: scope.headers }).then((r) => r.text());
await scope.waitFor({ path: "/never" }, 50).catch(() => {});
await scope.close();
await mocks.close();

const follower = await crossipc.joinHub(port, { entries: [{ api: "e", baseUrl: "http://127.0.0.1:1", pathPrefix: "/e" }] });
await follower.leave();

// Left open, the hub goes first: nothing of theirs may keep this process alive either.
if (hub) {
  const orphan = new crossipc.IPCClient(port);
  await orphan.connect("orphan");
  const orphanMocks = await crossipc.connectMocks(port);
  await orphanMocks.scope().intercept("GET", "/o", () => "o");
}
const orphanMember = hub && (await crossipc.joinHub(port, {}));

if (hub) {
  const events = await fetch(`${hub.getUrl()}/__crossipc/api/events`);
  await events.body!.getReader().read();
  await events.body!.cancel().catch(() => {});
  await hub.teardown();
  // The orphaned follower bids for the port and leads it now: it leaves.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await orphanMember!.leave();
  // A member that leads its own hub on a port, then leaves.
  const leader = await crossipc.joinHub(port, {});
  if (leader.role !== "leader") throw new Error(`expected to lead, ${leader.role}`);
  await leader.leave();
}
console.log("done");
