/** HTTP/1.x and HTTP/2 names and the keys of the `http.upgrade` dispatch table. Data only. */

/**
 * Key of an HTTP `Upgrade` protocol token (RFC 9110 §7.8) in the `http.upgrade` table: FNV-1a over
 * the lower-cased token, so a user binds `{ 'http.upgrade': [upgradeKey('websocket')] }`.
 * 'http/1.1' is the next message of the same connection (pipelining), 'h2c' is HTTP/2 (RFC 9113 §3.2).
 */
export function upgradeKey(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    let c = token.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    h = Math.imul(h ^ c, 0x01000193) >>> 0;
  }
  return h;
}
export const UPGRADE_HTTP1 = upgradeKey('http/1.1');
export const UPGRADE_H2C = upgradeKey('h2c');

/** Methods tshark recognises at the start of a segment (RFC 9110 §9, WebDAV RFC 4918, SSDP/GENA, RTSP-like). */
export const HTTP_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'SEARCH',
  'REPORT',
  'CHECKOUT',
  'CHECKIN',
  'VERSION-CONTROL',
  'UNCHECKOUT',
  'MERGE',
  'MKACTIVITY',
  'MKWORKSPACE',
  'LABEL',
  'UPDATE',
  'ORDERPATCH',
  'ACL',
  'BIND',
  'UNBIND',
  'REBIND',
  'NOTIFY',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'M-SEARCH',
  'POLL',
  'BPROPFIND',
  'BPROPPATCH',
  'BCOPY',
  'BDELETE',
  'BMOVE',
]);

/** HTTP/2 frame types (RFC 9113 §6, IANA "HTTP/2 Frame Type" registry). */
export const HTTP2_FRAME_TYPES: Readonly<Record<number, string>> = {
  0: 'DATA',
  1: 'HEADERS',
  2: 'PRIORITY',
  3: 'RST_STREAM',
  4: 'SETTINGS',
  5: 'PUSH_PROMISE',
  6: 'PING',
  7: 'GOAWAY',
  8: 'WINDOW_UPDATE',
  9: 'CONTINUATION',
  10: 'ALTSVC', // RFC 7838 §4
  12: 'ORIGIN', // RFC 8336 §2
  16: 'PRIORITY_UPDATE', // RFC 9218 §7.1
};

/** SETTINGS parameters (RFC 9113 §6.5.2, RFC 8441, RFC 9218). */
export const HTTP2_SETTINGS: Readonly<Record<number, string>> = {
  1: 'HEADER_TABLE_SIZE',
  2: 'ENABLE_PUSH',
  3: 'MAX_CONCURRENT_STREAMS',
  4: 'INITIAL_WINDOW_SIZE',
  5: 'MAX_FRAME_SIZE',
  6: 'MAX_HEADER_LIST_SIZE',
  8: 'ENABLE_CONNECT_PROTOCOL',
  9: 'NO_RFC7540_PRIORITIES',
};

/** Error codes (RFC 9113 §7). */
export const HTTP2_ERRORS: Readonly<Record<number, string>> = {
  0: 'NO_ERROR',
  1: 'PROTOCOL_ERROR',
  2: 'INTERNAL_ERROR',
  3: 'FLOW_CONTROL_ERROR',
  4: 'SETTINGS_TIMEOUT',
  5: 'STREAM_CLOSED',
  6: 'FRAME_SIZE_ERROR',
  7: 'REFUSED_STREAM',
  8: 'CANCEL',
  9: 'COMPRESSION_ERROR',
  10: 'CONNECT_ERROR',
  11: 'ENHANCE_YOUR_CALM',
  12: 'INADEQUATE_SECURITY',
  13: 'HTTP_1_1_REQUIRED',
};
