/**
 * One hub member for the failover bench, under any runtime:
 *   _hubMember.ts --port PORT --name NAME [--model crossipc|grest]
 * Runs a small HTTP service, joins the hub on PORT with it under `/NAME` (crossipc's
 * `joinHub`, or the model of grest-ts's resilient client), prints `{"joined":true,"role":…}`
 * and then `{"role":…}` on every role change.
 */
import process from "node:process";
import { crossipc, runtime } from "../test/fixtures/_crossipc.ts";
import { startEchoService } from "../test/fixtures/_echoService.ts";
import { GrestResilientModel } from "./_grestResilient.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const name = args.get("name")!;
const port = Number(args.get("port"));
const say = (line: object) => console.log(JSON.stringify({ name, runtime, pid: process.pid, ...line }));
const service = await startEchoService(name);
const entries = [{ api: name, baseUrl: service.url, pathPrefix: `/${name}` }];

if (args.get("model") === "grest") {
  const model = new GrestResilientModel(crossipc, port, entries);
  model.onRole = (role) => say({ role });
  await model.register();
  say({ joined: true, role: model.isLeader ? "leader" : "follower" });
} else {
  // HUB_DEBUG=1: the member's log on stderr with wall-clock ms, to line it up with the kills.
  const trace = (message: string) => console.error(Date.now(), name, message);
  const logger = process.env["HUB_DEBUG"] ? { debug: trace, info: trace, warn: trace, error: trace } : undefined;
  const member = await crossipc.joinHub(port, { runtimeId: name, entries, logger });
  member.onRoleChange((role) => say({ role }));
  say({ joined: true, role: member.role });
}
