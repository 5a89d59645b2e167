"""Shared by scripts/tshark-dissect.py and scripts/interop/tshark-gdoi-groupkey.py: writing UDP
payloads into a pcap tshark can read, and recognising tshark 4.0's known SA TEK misreading."""
import struct


def ipv4_checksum(data):
    """The Internet checksum (RFC 1071) over an IPv4 header."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def write_udp_pcap(path, frames):
    """Writes each (payload, source port, destination port) as one IPv4/UDP datagram from
    127.0.0.1 to 127.0.0.2 (LINKTYPE_RAW, UDP checksum 0), one second apart."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW (IPv4)
        for n, (payload, sport, dport) in enumerate(frames):
            udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n, 0, 64, 17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2]))
            ip = ip[:10] + struct.pack("!H", ipv4_checksum(ip)) + ip[12:]
            pkt = ip + udp
            f.write(struct.pack("<IIII", 1_700_000_000 + n, 0, len(pkt), len(pkt)) + pkt)


def sa_tek_layout_difference(block):
    """tshark 4.0 reads the SA TEK "SRC ID Data Len" as 2 octets; RFC 6407 Fig. 8 and the reference
    implementation (gdoi_fld.fld, GDOI_SA_ID) have 1. When a frame's first malformation (in its
    `tshark -V` block) comes right after that field, that disagreement is the cause, not our
    encoding: returns tshark's line for the field then, else None."""
    lines = block.splitlines()
    first_bad = next((i for i, l in enumerate(lines) if "Malformed" in l), None)
    if first_bad is not None and "SRC ID Data Length" in lines[first_bad - 1] and "SA TEK" in block:
        return lines[first_bad - 1].strip()
    return None
