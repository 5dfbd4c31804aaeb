/**
 * What one WebSocket frame held in a queue counts for, against the bounds on frames kept in
 * memory: frames a mock's handler has not listened for yet (../mocks/_mockSocket.ts), a latency
 * fault's delayed frames (../faults/_frameDelay.ts), frames that came before the other side
 * opened (../server/_wsProxy.ts, ../mocks/_websocketRule.ts).
 *
 * Its payload (text in characters, binary in bytes), plus what holding the frame costs whatever
 * its payload: counted by payload alone, an empty frame was free. A client sends one in 6 bytes,
 * and a million of them held grew a test's process by 186 MiB (a mock that had not listened,
 * its bound 64 MiB) or a hub by 37–164 MiB (a socket under a latency fault, on Node, Bun and
 * Deno), the socket still open and the client free to go on.
 */
export function heldFrameSize(frame: string | ArrayBuffer | ArrayBufferView): number {
  return (typeof frame === "string" ? frame.length : frame.byteLength) + FRAME_COST;
}

/**
 * The most heap one held empty frame took, measured on Node 20 (1,000,000 of each): 194 bytes for
 * a binary one in a mock's queue, 250 for a latency fault's entry holding a 0-byte Buffer, 10 for
 * an empty string in a queue. The same for every kind and runtime, rounded up.
 */
export const FRAME_COST = 256;
