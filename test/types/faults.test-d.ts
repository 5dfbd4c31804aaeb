/** Compile-time checks of the faults and WebSocket mocks API (SPEC §12), run by `tsc -p tsconfig.json`. */
import { connectMocks, IPCServer, passthrough, type FaultHandle, type FaultInfo, type JournalEntry, type MockFault, type MockWebSocket, type InterceptWebSocketOptions } from "../../adapters/node.ts";

export async function typed(server: IPCServer): Promise<void> {
  const handle: FaultHandle = server.fault({ method: "GET", path: "/users/:id" }, { latency: [10, 20], probability: 0.5 });
  const hits: number = handle.hits;
  handle.remove();
  server.fault({ api: "users" }, { status: 503, times: 3 });
  server.fault({ path: "/feed" }, { close: 4001 });
  // @ts-expect-error a fault has one kind
  server.fault({ path: "/a" }, { probability: 0.5 });
  // @ts-expect-error reset takes only true
  server.fault({ path: "/a" }, { reset: false });
  const listed: FaultInfo[] = server.faults();
  const kind: string | undefined = ({} as JournalEntry).fault?.kind;

  const mocks = await connectMocks(9000);
  const scope = mocks.scope();
  const remote: MockFault = await scope.fault({ path: "/users/**" }, { bandwidth: 1000 });
  const counted: number = remote.hits + remote.calls;
  await remote.remove();
  await scope.interceptWebSocket("/live/:room", (socket: MockWebSocket, request) => {
    const room: string | undefined = request.params["room"];
    socket.onMessage((data: string | Uint8Array) => socket.send(typeof data === "string" ? data : data.slice()));
    socket.onClose((code: number, reason: string) => void [code, reason, room]);
    socket.close(4000, "done");
  });
  await mocks.interceptWebSocket("/other", () => passthrough());
  const options: InterceptWebSocketOptions = { protocols: ["graphql-ws"] };
  await mocks.interceptWebSocket("/graphql", () => {}, options);
  // @ts-expect-error protocols is a list of names
  await mocks.interceptWebSocket("/graphql", () => {}, { protocols: "graphql-ws" });
  void [hits, listed, kind, counted];
}
