/** The bytes HTTP/1.1's syntax is built from (RFC 9112), for the front's readers. */
export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;
