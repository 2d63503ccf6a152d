"""pcapkit's scapy engine: read a capture with scapy, print one JSON line per frame on stdout.

usage: scapy_frames.py PATH|- [LIMIT]
First line: {"format": "pcap"|"pcapng"}; then per frame
{"n", "s", "ns", "len", "lt", "if", "raw": hex, "L": [[name, start, hdrEnd, end, {fields}], ...]};
a last {"error": text} line when reading stops on a damaged record. Timestamps are exact: scapy's raw
readers give the record's integer parts (seconds and fraction, or pcapng ticks and resolution).
"""
import json
import sys

try:
    import logging

    logging.getLogger("scapy").setLevel(logging.ERROR)
    from scapy.config import conf
    from scapy.layers import all as _layers  # noqa: F401  (fills conf.l2types and the bindings)
    from scapy.packet import NoPayload

    try:
        from scapy.layers import http as _http  # noqa: F401  (not in conf.load_layers by default; binds TCP port 80)
    except ImportError:
        pass
    from scapy.utils import RawPcapNgReader, RawPcapReader
except ImportError:
    sys.stderr.write("ERR_ENGINE_MISSING python3-scapy\n")
    sys.exit(3)

NAMES = {
    "Ether": "ethernet", "IP": "ipv4", "IPv6": "ipv6", "TCP": "tcp", "UDP": "udp", "ICMP": "icmp", "ARP": "arp",
    "Dot1Q": "vlan", "Dot1AD": "ieee8021ad", "CookedLinux": "sll", "CookedLinuxV2": "sll2", "Loopback": "null",
    "LLC": "llc", "SNAP": "snap", "PPP": "ppp", "PPPoE": "pppoes", "PPPoED": "pppoed", "AH": "ah", "ESP": "esp",
    "IPv6ExtHdrHopByHop": "hopopt", "IPv6ExtHdrRouting": "ipv6_route", "IPv6ExtHdrSegmentRouting": "ipv6_route",
    "IPv6ExtHdrFragment": "ipv6_frag", "IPv6ExtHdrDestOpt": "ipv6_opts", "MIP6MH_Generic": "mh",
    "OSPF_Hdr": "ospf", "OSPFv3_Hdr": "ospf", "GRE": "gre", "L2TP": "l2tp", "GENEVE": "geneve", "HDLC": "ppp",
    "HTTPRequest": "http1", "HTTPResponse": "http1", "IPerror": "ipv4", "TCPerror": "tcp", "UDPerror": "udp",
    "ICMPerror": "icmp", "IPerror6": "ipv6", "IPX": "ipx", "Dot3": "ethernet", "FR": "fr",
}
SKIP = {"HTTP"}  # scapy's HTTP wrapper layer around HTTPRequest/HTTPResponse
STOP = {"Raw", "Padding", "NoPayload"}


def fields(n, o):
    try:
        if n in ("Ether", "Dot3"):
            return {"dst": o.dst, "src": o.src, "type": o.type} if n == "Ether" else {"dst": o.dst, "src": o.src}
        if n in ("IP", "IPerror"):
            return {"src": o.src, "dst": o.dst, "ttl": o.ttl, "proto": o.proto, "id": o.id, "len": o.len}
        if n in ("IPv6", "IPerror6"):
            return {"src": o.src, "dst": o.dst, "nxt": o.nh, "hlim": o.hlim, "plen": o.plen}
        if n in ("TCP", "TCPerror"):
            return {"srcport": o.sport, "dstport": o.dport, "seq": o.seq, "ack": o.ack, "window": o.window}
        if n in ("UDP", "UDPerror"):
            return {"srcport": o.sport, "dstport": o.dport, "length": o.len}
        if n in ("ICMP", "ICMPerror") or n.startswith("ICMPv6"):
            return {"type": o.type, "code": o.code}
        if n == "ARP":
            return {"opcode": o.op}
        if n in ("Dot1Q", "Dot1AD"):
            return {"id": o.vlan, "priority": o.prio}
    except Exception:
        pass
    return {}


def chain(p):
    out = []
    at = 0
    while p is not None and not isinstance(p, NoPayload):
        n = type(p).__name__
        if n in STOP:
            break
        hdr = len(p.raw_packet_cache) if p.raw_packet_cache is not None else 0
        if n not in SKIP:
            name = "icmpv6" if n.startswith("ICMPv6") else NAMES.get(n, n.lower())
            out.append([name, at, at + hdr, None, fields(n, p)])
        at += hdr
        p = p.payload
    return out


def main():
    path = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else -1
    src = sys.stdin.buffer if path == "-" else path
    try:
        r = RawPcapReader(src)
    except Exception as e:
        sys.stderr.write("scapy: %s\n" % e)
        sys.exit(2)
    ng = isinstance(r, RawPcapNgReader)
    out = sys.stdout
    out.write(json.dumps({"format": "pcapng" if ng else "pcap"}) + "\n")
    n = 0
    err = None
    while limit < 0 or n < limit:
        try:
            res = r._read_packet()
        except EOFError:
            break
        except Exception as e:  # a damaged block: scapy stops here
            err = str(e) or type(e).__name__
            break
        if res is None:
            break
        buf, m = res
        n += 1
        has_ts = True
        if ng:
            lt = m.linktype
            if m.tshigh is None:
                s, ns, has_ts = 0, 0, False
            else:
                ticks = (m.tshigh << 32) | m.tslow
                s, frac = divmod(ticks, m.tsresol)
                ns = frac * 10 ** 9 // m.tsresol
        else:
            lt = r.linktype
            s, ns = m.sec, (m.usec if r.nano else m.usec * 1000)
        cls = conf.l2types.get(lt)
        layers = []
        if cls is not None:
            try:
                layers = chain(cls(buf))
            except Exception:
                layers = []
        for l in layers:
            l[3] = len(buf)
        rec = {"n": n, "s": s, "ns": ns, "len": m.wirelen if m.wirelen is not None else len(buf), "lt": lt, "if": 0,
               "raw": buf.hex(), "L": layers}
        if not has_ts:
            rec["nots"] = 1
        out.write(json.dumps(rec, separators=(",", ":")))
        out.write("\n")
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
