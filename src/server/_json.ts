/** A JSON answer built from the Web-standard Response (the adapters' servers take it as is). */
export function jsonResponse(status: number, body: unknown, headers?: HeadersInit): Response {
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set("content-type", "application/json");
  return response;
}
