/** `bytes` random bytes from the platform's CSPRNG (Web Crypto, in every runtime), as lower-case hex. */
export function randomHex(bytes: number): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes));
  let out = "";
  for (const byte of buffer) out += byte.toString(16).padStart(2, "0");
  return out;
}
