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
