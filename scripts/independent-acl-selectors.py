#!/usr/bin/env python3
"""Independent reading of the Cisco IOS-XE access lists in Migration/samples/cisco/*.xml.

For every extended and standard ACL entry, computes what the entry matches with Python's own
tools: xml.etree for the XML, ipaddress for wildcard masks (a wildcard is a prefix only when the
inverted mask is a valid netmask), /etc/services (socket.getservbyname) for named ports, and the
IANA protocol numbers for protocol names. Port operators follow the IOS semantics:
eq p1..pN -> each port, gt n -> n+1..65535, lt n -> 0..n-1, neq n -> everything but n,
range a b -> a..b.

Writes Tests/GDOIImportTests/Vectors/independent-acl-selectors.json, which
IndependentACLTests compares with the importer's CiscoACLReader. Run from the repository root.
"""
import ipaddress
import json
import pathlib
import socket
import xml.etree.ElementTree as ET

ACL_NS = "{http://cisco.com/ns/yang/Cisco-IOS-XE-acl}"
PROTOCOLS = {"ip": None, "icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ahp": 51,
             "eigrp": 88, "ospf": 89, "pim": 103}


def local(tag):
    return tag.split("}", 1)[-1]


def child(element, name):
    for c in element:
        if local(c.tag) == name:
            return c
    return None


def text(element, name):
    c = child(element, name)
    return None if c is None else (c.text or "").strip()


def prefix(ace, address, mask, any_name, hosts):
    if child(ace, any_name) is not None:
        return "0.0.0.0/0"
    for host in hosts:
        value = text(ace, host)
        if value:
            return str(ipaddress.IPv4Network(value + "/32"))
    network = text(ace, address)
    wildcard = text(ace, mask) or "0.0.0.0"
    inverted = ipaddress.IPv4Address(int(ipaddress.IPv4Address(wildcard)) ^ 0xFFFFFFFF)
    try:
        return str(ipaddress.IPv4Network(f"{network}/{inverted}", strict=False))
    except ValueError:
        return None  # not a contiguous mask


def port(value):
    return int(value) if value.isdigit() else socket.getservbyname(value)


def ports(ace, side):
    eq = [text(ace, f"{side}-eq")] + [text(ace, f"{side}-eq-port{i}") for i in range(2, 11)]
    eq = sorted(port(p) for p in eq if p)
    if eq:
        return [f"{p}-{p}" for p in eq]
    if text(ace, f"{side}-gt"):
        return [f"{port(text(ace, f'{side}-gt')) + 1}-65535"]
    if text(ace, f"{side}-lt"):
        return [f"0-{port(text(ace, f'{side}-lt')) - 1}"]
    if text(ace, f"{side}-neq"):
        n = port(text(ace, f"{side}-neq"))
        return [r for r in (f"0-{n - 1}" if n > 0 else None, f"{n + 1}-65535" if n < 65535 else None) if r]
    if text(ace, f"{side}-range1"):
        return [f"{port(text(ace, f'{side}-range1'))}-{port(text(ace, f'{side}-range2'))}"]
    return ["0-65535"]


def main():
    out = {}
    for path in sorted(pathlib.Path("Migration/samples/cisco").glob("*.xml")):
        root = ET.parse(path).getroot()
        lists = {}
        for acl in root.iter():
            kind = local(acl.tag)
            if kind not in ("extended", "standard") or not acl.tag.startswith(ACL_NS):
                continue
            entries = []
            for rule in acl:
                if local(rule.tag) != "access-list-seq-rule":
                    continue
                if kind == "extended":
                    ace = child(rule, "ace-rule")
                    if ace is None:
                        continue
                    proto = text(ace, "protocol") or "ip"
                    if proto == "object-group":
                        entries.append({"skip": True})
                        continue
                    source = prefix(ace, "ipv4-address", "mask", "any", ["host-address", "host"])
                    destination = prefix(ace, "dest-ipv4-address", "dest-mask", "dst-any", ["dst-host-address", "dst-host"])
                    if source is None or destination is None:
                        entries.append({"skip": True})
                        continue
                    entries.append({"permit": text(ace, "action") == "permit",
                                    "protocol": PROTOCOLS[proto] if proto in PROTOCOLS else int(proto),
                                    "source": source, "destination": destination,
                                    "sourcePorts": ports(ace, "src"), "destinationPorts": ports(ace, "dst")})
                else:
                    for action in ("permit", "deny"):
                        holder = child(rule, action)
                        if holder is None:
                            continue
                        ace = child(holder, "std-ace")
                        source = prefix(ace, "ipv4-address-prefix", "mask", "any", ["host-address", "host"])
                        entries.append({"permit": action == "permit", "protocol": None, "source": source,
                                        "destination": "0.0.0.0/0", "sourcePorts": ["0-65535"], "destinationPorts": ["0-65535"]})
            lists[text(acl, "name")] = entries
        out[path.name] = lists
    target = pathlib.Path("Tests/GDOIImportTests/Vectors/independent-acl-selectors.json")
    target.write_text(json.dumps({"source": "scripts/independent-acl-selectors.py over Migration/samples/cisco "
                                            "(Python xml.etree, ipaddress, /etc/services)", "samples": out},
                                 indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
