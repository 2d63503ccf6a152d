/**
 * TCP sequence-number arithmetic (RFC 9293 §3.4): sequence numbers live modulo 2^32, so "a before b"
 * is the sign of the 32-bit difference, `(a - b) | 0`, valid while the two are less than 2^31 apart.
 * Numbers only (DESIGN §3.5 rule 5): no BigInt, no objects.
 */

/** Signed distance from b to a: > 0 when a is after b. */
export const seqDiff = (a: number, b: number): number => (a - b) | 0;
export const seqLt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
export const seqLe = (a: number, b: number): boolean => ((a - b) | 0) <= 0;
export const seqGt = (a: number, b: number): boolean => ((a - b) | 0) > 0;
export const seqGe = (a: number, b: number): boolean => ((a - b) | 0) >= 0;
/** a + n as an unsigned 32-bit sequence number. */
export const seqAdd = (a: number, n: number): number => (a + n) >>> 0;
/** The later of two sequence numbers. */
export const seqMax = (a: number, b: number): number => (((a - b) | 0) >= 0 ? a : b);
