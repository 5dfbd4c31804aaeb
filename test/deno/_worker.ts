/**
 * A Deno module Worker that is a framework client: it connects with the runtimeId it is given,
 * asks the main thread's server a question, and answers the server's requests until told to stop.
 */
import { crossipc } from "./_deno.ts";

const { IPCClient, IPCServer } = crossipc;
const hello = IPCServer.defineRequest<{ from: string }, string>("main/hello");
const whoami = IPCClient.defineRequest<void, string>("worker/whoami");
const multiply = IPCClient.defineRequest<{ a: number; b: number }, number>("worker/multiply");

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}
const scope = globalThis as unknown as WorkerScope;
let client: InstanceType<typeof IPCClient> | undefined;

scope.onmessage = async (event) => {
  const command = event.data as { start?: { port: number; runtimeId: string }; stop?: true };
  if (command.start) {
    const { port, runtimeId } = command.start;
    client = new IPCClient(port);
    // Registered before connecting: in place for the server's first request.
    client.onFrameworkRequest(whoami, () => runtimeId);
    client.onFrameworkRequest(multiply, ({ a, b }) => a * b);
    await client.connect(runtimeId);
    const greeting = await client.sendFrameworkRequest(hello, { from: runtimeId });
    scope.postMessage({ ready: true, greeting });
  }
  if (command.stop) {
    const closed = new Promise<void>((resolve) => client?.onClose(resolve) ?? resolve());
    client?.disconnect();
    await closed;
    scope.postMessage({ stopped: true });
  }
};
