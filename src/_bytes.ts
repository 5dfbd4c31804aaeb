/**
 * The chunks of a body as one new array. Always a copy, never a view: a runtime's chunk may sit
 * in a larger pooled buffer, which a kept view would keep alive.
 */
export function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const all = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

/**
 * Reads `stream` to its end, keeping its first `limit` bytes (all by default) as one new array;
 * `length` counts every byte read, kept or not. What comes past the limit is read and dropped,
 * not cancelled: cancelling a request's body cuts the connection on some runtimes before the
 * client reads the answer that refuses it.
 */
export async function readUpTo(stream: ReadableStream<Uint8Array>, limit: number = Number.POSITIVE_INFINITY): Promise<{ bytes: Uint8Array; length: number }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let kept = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: concat(chunks, kept), length };
    length += value.byteLength;
    if (length <= limit) {
      chunks.push(value);
      kept = length;
    }
  }
}
