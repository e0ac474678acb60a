#!/usr/bin/env python3
"""Generates server/meta/command_meta_data_*.cc from a running Redis 7.0 server.

The facts (arity, flags, key positions, ACL categories, tips, key specs, argument structure,
since, group, doc flags, deprecation) are read from the server with COMMAND INFO and COMMAND DOCS.
The words (summaries, complexity, history notes) come from tools/command_summaries.tsv, which
holds Rill's own text; Redis's prose is never copied into the output.

Run by hand, not by the build:
    tools/gen_command_meta.py [--host 127.0.0.1] [--port 7001] [--out server/meta]
Standard library only.
"""

import argparse
import os
import socket
import sys

# Output files: a few groups of Redis command groups, so no single file grows unwieldy.
FILE_BUCKETS = [
    ("data_types", "DataTypes",
     {"string", "bitmap", "hyperloglog", "list", "hash", "set", "sorted-set", "geo", "stream"}),
    ("keys_and_scripting", "KeysAndScripting",
     {"generic", "transactions", "connection", "pubsub", "scripting"}),
    ("server", "Server", None),  # everything else: server, cluster, sentinel
]


class RespClient:
    """Just enough RESP2 to send commands and read nested replies (keeps simple vs bulk)."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._read()

    def _read(self):
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise IOError("connection closed")
        kind, rest = chr(line[0]), line[1:-2]
        if kind == "+":
            return rest.decode()
        if kind == "-":
            raise RuntimeError(rest.decode())
        if kind == ":":
            return int(rest)
        if kind == "$":
            n = int(rest)
            if n < 0:
                return None
            return self.file.read(n + 2)[:-2].decode()
        if kind == "*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise IOError("unexpected reply type %r" % kind)


def pairs(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


def parse_key_spec(flat):
    spec = pairs(flat)
    out = {"notes": spec.get("notes", ""), "flags": spec["flags"]}
    bs, fk = pairs(spec["begin_search"]), pairs(spec["find_keys"])
    out["bs_type"] = bs["type"]
    bss = pairs(bs["spec"])
    out["bs_index"] = bss.get("index", 0)
    out["bs_keyword"] = bss.get("keyword", "")
    out["bs_startfrom"] = bss.get("startfrom", 0)
    out["fk_type"] = fk["type"]
    fks = pairs(fk["spec"])
    for field in ("lastkey", "keystep", "limit", "keynumidx", "firstkey"):
        out["fk_" + field] = fks.get(field, 0)
    return out


def parse_info(info):
    name, arity, flags, first, last, step, acl, tips, specs, subs = info
    return {
        "name": name, "arity": arity, "flags": flags, "first": first, "last": last,
        "step": step, "acl": acl, "tips": tips,
        "key_specs": [parse_key_spec(s) for s in specs],
        "subcommands": {parse_info(s)["name"]: parse_info(s) for s in subs},
    }


def parse_arg(flat):
    a = pairs(flat)
    return {
        "name": a["name"], "type": a["type"], "display_text": a.get("display_text", ""),
        "key_spec_index": a.get("key_spec_index", -1), "token": a.get("token", ""),
        "since": a.get("since", ""), "flags": a.get("flags", []),
        "deprecated_since": a.get("deprecated_since", ""),
        "arguments": [parse_arg(x) for x in a.get("arguments", [])],
    }


def parse_doc(flat):
    d = pairs(flat)
    return {
        "since": d.get("since", ""), "group": d.get("group", ""),
        "doc_flags": d.get("doc_flags", []), "deprecated_since": d.get("deprecated_since", ""),
        "replaced_by": d.get("replaced_by", ""),
        "history_versions": [h[0] for h in d.get("history", [])],
        "arguments": [parse_arg(x) for x in d.get("arguments", [])],
        "subcommands": {k: parse_doc(v) for k, v in pairs(d.get("subcommands", [])).items()},
    }


def load_words(path):
    """name<TAB>summary<TAB>complexity, and name@version<TAB>history note."""
    summaries, history = {}, {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if "@" in cols[0]:
                if len(cols) != 2:
                    sys.exit("%s:%d: history line needs 2 columns" % (path, lineno))
                history[cols[0]] = cols[1]
            else:
                if len(cols) != 3:
                    sys.exit("%s:%d: summary line needs 3 columns" % (path, lineno))
                summaries[cols[0]] = (cols[1], cols[2])
    return summaries, history


def cxx_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ident(name):
    parts = name.replace("|", "-").replace("_", "-").split("-")
    return "".join(p[:1].upper() + p[1:] for p in parts)


class Emitter:
    def __init__(self, words, history, missing):
        self.words, self.history, self.missing = words, history, missing
        self.lines = []
        self.counter = 0

    def fresh(self, base):
        self.counter += 1
        return "k%s%d" % (base, self.counter)

    def str_array(self, base, items):
        if not items:
            return None
        var = self.fresh(base)
        self.lines.append("constexpr std::string_view %s[] = {%s};" %
                          (var, ", ".join(cxx_str(i) for i in items)))
        return var

    def args(self, base, args):
        if not args:
            return None
        inits = []
        for a in args:
            children = self.args(base, a["arguments"])
            fields = [".name = %s" % cxx_str(a["name"]), ".type = %s" % cxx_str(a["type"])]
            if a["key_spec_index"] != -1:
                fields.append(".key_spec_index = %d" % a["key_spec_index"])
            if a["token"]:
                fields.append(".token = %s" % cxx_str(a["token"]))
            if a["since"]:
                fields.append(".since = %s" % cxx_str(a["since"]))
            bits = {"optional": "kArgOptional", "multiple": "kArgMultiple",
                    "multiple_token": "kArgMultipleToken"}
            if a["flags"]:
                fields.append(".flags = %s" % " | ".join(bits[f] for f in a["flags"]))
            if a["deprecated_since"]:
                fields.append(".deprecated_since = %s" % cxx_str(a["deprecated_since"]))
            if a["display_text"]:
                fields.append(".display_text = %s" % cxx_str(a["display_text"]))
            if children:
                fields.append(".arguments = %s" % children)
            inits.append("    {%s}," % ", ".join(fields))
        var = self.fresh(base + "Args")
        self.lines.append("constexpr ArgMeta %s[] = {" % var)
        self.lines.extend(inits)
        self.lines.append("};")
        return var

    def key_specs(self, base, specs):
        if not specs:
            return None
        inits = []
        for s in specs:
            flags = self.str_array(base + "KeySpecFlags", s["flags"])
            fields = []
            if s["notes"]:
                fields.append(".notes = %s" % cxx_str(s["notes"]))
            if flags:
                fields.append(".flags = %s" % flags)
            fields.append(".bs_type = %s" % cxx_str(s["bs_type"]))
            if s["bs_type"] == "index":
                fields.append(".bs_index = %d" % s["bs_index"])
            elif s["bs_type"] == "keyword":
                fields.append(".bs_keyword = %s" % cxx_str(s["bs_keyword"]))
                fields.append(".bs_startfrom = %d" % s["bs_startfrom"])
            fields.append(".fk_type = %s" % cxx_str(s["fk_type"]))
            if s["fk_type"] == "range":
                fields += [".fk_lastkey = %d" % s["fk_lastkey"],
                           ".fk_keystep = %d" % s["fk_keystep"], ".fk_limit = %d" % s["fk_limit"]]
            elif s["fk_type"] == "keynum":
                fields += [".fk_keystep = %d" % s["fk_keystep"],
                           ".fk_keynumidx = %d" % s["fk_keynumidx"],
                           ".fk_firstkey = %d" % s["fk_firstkey"]]
            inits.append("    {%s}," % ", ".join(fields))
        var = self.fresh(base + "KeySpecs")
        self.lines.append("constexpr KeySpecMeta %s[] = {" % var)
        self.lines.extend(inits)
        self.lines.append("};")
        return var

    def history_array(self, base, name, versions):
        if not versions:
            return None
        entries = []
        for i, v in enumerate(versions):
            key = "%s@%s" % (name, v)
            if versions.count(v) > 1:
                key += "#%d" % (versions[:i].count(v) + 1)
            note = self.history.get(key)
            if note is None:
                self.missing.append("history " + key)
                note = "Changed in this version."
            entries.append("{%s, %s}" % (cxx_str(v), cxx_str(note)))
        var = self.fresh(base + "History")
        self.lines.append("constexpr std::pair<std::string_view, std::string_view> %s[] = {%s};" %
                          (var, ", ".join(entries)))
        return var

    def command(self, info, doc):
        """Emits the arrays of one command and returns its CommandMeta initializer."""
        name = info["name"]
        base = ident(name)
        subs = None
        if info["subcommands"]:
            sub_inits = [self.command(info["subcommands"][s], doc["subcommands"][s])
                         for s in sorted(info["subcommands"])]
            subs = self.fresh(base + "Subcommands")
            self.lines.append("constexpr CommandMeta %s[] = {" % subs)
            self.lines.extend(sub_inits)
            self.lines.append("};")
        flags = self.str_array(base + "Flags", info["flags"])
        acl = self.str_array(base + "Acl", info["acl"])
        tips = self.str_array(base + "Tips", info["tips"])
        specs = self.key_specs(base, info["key_specs"])
        doc_flags = self.str_array(base + "DocFlags", doc["doc_flags"])
        history = self.history_array(base, name, doc["history_versions"])
        args = self.args(base, doc["arguments"])
        summary, complexity = self.words.get(name, ("", ""))
        if not summary:
            self.missing.append("summary " + name)
        fields = [".name = %s" % cxx_str(name), ".arity = %d" % info["arity"]]
        if flags:
            fields.append(".flags = %s" % flags)
        fields += [".first_key = %d" % info["first"], ".last_key = %d" % info["last"],
                   ".key_step = %d" % info["step"]]
        for field, var in (("acl_categories", acl), ("tips", tips), ("key_specs", specs)):
            if var:
                fields.append(".%s = %s" % (field, var))
        fields += [".summary = %s" % cxx_str(summary), ".since = %s" % cxx_str(doc["since"]),
                   ".group = %s" % cxx_str(doc["group"])]
        if complexity:
            fields.append(".complexity = %s" % cxx_str(complexity))
        if doc_flags:
            fields.append(".doc_flags = %s" % doc_flags)
        if doc["deprecated_since"]:
            fields.append(".deprecated_since = %s" % cxx_str(doc["deprecated_since"]))
        if doc["replaced_by"]:
            fields.append(".replaced_by = %s" % cxx_str(doc["replaced_by"]))
        for field, var in (("history", history), ("arguments", args), ("subcommands", subs)):
            if var:
                fields.append(".%s = %s" % (field, var))
        return "    {%s}," % ", ".join(fields)


HEADER = """\
// GENERATED by tools/gen_command_meta.py from Redis 7.0 COMMAND INFO / COMMAND DOCS (facts) and
// tools/command_summaries.tsv (Rill's own words). Do not edit by hand: edit the TSV or the
// generator and run it again.
// clang-format off
#include <span>
#include <string_view>
#include <utility>

#include "server/meta/command_meta.h"

namespace rill::command_meta_data {
namespace {

"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7001)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(root, "server", "meta"))
    parser.add_argument("--words", default=os.path.join(root, "tools", "command_summaries.tsv"))
    opts = parser.parse_args()

    client = RespClient(opts.host, opts.port)
    infos = {i["name"]: i for i in map(parse_info, client.call("COMMAND", "INFO"))}
    docs = {k: parse_doc(v) for k, v in pairs(client.call("COMMAND", "DOCS")).items()}
    words, history = load_words(opts.words)

    missing = []
    assigned = set()
    for file_suffix, func, groups in FILE_BUCKETS:
        names = sorted(n for n in infos if n not in assigned and
                       (groups is None or docs[n]["group"] in groups))
        assigned.update(names)
        em = Emitter(words, history, missing)
        inits = [em.command(infos[n], docs[n]) for n in names]
        body = HEADER + "\n".join(em.lines) + "\n\nconstexpr CommandMeta kCommands[] = {\n"
        body += "\n".join(inits) + "\n};\n\n}  // namespace\n\n"
        body += "// %d top-level commands, sorted by name.\n" % len(names)
        body += "std::span<const CommandMeta> %s() { return kCommands; }\n\n" % func
        body += "}  // namespace rill::command_meta_data\n"
        path = os.path.join(opts.out, "command_meta_data_%s.cc" % file_suffix)
        with open(path, "w", encoding="utf-8") as f:
            f.write(body)
        print("wrote %s (%d commands)" % (path, len(names)))
    if missing:
        print("missing words (%d):" % len(missing), file=sys.stderr)
        for m in missing:
            print("  " + m, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
