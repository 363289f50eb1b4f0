#!/usr/bin/env python3
"""Code and RAM sizes of a linked firmware, from its GNU ld map file.

Reads the map's input sections and attributes each to the archive member or
object it came from, then groups them: the agent (libacme_agent.a, one line per
module), mbedTLS, lwIP, cJSON, the board, the C library, the rest. Text is
.text + .rodata (what flash holds); RAM is .data + .bss per module.

Also lists the image's large static RAM objects (one per -fdata-sections
section: the agent object, the arena, the flash image, lwIP's pools, ...), so a
reader sees sizeof(acme_agent_t) and where the RAM goes.

  size_report.py FIRMWARE.map [--budget NAME=BYTES ...] [--ram-min BYTES] [--markdown]

Budgets (checked, exit status 1 when one is exceeded):
  agent-text      text of every libacme_agent.a member
  image-text      text of the whole image (all groups)
Exit 0 otherwise. The same numbers are printed either way; --markdown prints
the groups as a table for the README instead of plain text.
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
    if re.search(r"CMakeFiles/fw-[^/]+\.dir/", path):
        return "app", module  # the firmware's own main file (e.g. acme_main.c)
    return ("board" if "/boards/" in path or "qemu-mps2" in path else "other"), module


def parse(map_path):
    """({(group, module): Counter(kind -> bytes)}, [(bytes, symbol, group, module)] of RAM)."""
    sizes = collections.defaultdict(lambda: collections.Counter())
    ram_objects = []
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
                if m.group(2) is None:
                    pending = m.group(1)
                    continue
                pending = None
                add(sizes, ram_objects, m.group(1), m.group(2), m.group(3), m.group(4))
                continue
            if pending:
                m = CONTINUATION.match(line)
                if m:
                    add(sizes, ram_objects, pending, m.group(1), m.group(2), m.group(3))
                pending = None
    return sizes, ram_objects


def add(sizes, ram_objects, section, address, size, path):
    """Count one input section (address 0 = not placed in the image)."""
    kind = kind_of(section)
    if kind is None or int(address, 16) == 0:
        return
    who = owner(path)
    sizes[who][kind] += int(size, 16)
    if kind in ("data", "bss"):
        # ".bss.agent" -> "agent"; a section without the symbol's name stays as is.
        symbol = section.split(".", 2)[2] if section.count(".") >= 2 else section
        ram_objects.append((int(size, 16), symbol, who[0], who[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("map")
    ap.add_argument("--budget", action="append", default=[], metavar="NAME=BYTES")
    ap.add_argument("--ram-min", type=int, default=1024, metavar="BYTES",
                    help="list static RAM objects at least this large (default 1024)")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    sizes, ram_objects = parse(args.map)

    def text(c):
        return c["text"] + c["rodata"]

    def ram(c):
        return c["data"] + c["bss"]

    groups = collections.defaultdict(lambda: collections.Counter())
    for (group, _module), c in sizes.items():
        groups[group].update(c)
    totals = {"agent-text": text(groups["agent"]),
              "image-text": sum(text(c) for c in groups.values())}

    ordered = sorted(groups, key=lambda g: -text(groups[g]))
    big = sorted((o for o in ram_objects if o[0] >= args.ram_min), reverse=True)
    if args.markdown:
        print("| part | text (B) | static RAM (B) |")
        print("|---|---:|---:|")
        for group in ordered:
            print("| %s | %d | %d |" % (group, text(groups[group]), ram(groups[group])))
        print("| **image** | **%d** | **%d** |" % (
            totals["image-text"], sum(ram(c) for c in groups.values())))
        print()
        print("| static RAM object | owner | bytes |")
        print("|---|---|---:|")
        for size, symbol, group, module in big:
            print("| `%s` | %s (%s) | %d |" % (symbol, group, module, size))
    else:
        print("agent modules (text = .text + .rodata, RAM = .data + .bss):")
        agent = sorted(((m, c) for (g, m), c in sizes.items() if g == "agent"),
                       key=lambda mc: -text(mc[1]))
        for module, c in agent:
            print("  %-18s %6d text %6d RAM" % (module, text(c), ram(c)))
        print("groups:")
        for group in ordered:
            print("  %-10s %7d text %7d RAM" % (group, text(groups[group]), ram(groups[group])))
        print("  %-10s %7d text %7d RAM" % ("image", totals["image-text"],
                                            sum(ram(c) for c in groups.values())))
        print("static RAM objects of %d bytes or more:" % args.ram_min)
        for size, symbol, group, module in big:
            print("  %7d  %-28s %s (%s)" % (size, symbol, group, module))

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
