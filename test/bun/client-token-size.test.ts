/**
 * An access token too large for a request's head, from Bun's client (Bun's WebSocket error says
 * only that the connection failed): refused before connecting when its URL is past every server's
 * 16 KiB head limit, else the server's 431 named as the token's size; the token never shown.
 * test/node/client-token-size.test.ts has the why.
 */
import { expect, test } from "bun:test";
import net from "node:net";
import { crossipc, startServer } from "./_setup.ts";
import { failure } from "../_rejection.ts";

const HUGE = "h".repeat(70_000);
/** Its URL fits in 16 KiB; the upgrade's head (and a plain GET's) does not: the server answers 431. */
const NEAR = "n".repeat(16_340);
/**
 * Its upgrade's head passes 16 KiB (the WebSocket's own headers take ~140–190 bytes), but the
 * probe's plain GET of its URL does not: the 431 has to come from the WebSocket's own error.
 */
const WINDOW = "w".repeat(16_240);

function expectNoToken(error: Error & { cause?: Error }, token: string): void {
  for (const text of [error.message, error.stack ?? "", error.cause?.message ?? "", error.cause?.stack ?? ""]) expect(text).not.toContain(token.slice(0, 100));
}

test("a token no server would read is refused before connecting, naming its size", async () => {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    for (const connecting of [new crossipc.IPCClient(port, { accessToken: HUGE }).connect(), crossipc.connectMocks(port, { token: HUGE })]) {
      const error = await failure(connecting);
      expect(error.code).toBe("ERR_IPC_CONNECT");
      expect(error.message).toContain("the upgrade request is too large for the server: the access token is 70000 bytes (its URL is");
      expectNoToken(error, HUGE);
    }
    expect(connections).toBe(0);
  } finally {
    server.close();
  }
});

test("a server's 431 for the upgrade's head is named as the token's size", async () => {
  const server = await startServer({ accessToken: NEAR });
  try {
    for (const connecting of [new crossipc.IPCClient(server.getPort(), { accessToken: NEAR }).connect(), crossipc.connectMocks(server.getPort(), { token: NEAR })]) {
      const error = await failure(connecting);
      expect(error.code).toBe("ERR_IPC_CONNECT");
      expect(error.message).toContain("the upgrade request is too large for the server: the access token is 16340 bytes (the server answered 431)");
      expectNoToken(error, NEAR);
    }
  } finally {
    await server.teardown();
  }
});

test("a token whose upgrade's head alone passes the limit is named as too large too, not the probe's status", async () => {
  const server = await startServer({ accessToken: WINDOW });
  try {
    for (const connecting of [new crossipc.IPCClient(server.getPort(), { accessToken: WINDOW }).connect(), crossipc.connectMocks(server.getPort(), { token: WINDOW })]) {
      const error = await failure(connecting);
      expect(error.code).toBe("ERR_IPC_CONNECT");
      expect(error.message).toContain("the upgrade request is too large for the server: the access token is 16240 bytes (the server answered 431)");
      expectNoToken(error, WINDOW);
    }
  } finally {
    await server.teardown();
  }
});
