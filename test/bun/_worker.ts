/** A Bun Worker that is a framework client (see worker.test.ts). */
import { crossipc } from "./_setup.ts";

const { IPCClient, IPCServer } = crossipc;
const hello = IPCServer.defineRequest<{ from: string }, string>("main/hello");
const whoami = IPCClient.defineRequest<void, string>("worker/whoami");

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
    client.onFrameworkRequest(whoami, () => runtimeId);
    await client.connect(runtimeId);
    scope.postMessage({ ready: true, greeting: await client.sendFrameworkRequest(hello, { from: runtimeId }) });
  }
  if (command.stop) {
    const closed = new Promise<void>((resolve) => client?.onClose(resolve) ?? resolve());
    client?.disconnect();
    await closed;
    scope.postMessage({ stopped: true });
  }
};
