/**
 * `hex` tagged template for hand fixtures: accepts plain hex, `tcpdump -X` / `xxd` dumps (offsets and
 * the ASCII column are dropped) and `#` comments. Say on a comment line where the bytes came from.
 */
export function hex(strings: TemplateStringsArray | string, ...values: unknown[]): Uint8Array {
  const text = typeof strings === 'string' ? strings : String.raw({ raw: strings }, ...values);
  const out: number[] = [];
  for (let line of text.split('\n')) {
    line = line.replace(/#.*$/, '');
    // tcpdump -X: "0x0000:  4500 003c ...  E..<" ; xxd: "00000000: 4500 003c  E..<"
    line = line.replace(/^\s*(0x)?[0-9a-fA-F]+:\s+/, '');
    const m = line.match(/^((?:[0-9a-fA-F]{2,4}\s?)+)/);
    const body = line.includes('  ') && m ? m[1] : line;
    for (const tok of body.trim().split(/\s+/)) {
      if (!/^[0-9a-fA-F]+$/.test(tok) || tok.length % 2) continue;
      for (let i = 0; i < tok.length; i += 2) out.push(Number.parseInt(tok.slice(i, i + 2), 16));
    }
  }
  return Uint8Array.from(out);
}
