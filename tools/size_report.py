#!/usr/bin/env python3
"""Code and RAM sizes of a linked firmware, from its GNU ld map file.

Reads the map's input sections and attributes each to the archive member or
object it came from, then groups them: the agent (libacme_agent.a, one line per
module), mbedTLS, lwIP, cJSON, the board, the C library, the rest. Text is
.text + .rodata (what flash holds); RAM is .data + .bss per module.

  size_report.py FIRMWARE.map [--budget NAME=BYTES ...] [--markdown]

Budgets (checked, exit status 1 when one is exceeded):
  agent-text      text of every libacme_agent.a member
  image-text      text of the whole image (all groups)
Exit 0 otherwise. The same numbers are printed either way.
"""
import argparse
import collections
import re
import sys

SECTION = re.compile(r"^ (\.(?:text|rodata|data|bss)[^\s]*)(?:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+))?\s*$")
CONTINUATION = re.compile(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)\s*$")


def kind_of(section):
    for k in ("text", "rodata", "data", "bss"):
        if section.startswith("." + k):
            return k
    return None


def owner(path):
    """(group, module) for an input file path such as
    .../libacme_agent.a(order.c.obj) or .../crt0.o."""
    m = re.match(r"(.*/)?(lib[^/()]+\.a)\(([^)]+)\)$", path)
    if m:
        archive, member = m.group(2), m.group(3)
        module = re.sub(r"\.(c|S|s)\.obj$|\.o$|\.obj$", "", member)
        groups = {
            "libacme_agent.a": "agent",
            "libacme_mbedtls.a": "mbedtls",
            "libacme_lwip.a": "lwip",
            "libacme_cjson.a": "cjson",
            "libacme_port_lwip.a": "port-lwip",
        }
        if archive in groups:
            return groups[archive], module
        if archive.startswith("libacme_board"):
            return "board", module
        if archive in ("libc_nano.a", "libc.a", "libg_nano.a", "libm.a", "libgcc.a",
                       "libnosys.a"):
            return "libc", archive
        return "other", archive
    module = re.sub(r"\.(c|S|s)\.obj$|\.o$|\.obj$", "", path.split("/")[-1])
    return ("board" if "/boards/" in path or "qemu-mps2" in path else "other"), module


def parse(map_path):
    sizes = collections.defaultdict(lambda: collections.Counter())
    pending = None
    in_discarded = False
    with open(map_path, errors="replace") as f:
        for line in f:
            if line.startswith("Discarded input sections"):
                in_discarded = True
                continue
            if line.startswith("Memory Configuration") or line.startswith("Linker script and memory map"):
                in_discarded = False
                continue
            if in_discarded:
                continue
            m = SECTION.match(line)
            if m:
                kind = kind_of(m.group(1))
                if m.group(2) is None:
                    pending = kind
                    continue
                pending = None
                if kind and int(m.group(2), 16) != 0:
                    sizes[owner(m.group(4))][kind] += int(m.group(3), 16)
                continue
            if pending:
                m = CONTINUATION.match(line)
                if m and int(m.group(1), 16) != 0:
                    sizes[owner(m.group(3))][pending] += int(m.group(2), 16)
                pending = None
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("map")
    ap.add_argument("--budget", action="append", default=[], metavar="NAME=BYTES")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    sizes = parse(args.map)

    def text(c):
        return c["text"] + c["rodata"]

    def ram(c):
        return c["data"] + c["bss"]

    groups = collections.defaultdict(lambda: collections.Counter())
    for (group, _module), c in sizes.items():
        groups[group].update(c)
    totals = {"agent-text": text(groups["agent"]),
              "image-text": sum(text(c) for c in groups.values())}

    print("agent modules (text = .text + .rodata, RAM = .data + .bss):")
    agent = sorted(((m, c) for (g, m), c in sizes.items() if g == "agent"),
                   key=lambda mc: -text(mc[1]))
    for module, c in agent:
        print("  %-18s %6d text %6d RAM" % (module, text(c), ram(c)))
    print("groups:")
    for group in sorted(groups, key=lambda g: -text(groups[g])):
        print("  %-10s %7d text %7d RAM" % (group, text(groups[group]), ram(groups[group])))
    print("  %-10s %7d text" % ("image", totals["image-text"]))

    failed = False
    for b in args.budget:
        name, _, limit = b.partition("=")
        value = totals.get(name)
        if value is None:
            print("unknown budget %s" % name, file=sys.stderr)
            return 2
        ok = value <= int(limit)
        failed |= not ok
        print("budget %-11s %7d / %7d bytes %s" % (name, value, int(limit), "ok" if ok else "EXCEEDED"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
