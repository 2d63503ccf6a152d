/**
 * Field kinds for fixed headers. A field knows where it is, how wide, and how to show and default
 * itself. Values are numbers on the hot path (DESIGN §3.5 rule 2): u8..u32, ipv4 (a u32) and mac
 * (48 bits, exact in a double) are numbers; ipv6 is a tuple of four u32; bytes are a {start, end}
 * span into the frame's chunk.
 */
export type FieldKind = 'u8' | 'u16' | 'u24' | 'u32' | 'u48' | 'ipv4' | 'ipv6' | 'mac' | 'bytes';

export interface FieldOptions {
  /** Bits of the raw value that hold this field; the value is shifted down by the mask's trailing zeros. */
  readonly mask?: number;
  /** Multiply the (masked, shifted) raw value by this: IPv4 IHL counts 32-bit words, we store bytes. */
  readonly scale?: number;
  /** How to print the number. */
  readonly base?: 'dec' | 'hex' | 'bool';
  /** value → name, for reports (`names` tables live in protocols/names/). */
  readonly names?: Readonly<Record<number, string>>;
  /** Value used when building and the caller gave none. */
  readonly default?: number;
  /** tshark field name, only when it is not `${abbrev}.${snake(key)}`; '-' when a `computed` entry shows it. */
  readonly tshark?: string;
  /** Human label for the tree view; defaults to the key. */
  readonly label?: string;
  /** Width in bytes, for `bytes` fields. */
  readonly len?: number;
}

export interface Field<K extends FieldKind = FieldKind> extends FieldOptions {
  readonly kind: K;
  readonly at: number;
}

export type Ipv6 = readonly [number, number, number, number];
export interface Span {
  readonly start: number;
  readonly end: number;
}

export type ValueOf<F> = F extends Field<'ipv6'> ? Ipv6 : F extends Field<'bytes'> ? Span : number;
export type Header = Readonly<Record<string, Field>>;
export type FieldsOfHeader<H extends Header> = { readonly [K in keyof H]: ValueOf<H[K]> };

const make =
  <K extends FieldKind>(kind: K) =>
  (at: number, o: FieldOptions = {}): Field<K> => ({ kind, at, ...o });

export const u8 = make('u8');
export const u16 = make('u16');
export const u24 = make('u24');
export const u32 = make('u32');
export const u48 = make('u48');
export const ipv4Field = make('ipv4');
export const ipv6Field = make('ipv6');
export const macField = make('mac');
export const bytes = (at: number, len: number, o: FieldOptions = {}): Field<'bytes'> => ({
  kind: 'bytes',
  at,
  len,
  ...o,
});
/** A one-bit (or few-bit) flag inside a byte: `flag(13, 0x02)` is bit 1 of byte 13. */
export const flag = (at: number, mask: number, o: FieldOptions = {}): Field<'u8'> => ({
  kind: 'u8',
  at,
  mask,
  base: 'bool',
  ...o,
});

export const WIDTH: Readonly<Record<FieldKind, number>> = {
  u8: 1,
  u16: 2,
  u24: 3,
  u32: 4,
  u48: 6,
  ipv4: 4,
  ipv6: 16,
  mac: 6,
  bytes: 0,
};

export function widthOf(f: Field): number {
  return f.kind === 'bytes' ? (f.len ?? 0) : WIDTH[f.kind];
}

/** Trailing zero bits of a mask: how far the masked value is shifted down. */
export function shiftOf(mask: number): number {
  let s = 0;
  while (s < 32 && ((mask >>> s) & 1) === 0) s++;
  return s;
}

/** `srcPort` → `src_port`: tshark names are snake case. */
export function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
