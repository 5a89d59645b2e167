#!/usr/bin/env python3
"""Turns a strongswan-loopback.sh run into test fixtures.

From the capture it takes the unencrypted IKE_SA_INIT and Main Mode messages (SPIs/cookies,
nonces, KE values); from the initiator's charon log (`ike = 4`) it takes the keys charon
derived. The Swift tests then derive the same keys from the same inputs with groupkey's code:
strongSwan is the independent judge.

    scripts/interop/extract_strongswan_vectors.py RUN_DIR PSK > Tests/GroupKeyCryptoTests/Vectors/strongswan-kdf.json
    scripts/interop/extract_strongswan_vectors.py --wire-fixtures RUN_DIR

The second form writes the captured messages, marker included, as the wire codecs' fixtures:
Tests/GIKEv2WireTests/Vectors/strongswan-ikev2.json and Tests/GDOIWireTests/Vectors/strongswan-ikev1.json.
"""
import json
import os
import re
import struct
import sys

# The order strongswan-loopback.sh initiates its connections in, with their proposals.
CONNECTIONS = [
    ("v2modp", 2, "aes128-sha256-modp2048", "sha256"),
    ("v2gcm", 2, "aes256gcm16-prfsha384-ecp384", "sha384"),
    ("v2x25519", 2, "aes256-sha512-x25519", "sha512"),
    ("v1modp", 1, "aes128-sha256-modp2048", "sha256"),
    ("v1sha1", 1, "aes256-sha1-modp2048", "sha1"),
    ("v1legacy", 1, "3des-sha1-modp1024", "sha1"),
]


def udp_payloads(path):
    """(src port, dst port, payload) of every IPv4/UDP packet in a pcap (Ethernet or Linux SLL)."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    offset, out = 24, []
    while offset + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + incl]
        offset += 16 + incl
        link = {1: 14, 113: 16, 0: 4}.get(linktype)
        if link is None:
            raise SystemExit(f"unsupported link type {linktype}")
        ip = frame[link:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 0x0F) * 4
        sport, dport, length = struct.unpack(">HHH", ip[ihl:ihl + 6])
        out.append((sport, dport, ip[ihl + 8:ihl + length]))
    return out


def ike_messages(path):
    """IKE messages with the non-ESP marker stripped (charon adds it on ports other than 500)."""
    msgs = []
    for sport, dport, payload in udp_payloads(path):
        marker = payload[:4] == b"\0\0\0\0"
        body = payload[4:] if marker else payload
        if len(body) >= 28:
            msgs.append({"sport": sport, "dport": dport, "marker": marker, "bytes": body})
    return msgs


def payloads(message):
    """(type, body) pairs of an unencrypted message, walked from the header's Next Payload."""
    next_type, offset, out = message[16], 28, []
    while next_type != 0 and offset + 4 <= len(message):
        length = struct.unpack(">H", message[offset + 2:offset + 4])[0]
        out.append((next_type, message[offset + 4:offset + length]))
        next_type, offset = message[offset], offset + length
    return out


def key_blocks(log_path):
    """Per IKE SA, the named hex dumps charon printed, split at each DH secret."""
    blocks, current, name, buf = [], None, None, []
    head = re.compile(r"\[IKE\] (.+?) => (\d+) bytes @")
    row = re.compile(r"\[IKE\]\s+\d+: ((?:[0-9A-F]{2} ?)+)")
    for line in open(log_path, errors="replace"):
        m = head.search(line)
        if m:
            if name is not None and current is not None:
                current.setdefault(name, bytes(buf).hex())
            name, buf = m.group(1), []
            if name == "shared Diffie Hellman secret":
                current = {}
                blocks.append(current)
            continue
        r = row.search(line)
        if r and name is not None:
            buf.extend(int(b, 16) for b in r.group(1).split())
            continue
        if name is not None and current is not None:
            current.setdefault(name, bytes(buf).hex())
            name = None
    if name is not None and current is not None:
        current.setdefault(name, bytes(buf).hex())
    return blocks


def exchanges(msgs):
    """Groups messages per IKE SA (by initiator SPI/cookie), in capture order."""
    order, by_spi = [], {}
    for m in msgs:
        spi = m["bytes"][:8]
        if spi not in by_spi:
            by_spi[spi] = []
            order.append(spi)
        by_spi[spi].append(m["bytes"])
    return [by_spi[s] for s in order]


def vectors(run, psk):
    msgs = exchanges(ike_messages(f"{run}/ike.pcap"))
    blocks = key_blocks(f"{run}/initiator.log")
    if len(msgs) != len(CONNECTIONS) or len(blocks) != len(CONNECTIONS):
        raise SystemExit(f"expected {len(CONNECTIONS)} SAs, found {len(msgs)} in the capture and {len(blocks)} in the log")
    out = []
    for (name, version, proposal, prf), exchange, keys in zip(CONNECTIONS, msgs, blocks):
        request, response = exchange[0], exchange[1]
        entry = {"name": name, "version": version, "proposal": proposal, "prf": prf,
                 "sharedSecret": keys["shared Diffie Hellman secret"]}
        if version == 2:
            nonce = {t: b for t, b in payloads(request)}[40], {t: b for t, b in payloads(response)}[40]
            entry.update({"spiInitiator": response[:8].hex(), "spiResponder": response[8:16].hex(),
                          "nonceInitiator": nonce[0].hex(), "nonceResponder": nonce[1].hex(),
                          "skeyseed": keys["SKEYSEED"]})
            for k in ("Sk_d", "Sk_ai", "Sk_ar", "Sk_ei", "Sk_er", "Sk_pi", "Sk_pr"):
                entry[k.replace("Sk_", "sk")] = keys.get(f"{k} secret", "")
        else:
            # Main Mode: messages 3 and 4 carry KE (4) and Nonce (10) in the clear.
            m3, m4 = dict(payloads(exchange[2])), dict(payloads(exchange[3]))
            entry.update({"preSharedKey": psk.encode().hex(),
                          "cookieInitiator": exchange[3][:8].hex(), "cookieResponder": exchange[3][8:16].hex(),
                          "nonceInitiator": m3[10].hex(), "nonceResponder": m4[10].hex(),
                          "publicValueInitiator": m3[4].hex(), "publicValueResponder": m4[4].hex(),
                          "skeyid": keys["SKEYID"], "skeyidD": keys["SKEYID_d"], "skeyidA": keys["SKEYID_a"],
                          "skeyidE": keys["SKEYID_e"], "encryptionKey": keys["encryption key Ka"],
                          "initialIV": keys["initial IV"]})
        out.append(entry)
    return out


def charon_version():
    import subprocess
    try:
        return subprocess.run(["/usr/lib/ipsec/charon", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def wire_fixtures(run):
    """One fixture file per IKE version, each message tagged with the connection it belongs to."""
    by_spi, order = {}, []
    for sport, dport, payload in udp_payloads(f"{run}/ike.pcap"):
        marker = payload[:4] == b"\0\0\0\0"
        body = payload[4:] if marker else payload
        if len(body) < 28:
            continue
        if body[:8] not in by_spi:
            by_spi[body[:8]] = []
            order.append(body[:8])
        by_spi[body[:8]].append({"from": sport, "to": dport, "udp": payload.hex(), "exchange": body[18],
                                 "flags": body[19], "marker": marker})
    if len(order) != len(CONNECTIONS):
        raise SystemExit(f"expected {len(CONNECTIONS)} IKE SAs in the capture, found {len(order)}")
    blocks = key_blocks(f"{run}/initiator.log")
    files = {2: [], 1: []}
    for (name, version, proposal, _), spi, keys in zip(CONNECTIONS, order, blocks):
        # The keys that protect the encrypted messages, so tests can open them with our ciphers.
        if version == 2:
            protection = {k.replace("Sk_", "sk"): keys.get(f"{k} secret", "") for k in ("Sk_ei", "Sk_er", "Sk_ai", "Sk_ar")}
        else:
            protection = {"encryptionKey": keys["encryption key Ka"], "initialIV": keys["initial IV"]}
        for message in by_spi[spi]:
            files[version].append(dict(message, connection=name, proposal=proposal, keys=protection))
    root = os.path.join(os.path.dirname(__file__), "..", "..", "Tests")
    source = ("captured on loopback from " + (charon_version() or "strongSwan 5.9.8") +
              " (two charon instances, PSK, responder on UDP 848) by scripts/interop/strongswan-loopback.sh")
    for version, name, folder in ((2, "strongswan-ikev2.json", "GIKEv2WireTests"), (1, "strongswan-ikev1.json", "GDOIWireTests")):
        with open(os.path.join(root, folder, "Vectors", name), "w") as f:
            json.dump({"source": source, "messages": files[version]}, f, indent=1)
            f.write("\n")
        print(name, len(files[version]), "messages", file=sys.stderr)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--wire-fixtures":
        wire_fixtures(args[1])
        return
    run, psk = args
    json.dump({"source": "derived by strongSwan charon (" + (charon_version() or "5.9.8") + ") on loopback: "
                         "scripts/interop/strongswan-loopback.sh, then scripts/interop/extract_strongswan_vectors.py",
               "exchanges": vectors(run, psk)}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
