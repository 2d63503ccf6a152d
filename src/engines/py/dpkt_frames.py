"""pcapkit's dpkt engine: read a capture with dpkt, print one JSON line per frame on stdout.

usage: dpkt_frames.py PATH|- [LIMIT]
First line: {"format": "pcap"|"pcapng", ...}; then per frame
{"n", "s", "ns", "len", "lt", "if", "raw": hex, "L": [[name, start, hdrEnd, end, {fields}], ...]};
a last {"error": text} line when the file ends inside a record. Timestamps are exact: the record
headers are read with dpkt's own header classes (its iterators return floats).
"""
import json
import socket
import sys

try:
    import dpkt
    from dpkt import pcap, pcapng
except ImportError:
    sys.stderr.write("ERR_ENGINE_MISSING python3-dpkt\n")
    sys.exit(3)


class Prefixed:
    """A binary stream with some bytes already read put back in front (stdin cannot seek)."""

    def __init__(self, head, f):
        self.head, self.f, self.name = head, f, getattr(f, "name", "<stdin>")

    def read(self, n=-1):
        if not self.head:
            return self.f.read(n)
        if n < 0:
            out, self.head = self.head + self.f.read(), b""
            return out
        out, self.head = self.head[:n], self.head[n:]
        if len(out) < n:
            out += self.f.read(n - len(out))
        return out


def mac(b):
    return ":".join("%02x" % x for x in b)


NAMES = {
    "Ethernet": "ethernet", "IP": "ipv4", "IP6": "ipv6", "TCP": "tcp", "UDP": "udp", "ICMP": "icmp",
    "ICMP6": "icmpv6", "ARP": "arp", "SLL": "sll", "SLL2": "sll2", "Loopback": "null", "PPP": "ppp",
    "PPPoE": "pppoes", "LLC": "llc", "OSPF": "ospf", "AH": "ah", "ESP": "esp", "GRE": "gre",
    "IP6HopOptsHeader": "hopopt", "IP6RoutingHeader": "ipv6_route", "IP6FragmentHeader": "ipv6_frag",
    "IP6DstOptsHeader": "ipv6_opts", "IP6AHHeader": "ah", "IP6ESPHeader": "esp", "IP6MobilityHeader": "mh",
    "HTTP": "http1", "Request": "http1", "Response": "http1",
}


def fields(o):
    n = type(o).__name__
    try:
        if n == "Ethernet":
            return {"dst": mac(o.dst), "src": mac(o.src), "type": o.type}
        if n == "IP":
            return {"src": socket.inet_ntoa(o.src), "dst": socket.inet_ntoa(o.dst), "ttl": o.ttl, "proto": o.p,
                    "id": o.id, "len": o.len}
        if n == "IP6":
            return {"src": socket.inet_ntop(socket.AF_INET6, o.src), "dst": socket.inet_ntop(socket.AF_INET6, o.dst),
                    "nxt": o.nxt, "hlim": o.hlim, "plen": o.plen}
        if n in ("TCP",):
            return {"srcport": o.sport, "dstport": o.dport, "seq": o.seq, "ack": o.ack, "window": o.win}
        if n == "UDP":
            return {"srcport": o.sport, "dstport": o.dport, "length": o.ulen}
        if n in ("ICMP", "ICMP6"):
            return {"type": o.type, "code": o.code}
        if n == "ARP":
            return {"opcode": o.op}
    except Exception:
        pass
    return {}


def chain(o, at):
    """[name, start, hdrEnd, end, fields] for each dpkt layer, outermost first."""
    out = []
    parent = None
    while isinstance(o, dpkt.Packet):
        n = type(o).__name__
        if parent in ("ICMP", "ICMP6"):
            # dpkt's ICMP bodies (Echo, Unreach, TimeExceed, ...) are part of the ICMP header in pcapkit and
            # tshark; walk on into what they carry (the quoted IP header of an error).
            parent = n
            hdr = len(o) - (len(o.data) if isinstance(o.data, (bytes, dpkt.Packet)) else 0)
            at += hdr
            o = o.data
            continue
        parent = n
        size = len(o)
        inner = o.data
        hdr = size - (len(inner) if isinstance(inner, (bytes, dpkt.Packet)) else 0)
        out.append([NAMES.get(n, n.lower()), at, at + min(hdr, 14) if n == "Ethernet" else at + hdr, at + size, fields(o)])
        if n == "Ethernet":
            # dpkt keeps 802.1Q tags inside Ethernet; pcapkit (and tshark) show them as layers.
            for i, t in enumerate(getattr(o, "vlan_tags", []) or []):
                out.append(["vlan", at + 14 + 4 * i, at + 18 + 4 * i, at + size, {"id": t.id, "priority": t.pri}])
        if n == "IP6":
            # Extension headers live in a dict on IP6, not as layers: list them in wire order.
            x = at + 40
            for h in getattr(o, "all_extension_headers", []) or []:
                hn = type(h).__name__
                if hn in ("IP6AHHeader", "IP6ESPHeader"):
                    break  # dpkt also decodes these as the payload
                out.append([NAMES.get(hn, hn.lower()), x, x + len(h), at + size, {}])
                x += len(h)
        at += hdr
        o = inner
    return out


def decoder(lt):
    m = {
        1: dpkt.ethernet.Ethernet, 0: dpkt.loopback.Loopback, 108: dpkt.loopback.Loopback,
        12: dpkt.ip.IP, 101: dpkt.ip.IP, 14: dpkt.ip.IP, 113: dpkt.sll.SLL, 9: dpkt.ppp.PPP,
    }
    if hasattr(dpkt, "sll2"):
        m[276] = dpkt.sll2.SLL2
    c = m.get(lt)
    if c is dpkt.ip.IP:
        return lambda b: dpkt.ip6.IP6(b) if b and b[0] >> 4 == 6 else dpkt.ip.IP(b)
    return c


def emit(out, n, s, ns, wire, lt, iface, buf, has_ts=True):
    dec = decoder(lt)
    layers = []
    if dec is not None:
        try:
            layers = chain(dec(buf), 0)
        except (dpkt.UnpackError, dpkt.NeedData, Exception):
            layers = []
    rec = {"n": n, "s": s, "ns": ns, "len": wire, "lt": lt, "if": iface, "raw": buf.hex(), "L": layers}
    if not has_ts:
        rec["nots"] = 1
    out.write(json.dumps(rec, separators=(",", ":")))
    out.write("\n")


def tsresol(idb, le):
    div, off = 10 ** 6, 0
    for opt in idb.opts:
        if opt.code == pcapng.PCAPNG_OPT_IF_TSRESOL:
            v = opt.data[0]
            div = 2 ** (v & 0x7F) if v & 0x80 else 10 ** (v & 0x7F)
        elif opt.code == pcapng.PCAPNG_OPT_IF_TSOFFSET:
            import struct
            off = struct.unpack("<q" if le else ">q", opt.data)[0]
    return div, off


def main():
    path = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else -1
    f = sys.stdin.buffer if path == "-" else open(path, "rb")
    head = f.read(4)
    f = Prefixed(head, f)
    out = sys.stdout
    n = 0
    err = None
    if head == b"\x0a\x0d\x0d\x0a":
        r = pcapng.Reader(f)
        le = r._Reader__le
        out.write(json.dumps({"format": "pcapng"}) + "\n")
        idbs = [(r.idb.linktype,) + tsresol(r.idb, le)]
        src = r._Reader__f
        import struct
        while limit < 0 or n < limit:
            buf = src.read(8)
            if len(buf) < 8:
                if buf:
                    err = "file ends inside a block header"
                break
            bt, bl = struct.unpack("<II" if le else ">II", buf)
            rest = src.read(bl - 8)
            if len(rest) < bl - 8:
                err = "file ends inside a block"
                break
            buf += rest
            if bt == pcapng.PCAPNG_BT_IDB:
                idb = pcapng.InterfaceDescriptionBlockLE(buf) if le else pcapng.InterfaceDescriptionBlock(buf)
                idbs.append((idb.linktype,) + tsresol(idb, le))
            elif bt == pcapng.PCAPNG_BT_SHB:
                idbs = []
            elif bt in (pcapng.PCAPNG_BT_EPB, pcapng.PCAPNG_BT_PB):
                if bt == pcapng.PCAPNG_BT_EPB:
                    b = pcapng.EnhancedPacketBlockLE(buf) if le else pcapng.EnhancedPacketBlock(buf)
                    iface = b.iface_id
                else:
                    b = pcapng.PacketBlockLE(buf) if le else pcapng.PacketBlock(buf)
                    iface = b.iface_id
                lt, div, off = idbs[iface] if iface < len(idbs) else (1, 10 ** 6, 0)
                ticks = (b.ts_high << 32) | b.ts_low
                s, frac = divmod(ticks, div)
                n += 1
                emit(out, n, s + off, frac * 10 ** 9 // div, b.pkt_len, lt, iface, b.pkt_data)
            elif bt == 3 and idbs:
                # Simple Packet Block: dpkt's reader skips these; read them so no frame goes missing.
                wire = struct.unpack("<I" if le else ">I", buf[8:12])[0]
                n += 1
                emit(out, n, 0, 0, wire, idbs[0][0], 0, buf[12:12 + min(wire, bl - 16)], False)
    else:
        try:
            r = pcap.Reader(f)
        except ValueError as e:
            sys.stderr.write("dpkt: %s\n" % e)
            sys.exit(2)
        out.write(json.dumps({"format": "pcap"}) + "\n")
        ph = r._Reader__ph
        src = r._Reader__f
        nano = r._divisor != 1e6
        lt = r.datalink()
        while limit < 0 or n < limit:
            buf = src.read(ph.__hdr_len__)
            if len(buf) < ph.__hdr_len__:
                if buf:
                    err = "file ends inside a record header"
                break
            hdr = ph(buf)
            data = src.read(hdr.caplen)
            if len(data) < hdr.caplen:
                err = "file ends inside a record"
                break
            n += 1
            emit(out, n, hdr.tv_sec, hdr.tv_usec if nano else hdr.tv_usec * 1000, hdr.len, lt, 0, data)
    if err:
        out.write(json.dumps({"error": err}) + "\n")
    out.flush()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
