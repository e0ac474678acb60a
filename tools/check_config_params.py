#!/usr/bin/env python3
"""Keeps the list of ignored configuration parameters true (ctest "config_params").

server/config/ignored_params.cc lists the parameters Rill accepts but does not act on; the
server names each one a config file sets in its start-up log ("accepted but has no effect yet").
This script checks that list against the source tree:

  * every name on the list is a parameter of the table (server/config/config_params.cc), once;
  * a parameter on the list has no reader: no call of Config::Int, Bool, String, OnChange,
    OnApply or Config::IntParam with its name as a string literal anywhere in the server and
    the layers below (a parameter read anywhere is not ignored);
  * a parameter off the list has at least one such reader;
  * packaging/rill.conf, the sample configuration, mentions every parameter off the list (as a
    directive or a commented-out one) and sets none on it.

Readers must name the parameter literally (config.Int("maxmemory"), IntParam k("hz"), also
inside a conditional expression) so that this scan sees them. The config layer's own
bookkeeping through Impl::Index (defaults, clamping, load-time consistency checks) is no reader.

    tools/check_config_params.py [source root]      # exit 0 when all checks hold
    tools/check_config_params.py --list-readers     # every parameter and where it is read
    tools/check_config_params.py --self-test        # the checks against a made-up tree
Standard library only.
"""

import os
import re
import sys
import tempfile

TABLE = "server/config/config_params.cc"
IGNORED = "server/config/ignored_params.cc"
SAMPLE_CONF = "packaging/rill.conf"
SCANNED_DIRS = ["server", "common", "protocol", "datastructs", "persistence"]
NOT_READERS = {TABLE, IGNORED}
MIN_PARAMS = 150  # fewer rows found means the table's syntax changed under the parser

# A row of the parameter table: Bool("name", ...), Num(...), Str(...), Enum(...), Special(...).
TABLE_ROW = re.compile(r'^\s*(?:Bool|Num|Str|Enum|Special)\(\s*"([a-z0-9_-]+)"', re.M)
# Calls that read a parameter. IntParam is a constructor: `IntParam kName("...")`.
READ_CALL = re.compile(r'\b(?:Int|Bool|String|OnChange|OnApply|IntParam(?:\s+\w+)?)\s*\(')
STRING_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def blank_comments(text):
    """Returns (code, bare): the text with comments blanked out, and also with the insides of
    string and character literals blanked out. Blanking keeps every offset and line number."""
    code, bare = list(text), list(text)
    i, n = 0, len(text)

    def blank(lists, begin, end):
        for chars in lists:
            for k in range(begin, end):
                if chars[k] != "\n":
                    chars[k] = " "

    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank([bare], i + 1, min(j, n))
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank([code, bare], i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank([code, bare], i, j)
            i = j
        else:
            i += 1
    return "".join(code), "".join(bare)


def call_arguments(text, open_paren):
    """The text between the parenthesis at open_paren and its match."""
    depth = 0
    for i in range(open_paren, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[open_paren + 1:i]
    return text[open_paren + 1:]


def read_text(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def table_params(root):
    return TABLE_ROW.findall(read_text(root, TABLE))


def ignored_params(root):
    text, _ = blank_comments(read_text(root, IGNORED))
    begin = text.find("kIgnoredParams[]")
    end = text.find("};", begin)
    if begin < 0 or end < 0:
        sys.exit(f"{IGNORED}: no kIgnoredParams[] = {{...}}; array found")
    return STRING_LITERAL.findall(text[begin:end])


def find_readers(root, params):
    """parameter -> ["file:line", ...] for every read call naming it."""
    readers = {p: [] for p in params}
    for top in SCANNED_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".cc", ".h")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                if rel in NOT_READERS:
                    continue
                code, bare = blank_comments(read_text(root, rel))
                # Calls are found where code is not a string; their arguments' literals are
                # read from the same offsets of the text with its strings.
                for call in READ_CALL.finditer(bare):
                    end = call.end() - 1 + len(call_arguments(bare, call.end() - 1))
                    args = code[call.end():end + 1]
                    line = code.count("\n", 0, call.start()) + 1
                    for literal in STRING_LITERAL.findall(args):
                        if literal in readers:
                            readers[literal].append(f"{rel}:{line}")
    return readers


def sample_conf_names(root):
    """Parameter names the sample config sets, and those it mentions (set or commented out)."""
    set_names, mentioned = set(), set()
    for line in read_text(root, SAMPLE_CONF).splitlines():
        m = re.match(r"^(#\s*)?([a-z][a-z0-9_-]*)(\s|$)", line)
        if not m:
            continue
        mentioned.add(m.group(2))
        if not m.group(1):
            set_names.add(m.group(2))
    return set_names, mentioned


def check(root, list_readers=False):
    """Prints what is wrong (or a summary when nothing is); returns the error lines."""
    params = table_params(root)
    ignored = ignored_params(root)
    errors = []
    if len(params) < MIN_PARAMS:
        errors.append(f"{TABLE}: found only {len(params)} parameters; has the row syntax changed?")
    for name in sorted({p for p in params if params.count(p) > 1}):
        errors.append(f"{TABLE}: {name} appears twice")
    for name in ignored:
        if name not in params:
            errors.append(f"{IGNORED}: '{name}' is not a parameter name of {TABLE}")
        if ignored.count(name) > 1:
            errors.append(f"{IGNORED}: '{name}' is listed twice")
    readers = find_readers(root, params)
    if list_readers:
        for p in params:
            mark = "ignored" if p in ignored else "read"
            print(f"{p:40} {mark:8} {' '.join(readers[p])}")
    for p in params:
        if p in ignored and readers[p]:
            errors.append(f"'{p}' is read ({', '.join(readers[p])}) but listed as ignored in "
                          f"{IGNORED}: remove it from the list, and document it in {SAMPLE_CONF}")
        if p not in ignored and not readers[p]:
            errors.append(f"'{p}' is read nowhere (no Config::Int/Bool/String/OnChange/OnApply/"
                          f"IntParam call names it): add it to {IGNORED}, or read it by its "
                          f"literal name")
    set_names, mentioned = sample_conf_names(root)
    for p in params:
        if p not in ignored and p not in mentioned:
            errors.append(f"{SAMPLE_CONF}: does not document '{p}', which Rill acts on")
        if p in ignored and p in set_names:
            errors.append(f"{SAMPLE_CONF}: sets '{p}', which Rill ignores")
    for e in errors:
        print(e, file=sys.stderr)
    if not errors:
        print(f"{len(params)} parameters: {len(params) - len(ignored)} read, "
              f"{len(ignored)} ignored; {SAMPLE_CONF} documents every one that is read")
    return errors


def self_test():
    """Runs the checks over a small made-up tree with one mistake of every kind."""
    global MIN_PARAMS
    MIN_PARAMS = 1
    files = {
        TABLE: """
            Bool("read-bool", {}, 0, true),
            Num("read-handle", {}, 0, 0, 10, 1),
            Num("read-in-conditional", {}, 0, 0, 10, 1),
            Str("read-but-listed", {}, 0, ""),
            Enum("read-in-comment-only", 0, kValues, 0),
            Special("ignored-and-set", {}, 0, ""),
            Special("ignored-ok", {}, 0, ""),
            Num("read-undocumented", {}, 0, 0, 10, 1),
        """,
        IGNORED: """
            // "read-bool" in a comment is not an entry
            constexpr std::string_view kIgnoredParams[] = {
                "read-but-listed", "ignored-and-set", "ignored-ok", "no-such-param",
            };
        """,
        "server/engine/reader.cc": """
            bool b = config.Bool("read-bool");
            static const Config::IntParam kHandle("read-handle");
            int64_t n = config_.Int(flag ? "read-in-conditional"
                                         : "read-handle");
            std::string s = cfg.String("read-but-listed");
            // config.Int("read-in-comment-only") is a comment
            /* config.Int("read-in-comment-only") too */
            const char* t = "config.Int(\"read-in-comment-only\")";  // a string, not a call
            n += config.Int("read-undocumented");
        """,
        SAMPLE_CONF: """# Sample
read-bool yes
# read-handle 1
read-in-conditional 2
#read-in-comment-only no
ignored-and-set x
""",
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                f.write(text)
        errors = check(root)
    expected = [
        "'no-such-param' is not a parameter name",
        "'read-but-listed' is read (server/engine/reader.cc:6)",
        "'read-in-comment-only' is read nowhere",
        "does not document 'read-undocumented'",
        "does not document 'read-but-listed'",  # not read-only: listed, so never documented
        "sets 'ignored-and-set'",
    ]
    problems = [f"missing: {e}" for e in expected[:4] + expected[5:]
                if not any(e in line for line in errors)]
    if any(expected[4] in line for line in errors):
        problems.append(f"unexpected: {expected[4]}")
    if len(errors) != 5:
        problems.append(f"expected 5 errors, got {len(errors)}")
    for p in problems:
        print("self-test:", p, file=sys.stderr)
    print("self-test:", "FAILED" if problems else "passed")
    return 1 if problems else 0


def main(argv):
    if "--self-test" in argv:
        return self_test()
    list_readers = "--list-readers" in argv
    args = [a for a in argv[1:] if a != "--list-readers"]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    return 1 if check(root, list_readers) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
