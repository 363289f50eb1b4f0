#!/usr/bin/env python3
"""Every configuration knob is in the porting guide (CRAFT: "a porting guide
that lists every seam and macro").

Knobs are:
  - every overridable macro of agent/include/acme/config_defaults.h and
    port/lwip/include/acme/port_lwip.h: `#ifndef ACME_X` directly followed by
    `#define ACME_X <value>` (include guards have no value and do not count);
  - every CMake cache entry named ACME_*: option(ACME_...), set(ACME_... CACHE
    ...) and find_program/find_path/find_library(ACME_...), in every
    CMakeLists.txt of the source tree and cmake/*.cmake. A name built in a
    foreach (option(ACME_WITH_${feature} ...)) is expanded over the loop's items.

The guide (docs/porting.md) must name each one as a whole word. Exit 1 with
the list of missing names, 0 otherwise.

  check_config_documented.py [SOURCE_DIR]   (default: this script's repository)
"""
import os
import re
import sys

HEADERS = ("agent/include/acme/config_defaults.h", "port/lwip/include/acme/port_lwip.h")
DOC = "docs/porting.md"

GUARDED = re.compile(r"^[ \t]*#[ \t]*ifndef[ \t]+(ACME_\w+)[ \t]*\n[ \t]*#[ \t]*define[ \t]+(\1)[ \t]+\S",
                     re.MULTILINE)
CACHE_ENTRY = re.compile(
    r"\b(?:option|find_program|find_path|find_library)\s*\(\s*(ACME_[\w${}]+)"
    r"|\bset\s*\(\s*(ACME_[\w${}]+)\b[^)]*?\bCACHE\b", re.IGNORECASE)
FOREACH = re.compile(r"\bforeach\s*\(\s*(\w+)\s+([^)]*)\)", re.IGNORECASE)
SKIP_DIRS = {".git", "_deps"}


def header_macros(root):
    names = set()
    for rel in HEADERS:
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            names.update(m.group(1) for m in GUARDED.finditer(f.read()))
    return names


def cmake_files(root):
    cmake_dir = os.path.join(root, "cmake")
    for name in sorted(os.listdir(cmake_dir)):
        if name.endswith(".cmake"):
            yield os.path.join(cmake_dir, name)
    for dirpath, dirnames, filenames in os.walk(root):
        # Build trees (build*/, possibly with copies of the sources) are not the project.
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and not d.startswith("build"))
        if "CMakeLists.txt" in filenames:
            yield os.path.join(dirpath, "CMakeLists.txt")


def expand(name, text, pos, path):
    """ACME_WITH_${feature} -> one name per item of the nearest foreach(feature ...)."""
    var = re.search(r"\$\{(\w+)\}", name)
    if var is None:
        return [name]
    loops = [m for m in FOREACH.finditer(text, 0, pos) if m.group(1) == var.group(1)]
    items = loops[-1].group(2).split() if loops else []
    if items[:1] == ["IN"] and items[1:2] == ["ITEMS"]:
        items = items[2:]
    if not items or items[0] == "IN":
        sys.exit(f"{path}: cannot expand {name}: no foreach({var.group(1)} ITEM ...) before it")
    return [n for item in items for n in expand(name.replace(var.group(0), item), text, pos, path)]


def cmake_entries(root):
    names = set()
    for path in cmake_files(root):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"#[^\n]*", "", text)  # comments (no '#' in the names we look for)
        for m in CACHE_ENTRY.finditer(text):
            names.update(expand(m.group(1) or m.group(2), text, m.start(), path))
    return names


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(root, DOC), encoding="utf-8") as f:
        doc = f.read()
    macros, entries = header_macros(root), cmake_entries(root)
    if not macros or not entries:
        sys.exit(f"found {len(macros)} macros and {len(entries)} CMake entries: the patterns "
                 "no longer match the sources; fix this check")
    missing = sorted(n for n in macros | entries
                     if not re.search(r"(?<![A-Za-z0-9_])" + n + r"(?![A-Za-z0-9_])", doc))
    if missing:
        print(f"FAIL: {DOC} does not mention these configuration names:")
        for n in missing:
            kind = "macro" if n in macros else "CMake cache entry"
            print(f"    {n} ({kind})")
        print("Document each (default, range, what it costs) in the guide's tables.")
        return 1
    print(f"PASS: {len(macros)} macros and {len(entries)} CMake cache entries, "
          f"all in {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
