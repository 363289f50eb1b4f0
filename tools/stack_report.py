#!/usr/bin/env python3
"""Worst-case stack depth of a firmware's call tree, from gcc -fcallgraph-info.

Reads the <object>.ci files gcc writes with -fcallgraph-info=su (cmake/
AcmeStackUsage.cmake) for every object the firmware's map says was linked,
builds the whole-program call graph and sums frames along the deepest path
from each entry point.

  stack_report.py BUILD_DIR --elf FW.elf [--map FW.map] --entry GLOB ...
                  [--rules FILE] [--budget BYTES] [--details] [--markdown]

Calls are resolved the way the linker does:
  - a callee defined in the caller's file (static or not) is that one,
    otherwise the one global definition among the linked objects;
  - a callee with no .ci node (newlib, libgcc: memcpy, __aeabi_*; a clone gcc
    left out) is measured from the ELF's disassembly: every push, stmdb sp!,
    vpush, sub sp and pre-indexed store to sp of its body added up. These are
    listed in the report;
  - an indirect call may reach every address-taken function of the image: a
    function named by a relocation other than a call or branch, in any object
    or archive member the map lists (ours, newlib, libgcc). A rule of --rules
    may narrow that for a caller; the worst target counts.
Recursion is an error unless a rule bounds it: a cycle entered at most DEPTH
more times costs (DEPTH + 1) x the frames of all its functions. A frame gcc
calls "dynamic" (VLA, alloca) is an error; "dynamic,bounded" counts at its
bound.

Rules file: '#' comments, and lines (the first call/indirect rule that
matches an indirect call site wins):
  group     NAME GLOB...                     targets, used as @NAME
  call      FILE-GLOB CALLEE-GLOB TARGET...  a call written in FILE as CALLEE(..)
                                             (spaces removed: s->net->send)
  indirect  CALLER-GLOB TARGET...            any indirect call of CALLER
  recursion FILE-GLOB FUNCTION DEPTH         DEPTH: a number, or a -D macro of
                                             the file in compile_commands.json
  unused    NAME...                          nothing else calls these or takes
                                             their address (for "none" targets)
  unreached GLOB...                          address-taken functions no call of
                                             the tree may reach (vector table)
TARGET "none": the pointer is never set. A glob with a ':' matches
"file:function", one without the file: source paths as gcc saw them, <ELF> for
code only the ELF describes. Checked: every target glob matches some function;
every address-taken function is some reached call's target or unreached.

Exit status: 0 within budget; 1 over budget, unbounded recursion, dynamic
stack, an unresolved callee or a rule check; 2 bad input. The numbers are
printed either way.
"""
import argparse
import collections
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys

READELF = "arm-none-eabi-readelf"
OBJDUMP = "arm-none-eabi-objdump"
INDIRECT = "__indirect_call"
ELF_FILE = "<ELF>"
# Relocations that do not take an address: calls, branches, markers. Any other
# relocation against a function (literal pool, table, movw/movt) takes it.
NOT_ADDRESS_RELOCS = {"R_ARM_THM_CALL", "R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19",
                      "R_ARM_THM_JUMP11", "R_ARM_THM_JUMP8", "R_ARM_CALL", "R_ARM_JUMP24",
                      "R_ARM_PC24", "R_ARM_NONE", "R_ARM_V4BX"}
# Debug info and unwind tables name functions without calling them.
NON_CODE_RELOC_SECTIONS = (".rel.debug", ".rela.debug", ".rel.ARM.ex", ".rela.ARM.ex")
MAX_FUNCTIONS = 100000
READELF_FILES_PER_RUN = 64

IndirectRule = collections.namedtuple("IndirectRule", "caller expression targets where")
RecursionRule = collections.namedtuple("RecursionRule", "file function depth where")
Rules = collections.namedtuple("Rules", "indirect recursion unused unreached")


class ReportError(Exception):
    """Bad input: the report cannot be computed (exit status 2)."""


class Function:
    """A function of the image: a .ci node (origin "ci") or code measured from
    the ELF (origin "elf"). Key: gcc's title, "file:name" for a local one."""

    def __init__(self, key, name, file, frame, qualifier, origin):
        self.key, self.name, self.file = key, name, file
        self.frame, self.qualifier, self.origin = frame, qualifier, origin
        self.calls = []       # (callee title or INDIRECT, call site) as read
        self.direct = set()   # resolved keys
        self.pointer = set()  # keys reachable through its indirect calls

    @property
    def callees(self):
        return self.direct | self.pointer


def run_tool(argv):
    try:
        return subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise ReportError("%s failed: %s" % (argv[0], getattr(e, "stderr", None) or e))


# ---- what was linked --------------------------------------------------------

def linked_inputs(map_path):
    """({object path}, {archive path: {member}}) the linker loaded, from its map
    (paths in a map are relative to where the linker ran: the map's folder)."""
    base = os.path.dirname(os.path.abspath(map_path))
    objects, members = set(), collections.defaultdict(set)
    with open(map_path, errors="replace") as f:
        for line in f:
            m = re.match(r"^(\S+\.a)\(([^)]+)\)\s*$", line)
            if m:
                members[os.path.normpath(os.path.join(base, m.group(1)))].add(m.group(2))
            m = re.match(r"^LOAD (\S+\.(?:obj|o))\s*$", line)
            if m:
                objects.add(os.path.normpath(os.path.join(base, m.group(1))))
    return objects, members


def linked_ci_files(build_dir, objects, members):
    """[(.ci path, input id)] for the linked inputs gcc described. A .ci sits
    next to its object, CMake's <dir>/CMakeFiles/<target>.dir/.../<src>.obj,
    archived as <dir>/lib<target>.a. Input id: "archive(member)" or the path."""
    by_name = {(os.path.basename(a), m): "%s(%s)" % (a, m) for a, ms in members.items() for m in ms}
    chosen, seen = [], set()
    for root, _dirs, files in sorted(os.walk(build_dir)):
        for name in sorted(f for f in files if f.endswith(".ci")):
            obj = os.path.abspath(os.path.join(root, name))[:-3] + ".obj"
            target = re.search(r"/CMakeFiles/([^/]+)\.dir/", obj)
            member = target and by_name.get(("lib%s.a" % target.group(1), os.path.basename(obj)))
            input_id = obj if obj in objects else member
            if not input_id:
                continue  # not in this image
            if input_id in seen:
                raise ReportError("two objects are %s: cannot tell which was linked" % input_id)
            seen.add(input_id)
            chosen.append((obj[:-4] + ".ci", input_id))
    measured = {i.rsplit("(", 1)[0] for _ci, i in chosen if i.endswith(")")}
    missing = sorted("%s(%s)" % (a, m) for a in measured for m in members[a]
                     if "%s(%s)" % (a, m) not in seen)
    if missing or not chosen:
        raise ReportError("no .ci file for %s: compile with -fcallgraph-info=su "
                          "(cmake/AcmeStackUsage.cmake)" % (", ".join(missing) or "any object"))
    return chosen


NODE = re.compile(r'^node: \{ title: "([^"]*)" label: "([^"]*)"')
EDGE = re.compile(r'^edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"(?: label: "([^"]*)")?')
FRAME = re.compile(r"^(\d+) bytes \(([a-z,]+)\)$")


def parse_ci(ci_path, functions):
    """Adds the functions one .ci defines to functions; returns its source file."""
    with open(ci_path) as f:
        lines = f.read().splitlines()
    m = re.match(r'graph: \{ title: "([^"]*)"', lines[0] if lines else "")
    if not m:
        raise ReportError("%s: not a -fcallgraph-info file" % ci_path)
    source, defined = m.group(1), {}
    for line in lines[1:]:
        node, edge = NODE.match(line), EDGE.match(line)
        frame = node and next(filter(None, map(FRAME.match, node.group(2).split("\\n"))), None)
        if frame:  # a node without a frame is a callee declared here
            key = node.group(1)
            local = key.startswith(source + ":")
            if key in functions:
                raise ReportError("%s defined in %s and %s" % (key, functions[key].file, source))
            defined[key] = functions[key] = Function(
                key, key[len(source) + 1:] if local else key, source,
                int(frame.group(1)), frame.group(2), "ci")
        elif edge:
            if edge.group(1) not in defined:
                raise ReportError("%s: call from unknown function %s" % (ci_path, edge.group(1)))
            defined[edge.group(1)].calls.append((edge.group(2), edge.group(3) or source))
    return source


def address_taken_names(objects, members):
    """{input id: symbol names} referenced by relocations that take an address,
    over every object and archive member of the image."""
    taken = collections.defaultdict(set)
    files = sorted(objects) + sorted(members)
    for i in range(0, len(files), READELF_FILES_PER_RUN):
        current, section = None, ""
        for line in run_tool([READELF, "-rW"] + files[i:i + READELF_FILES_PER_RUN]).splitlines():
            if line.startswith("File: "):
                current = line[6:].strip()
                archive, _, member = current[:-1].partition("(")
                if member and member not in members.get(archive, ()):
                    current = None  # an archive member the linker left out
            elif line.startswith("Relocation section"):
                section = line.split("'")[1]
            elif current and not section.startswith(NON_CODE_RELOC_SECTIONS):
                fields = line.split()
                # A function's own section symbol from inside it is a switch
                # table of its labels, not its address.
                if len(fields) >= 5 and fields[2].startswith("R_ARM_") \
                        and fields[2] not in NOT_ADDRESS_RELOCS \
                        and section not in (".rel" + fields[4], ".rela" + fields[4]):
                    taken[current].add(fields[4])
    return taken


# ---- code only the ELF describes --------------------------------------------

PUSH = re.compile(r"\t(?:push(?:\.w)?|stmdb(?:\.w)?\s+sp!,)\s*\{([^}]*)\}")
VPUSH = re.compile(r"\tvpush\s*\{([^}]*)\}")
SUB_SP = re.compile(r"\tsubw?(?:\.w)?\s+sp,\s*(?:sp,\s*)?#(\d+)")
PRE_STORE = re.compile(r"\tstr[bhd]?(?:\.w)?\s+[^\[]*\[sp,\s*#-(\d+)\]!")
DYNAMIC_SP = re.compile(r"\t(?:sub(?:\.w)?\s+sp,\s*(?:sp,\s*)?r\d|mov\s+sp,\s*r\d)")
BRANCH = re.compile(r"\t(?:b[a-z]*(?:\.[nw])?|cbn?z\s+r\d+,)\s+[0-9a-f]+ <([^>+]+)>")
INDIRECT_BRANCH = re.compile(r"\t(?:blx\s+r\d|bx\s+r(?:[0-9]|1[0-2]|ip)\b)")


def register_count(reglist):
    count = 0
    for part in reglist.split(","):
        first, _, last = part.strip().partition("-")
        count += int(re.sub(r"\D", "", last)) - int(re.sub(r"\D", "", first)) + 1 if last else 1
    return count


def elf_functions(elf):
    """{symbol: Function} for every function symbol of the ELF. Several bodies
    of one name (static functions of several files) merge into the largest
    frame and all their calls; aliases (identical code folded) share a body."""
    names_at = collections.defaultdict(list)
    for line in run_tool([READELF, "-sW", elf]).splitlines():
        fields = line.split()
        if len(fields) == 8 and fields[3] == "FUNC":
            names_at[int(fields[1], 16) & ~1].append(fields[7])
    bodies, body = collections.defaultdict(list), None
    for line in run_tool([OBJDUMP, "-d", "--no-show-raw-insn", elf]).splitlines():
        head = re.match(r"^([0-9a-f]+) <([^>]+)>:$", line)
        if head:
            names = names_at.get(int(head.group(1), 16), [])
            body = Function(head.group(2), head.group(2), ELF_FILE, 0, "static", "elf") \
                if head.group(2) in names else None  # else data placed in .text
            for name in names if body else []:
                bodies[name].append(body)
        elif body:
            m = PUSH.search(line) or VPUSH.search(line)
            if m:
                body.frame += (8 if "vpush" in line and "d" in m.group(1) else 4) \
                    * register_count(m.group(1))
            m = SUB_SP.search(line) or PRE_STORE.search(line)
            body.frame += int(m.group(1)) if m else 0
            if DYNAMIC_SP.search(line):
                body.qualifier = "dynamic"
            m = BRANCH.search(line)
            if m and m.group(1) != body.name:
                body.calls.append((m.group(1), body.name))
            if INDIRECT_BRANCH.search(line):
                body.calls.append((INDIRECT, body.name))
    result = {}
    for name, copies in bodies.items():
        fn = result[name] = Function(name, name, ELF_FILE, 0, "static", "elf")
        for copy in copies:
            fn.frame = max(fn.frame, copy.frame)
            fn.calls += copy.calls
            fn.qualifier = "dynamic" if copy.qualifier == "dynamic" else fn.qualifier
    return result


# ---- rules ------------------------------------------------------------------

def load_rules(path):
    """The Rules of a rules file (syntax: the module docstring); none without."""
    rules, groups = Rules([], [], [], []), {}
    if not path:
        return rules
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            words, where = raw.split("#", 1)[0].split(), "%s:%d" % (os.path.basename(path), number)
            if not words:
                continue
            targets, first = [], 3 if words[0] == "call" else 2
            for word in words[first:]:
                if word.startswith("@") and word[1:] not in groups:
                    raise ReportError("%s: no group %s above" % (where, word))
                targets += groups[word[1:]] if word.startswith("@") else [word]
            if words[0] == "group" and len(words) >= 3:
                groups[words[1]] = targets
            elif words[0] in ("indirect", "call") and len(words) > first:
                rules.indirect.append(IndirectRule(words[1], words[2] if first == 3 else None, (
                    () if targets == ["none"] else tuple(targets)), where))
            elif words[0] == "recursion" and len(words) == 4:
                rules.recursion.append(RecursionRule(*words[1:], where))
            elif words[0] == "unused" and len(words) >= 2:
                rules.unused.append((tuple(words[1:]), where))
            elif words[0] == "unreached" and len(words) >= 2:
                rules.unreached.extend(words[1:])
            else:
                raise ReportError("%s: cannot read: %s" % (where, raw.strip()))
    return rules


def matches(glob, fn):
    return fnmatch.fnmatchcase("%s:%s" % (fn.file, fn.name) if ":" in glob else fn.file, glob)


CALLEE = re.compile(r"\(\s*\*\s*[\w.\[\]>-]+\s*\)|\*?\s*[\w.\[\]>-]+")


def called_expression(site, sources):
    """(source file, callee text without spaces) of an indirect call site
    "file:line:col", e.g. "s->net->send", "*mbedtls_calloc_func" (gcc points
    into "(*f)(...)"), "TCP_EVENT_RECV"; (None, None) when it cannot be read."""
    m = re.match(r"^(.*):(\d+):(\d+)$", site)
    if not m:
        return None, None
    if m.group(1) not in sources:
        try:
            with open(m.group(1), errors="replace") as f:
                sources[m.group(1)] = f.read().splitlines()
        except OSError:
            sources[m.group(1)] = []
    lines, line, col = sources[m.group(1)], int(m.group(2)), int(m.group(3))
    text = lines[line - 1][col - 1:] if 0 < line <= len(lines) else ""
    callee = CALLEE.match(text)
    if callee and re.fullmatch(r"[A-Z][A-Z0-9_]*", callee.group(0)):
        # A macro around the call, MBEDTLS_MPI_CHK(f_rng(...)): the call inside
        # it if there is one, else the macro (TCP_EVENT_RECV(pcb, ...)).
        inner = re.match(r"\s*\(\s*(%s)\s*\(" % CALLEE.pattern, text[callee.end():])
        callee = CALLEE.match(inner.group(1)) if inner else callee
    return (m.group(1), re.sub(r"\s", "", callee.group(0))) if callee else (None, None)


def rule_for(rules, fn, site, sources):
    """The first rule that matches an indirect call of fn at site, or None."""
    file, expression = called_expression(site, sources)
    for rule in rules:
        if rule.expression is None and matches(rule.caller, fn) or \
                rule.expression is not None and expression is not None and \
                fnmatch.fnmatchcase(file, rule.caller) and \
                fnmatch.fnmatchcase(expression, rule.expression):
            return rule
    return None


def macro_value(build_dir, source, macro):
    """N of -DMACRO=N on the compile line of source (compile_commands.json)."""
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        for entry in json.load(f):
            if os.path.normpath(entry["file"]) == os.path.normpath(source):
                for arg in entry.get("arguments") or shlex.split(entry["command"]):
                    if arg.startswith("-D%s=" % macro):
                        return int(arg.split("=", 1)[1], 0)
    raise ReportError("%s is not defined on the compile line of %s" % (macro, source))


# ---- the graph --------------------------------------------------------------

def resolve(functions, library, taken_by_input, source_of_input, rules):
    """Resolves every call. Returns (unresolved calls, address-taken keys,
    indirect sites as (caller key, site, rule or None, target keys))."""
    def lookup(title, source):
        for key in (title, source + ":" + title):
            if key in functions:
                return key
        # No .ci node: the ELF's code of that name. A local clone (seen:
        # foo.part.0 folded into an identical bar.part.0) keeps its file.
        local = title.startswith(source + ":")
        symbol = title[len(source) + 1:] if local else title
        if symbol not in library:
            return None
        code = library[symbol]
        if not local:
            return functions.setdefault(symbol, code).key
        functions[title] = Function(title, symbol, source, code.frame, code.qualifier, "elf")
        functions[title].calls = list(code.calls)
        return title

    taken = set()
    for input_id, names in taken_by_input.items():
        for name in names:
            name = name[len(".text."):] if name.startswith(".text.") else name  # section symbol
            key = name in library and lookup(name, source_of_input.get(input_id, ""))
            if key:  # else data, or code the linker dropped
                taken.add(key)
    unresolved, sites, pending, sources = [], [], list(functions.values()), {}
    for _ in range(MAX_FUNCTIONS):
        if not pending:
            return unresolved, taken, sites
        fn = pending.pop()
        for title, site in fn.calls:
            if title == INDIRECT:
                rule = rule_for(rules, fn, site, sources)
                targets = sorted(k for k in taken if rule is None or
                                 any(matches(g, functions[k]) for g in rule.targets))
                sites.append((fn.key, site, rule, targets))
                fn.pointer.update(targets)
                continue
            count = len(functions)
            key = lookup(title, fn.file)
            if key is None:
                unresolved.append((fn.key, title, site))
                continue
            fn.direct.add(key)
            if len(functions) != count:
                pending.append(functions[key])  # ELF code just added: resolve its calls
    raise ReportError("more than %d functions" % MAX_FUNCTIONS)


def components(functions, roots):
    """Strongly connected components reachable from roots (Tarjan, iterative),
    numbered callees first: ({key: component}, [[keys] per component])."""
    index, low, on_stack, stack, comp_of, comps = {}, {}, set(), [], {}, []

    def enter(key):
        index[key] = low[key] = len(index)
        stack.append(key)
        on_stack.add(key)
        return key, iter(sorted(functions[key].callees))

    for root in roots:
        work = [] if root in index else [enter(root)]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None and child not in index:
                work.append(enter(child))
            elif child is not None:
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    members = stack[stack.index(node):]
                    del stack[stack.index(node):]
                    on_stack.difference_update(members)
                    comp_of.update((k, len(comps)) for k in members)
                    comps.append(sorted(members))
    return comp_of, comps


def worst_case(functions, roots, recursion_rules, build_dir):
    """(bytes per component, its deepest callee component, comp_of, comps,
    recursion notes, errors)."""
    comp_of, comps = components(functions, roots)
    cost, best, notes, errors = {}, {}, [], []
    for cid, members in enumerate(comps):  # callees first: one pass suffices
        fns = [functions[k] for k in members]
        frames = sum(f.frame for f in fns)
        if len(fns) > 1 or fns[0].key in fns[0].callees:
            names = ", ".join(f.name for f in fns)
            rule = next((r for r in recursion_rules if any(f.name == r.function for f in fns)
                         and all(matches(r.file, f) for f in fns)), None)
            if rule is None:
                errors.append("unbounded recursion: %s" % names)
            else:
                named = next(f for f in fns if f.name == rule.function)
                depth = int(rule.depth) if rule.depth.isdigit() else \
                    macro_value(build_dir, named.file, rule.depth)
                notes.append("%s (%s): depth %s, (%d + 1) x %d = %d bytes" % (
                    names, rule.where, depth if rule.depth.isdigit() else
                    "%s = %d" % (rule.depth, depth), depth, frames, (depth + 1) * frames))
                frames *= depth + 1
        exits = {comp_of[c] for f in fns for c in f.callees} - {cid}
        best[cid] = max(exits, key=lambda c: (cost[c], -c), default=None)
        cost[cid] = frames + (cost[best[cid]] if best[cid] is not None else 0)
    return cost, best, comp_of, comps, notes, errors


# ---- the report -------------------------------------------------------------

def table(headers, rows, markdown):
    if markdown:
        return [""] + ["| " + " | ".join(map(str, row)) + " |"
                       for row in [headers, ["---"] * len(headers)] + rows]
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows)]
    return ["  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()
            for row in [headers] + rows]


def short(path, build_dir):
    """A path without the checkout or the build directory in front."""
    for base in (build_dir, os.path.dirname(os.path.dirname(os.path.abspath(__file__)))):
        if path.startswith(base + "/"):
            return path[len(base) + 1:]
    return path


def deepest_path(functions, cost, best, comps, start, build_dir):
    rows, cid, total, caller = [], start, 0, None
    for _ in range(len(comps)):
        fns = [functions[k] for k in comps[cid]]
        frame = cost[cid] - (cost[best[cid]] if best[cid] is not None else 0)
        total += frame
        pointer = caller is not None and not (caller.direct & set(comps[cid]))
        name = fns[0].name if len(comps[cid]) == 1 and fns[0].key not in fns[0].callees \
            else "recursion: " + ", ".join(f.name for f in fns)
        rows.append([frame, total, name + (" *" if pointer else ""), short(fns[0].file, build_dir)])
        caller = fns[0]
        if best[cid] is None:
            return rows
        cid = best[cid]
    return rows


def check_rules(rules, functions, library, taken, reached_sites, build_dir):
    """What keeps narrow rules honest: errors for target globs that match
    nothing, address-taken functions no reached call may call, and "unused"
    functions that are used."""
    errors, everything = [], list(functions.values()) + list(library.values())
    for rule in sorted({s[2] for s in reached_sites if s[2]}, key=lambda r: r.where):
        errors += ["%s: %s matches no function of the image (stale rule?)" % (rule.where, glob)
                   for glob in rule.targets if not any(matches(glob, f) for f in everything)]
    targeted = set().union(*(s[3] for s in reached_sites))
    errors += ["%s (%s) has its address taken but no reached indirect call may call it: widen "
               "the rule of the call that does, or list it as unreached"
               % (functions[k].name, short(functions[k].file, build_dir))
               for k in sorted(taken - targeted)
               if not any(matches(g, functions[k]) for g in rules.unreached)]
    for names, where in rules.unused:
        for fn in (f for f in functions.values() if f.name in names):
            callers = sorted(f.name for f in functions.values()
                             if fn.key in f.direct and f.name not in names)
            if fn.key in taken or callers:
                errors.append("%s: %s is used in the image (%s): a rule relying on it is stale"
                              % (where, fn.name, "address taken" if fn.key in taken else
                                 "called by " + ", ".join(callers)))
    return errors


def report(args):
    build_dir = os.path.abspath(args.build_dir)
    rules = load_rules(args.rules)
    objects, members = linked_inputs(args.map or os.path.splitext(args.elf)[0] + ".map")
    functions, source_of_input = {}, {}
    for ci, input_id in linked_ci_files(build_dir, objects, members):
        source_of_input[input_id] = parse_ci(ci, functions)
    library = elf_functions(args.elf)
    unresolved, taken, sites = resolve(functions, library, address_taken_names(objects, members),
                                       source_of_input, rules.indirect)
    entries = sorted(k for k, f in functions.items() if f.origin == "ci" and k == f.name
                     and any(fnmatch.fnmatchcase(k, g) for g in args.entry))
    roots = [k for k in entries if k in library]  # the rest were not linked in
    if not roots:
        raise ReportError("no function of the image matches --entry %s" % " ".join(args.entry))
    cost, best, comp_of, comps, notes, errors = worst_case(functions, roots, rules.recursion,
                                                           build_dir)
    reached = sorted((functions[k] for k in comp_of), key=lambda f: (f.name, f.file))
    reached_sites = [s for s in sites if s[0] in comp_of]
    errors += ["unresolved call: %s -> %s (%s)" % (functions[k].name, t, s)
               for k, t, s in unresolved if k in comp_of]
    errors += ["dynamic stack: %s (%s), %d bytes + a run-time amount"
               % (f.name, short(f.file, build_dir), f.frame)
               for f in reached if f.qualifier == "dynamic"]
    if args.rules:
        errors += check_rules(rules, functions, library, taken, reached_sites, build_dir)
    per_entry = sorted(([cost[comp_of[r]], r] for r in roots), key=lambda e: (-e[0], e[1]))
    total, deepest = per_entry[0]
    over = args.budget is not None and total > args.budget
    md = args.markdown

    out = ["worst-case stack: %d bytes, from %s%s" % (total, deepest, "" if args.budget is None
           else " (budget %d: %s)" % (args.budget, "EXCEEDED" if over else "ok"))]
    out += ["", "deepest path (* = called through a function pointer):"]
    out += table(["bytes", "total", "function", "file"],
                 deepest_path(functions, cost, best, comps, comp_of[deepest], build_dir), md)
    out += ["", "per entry:"] + table(["bytes", "entry"], per_entry, md)
    if len(roots) < len(entries):
        out.append("  not linked into this image: " + ", ".join(sorted(set(entries) - set(roots))))
    by_rule = collections.defaultdict(list)
    for site in reached_sites:
        by_rule[site[2]].append(site)
    out += ["", "indirect calls reached: %d sites, by %d rules; %d address-taken functions%s"
            % (len(reached_sites), len(by_rule), len(taken), "" if args.details else
               " (--details lists the rules)")]
    if args.details:
        out += table(["sites", "targets", "rule", "calls"], [[
            len(group), len(set().union(*(s[3] for s in group))), rule.where if rule else "-",
            " ".join(filter(None, rule[:2])) if rule else "(no rule: every address-taken one)"]
            for rule, group in sorted(by_rule.items(), key=lambda r: (
                int(r[0].where.rsplit(":", 1)[1]) if r[0] else 0))], md)
    if notes:
        out += ["", "recursion bounded by rules:"] + ["  " + n for n in notes]
    bounded = [f for f in reached if f.qualifier not in ("static", "dynamic")]
    if bounded:
        out += ["", "dynamic frames with a bound (counted at the bound):"]
        out += table(["bytes", "function", "file"],
                     [[f.frame, f.name, short(f.file, build_dir)] for f in bounded], md)
    no_ci = [f for f in reached if f.origin == "elf"]
    out += ["", "no .ci node, frame from the disassembly of %s:" % os.path.basename(args.elf)]
    if args.details:
        out += table(["bytes", "function", "calls"], [[f.frame, f.name, ", ".join(sorted(
            {functions[c].name for c in f.callees})) or "-"] for f in no_ci], md)
    else:
        items = ", ".join("%s %d" % (f.name, f.frame) for f in no_ci)
        out += ["  " + line for line in re.findall(r"\S.{0,96}(?:,|$)", items)]
    print("\n".join(out))
    for e in errors:
        print("error: %s" % e, file=sys.stderr)
    if over:
        print("error: worst-case stack %d bytes exceeds the budget of %d bytes"
              % (total, args.budget), file=sys.stderr)
    return 1 if errors or over else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build_dir", help="build tree holding the objects and their .ci files")
    ap.add_argument("--elf", required=True, help="the linked firmware")
    ap.add_argument("--map", help="its linker map (default: the ELF's name with .map)")
    ap.add_argument("--entry", action="append", required=True, metavar="GLOB",
                    help="entry points: global function names (fnmatch)")
    ap.add_argument("--rules", help="indirect-call and recursion rules")
    ap.add_argument("--budget", type=int, metavar="BYTES")
    ap.add_argument("--details", action="store_true",
                    help="also list the indirect-call rules used and what each routine calls")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    try:
        return report(args)
    except (ReportError, OSError, ValueError) as e:
        print("stack_report: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
