#!/usr/bin/env python3
"""docs.error_codes: every stable error code the C++ sources emit is documented in docs/ERRORS.md,
and ERRORS.md documents no code the sources no longer emit.

Usage: check_error_codes.py [REPO_ROOT] [--fix-planned] [--verbose]

What counts as "emitted": a string literal of the form family.reason (lower case, digits, '_';
one or more dots, e.g. "tx.bad_signature", "ets.surrender.insufficient_units") that is
  - the code argument of a call to err(...), error_response(...) or of any other function whose
    name contains err / error / fail / refuse / reject / corrupt (the code may be either of the
    first two arguments, or a branch of a ?: there), or
  - the first member of an Error{...} aggregate.
in src/**/*.{cpp,cc,h,hpp} (comments ignored). A code built at run time or kept in a named
constant is invisible to this check: pass codes as literals (the project's convention).

docs/ERRORS.md: every table row whose first cell holds a `backticked.code` documents that code.
A row marked "(planned)" in its first cell documents a code the API reserves but no source emits
yet; such a code may be missing from the sources. Once a source emits it, the mark is stale and
this check fails until it is removed (--fix-planned removes stale marks in place).

It also checks docs/openapi.json: every code named in an error response (a 4xx/5xx response's
description or example, an operation description's "Errors:" / "- NNN:" lines) and every "code"
value in an example must be documented in ERRORS.md.

Python 3 standard library only. Exit 0 when in sync, 1 otherwise (with the list of differences).
"""

import json
import os
import re
import sys

CODE_RE = r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+"
CODE_FULL = re.compile(r"^" + CODE_RE + r"$")
# Function names whose calls carry an error code: err, error_response, rocks_error, fail, refuse...
CALLER_RE = re.compile(r"err|error|fail|refuse|reject|corrupt", re.IGNORECASE)
SOURCE_EXT = (".cpp", ".cc", ".cxx", ".h", ".hpp")


def strip_comments(text):
    """Replaces // and /* */ comments with spaces (newlines kept), leaving literals intact."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^()\\ ]{0,16})\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i + m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            # A raw string is never a code: keep its line breaks only, so that text inside it
            # (embedded JSON, code samples) is not taken for calls.
            out.append('""' + "".join(ch if ch == "\n" else " " for ch in text[i + 2:end]))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_args(text, start):
    """Top-level arguments of the call whose '(' or '{' is at text[start]; None if unbalanced."""
    close = {"(": ")", "{": "}"}[text[start]]
    depth, i, n = 0, start, len(text)
    args, cur = [], start + 1
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                if c != close:
                    return None
                args.append(text[cur:i])
                return args
        elif c == "," and depth == 1:
            args.append(text[cur:i])
            cur = i + 1
        elif c == ";" and depth <= 1:
            return None
        i += 1
    return None


def literals(arg):
    """String literals in an argument that, whole, look like codes: "tx.x" or a ?: branch."""
    return [m.group(1) for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', arg) if CODE_FULL.match(m.group(1))]


def source_codes(root):
    """{code: [file:line, ...]} for every code emitted in src/."""
    found = {}
    src = os.path.join(root, "src")
    call = re.compile(r"\b([A-Za-z_]\w*)\s*(\(|\{)")
    for dirpath, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith(SOURCE_EXT):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = strip_comments(f.read())
            rel = os.path.relpath(path, root)
            for m in call.finditer(text):
                fn, bracket = m.group(1), m.group(2)
                if bracket == "{":
                    if fn != "Error":
                        continue
                    positions = 1
                elif CALLER_RE.search(fn):
                    positions = 2
                else:
                    continue
                args = split_args(text, m.end() - 1)
                if not args:
                    continue
                line = text.count("\n", 0, m.start()) + 1
                for arg in args[:positions]:
                    for code in literals(arg):
                        found.setdefault(code, []).append(f"{rel}:{line}")
    return found


def documented_codes(errors_md):
    """({code: planned?}, [duplicate codes]) from the tables of docs/ERRORS.md."""
    codes, dups = {}, []
    with open(errors_md, encoding="utf-8") as f:
        for line in f:
            if not line.lstrip().startswith("|"):
                continue
            cells = line.strip().strip("|").split("|")
            m = re.search(r"`(" + CODE_RE + r")`", cells[0])
            if not m:
                continue
            code = m.group(1)
            if code in codes:
                dups.append(code)
            codes[code] = "(planned)" in cells[0]
    return codes, dups


def openapi_codes(path):
    """{code: [json pointer, ...]} for codes the OpenAPI document names as error codes."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    found = {}
    tick = re.compile(r"`(" + CODE_RE + r")`")

    def add(code, where):
        found.setdefault(code, []).append(where)

    def examples(node, where):  # every "code" value inside an example
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "code" and isinstance(v, str) and CODE_FULL.match(v):
                    add(v, where)
                examples(v, where)
        elif isinstance(node, list):
            for v in node:
                examples(v, where)

    def walk(node, where, in_error_response=False):
        if isinstance(node, dict):
            for k, v in node.items():
                here = f"{where}/{k}"
                if k in ("example", "examples"):
                    examples(v, here)
                    continue
                err_resp = in_error_response or (where.endswith("/responses") and re.match(r"^[45]\d\d$", k))
                if k == "description" and isinstance(v, str):
                    if err_resp:
                        for c in tick.findall(v):
                            add(c, here)
                    else:  # operation descriptions: only their error lists
                        for ln in v.splitlines():
                            if re.match(r"^\s*(Errors:|- \d{3}:)", ln):
                                for c in tick.findall(ln):
                                    add(c, here)
                walk(v, here, bool(err_resp))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}", in_error_response)

    walk(doc.get("paths", {}), "#/paths")
    walk(doc.get("components", {}), "#/components")
    # components/responses are error responses when referenced as such; all of ours are.
    for name, resp in doc.get("components", {}).get("responses", {}).items():
        for c in tick.findall(resp.get("description", "")):
            add(c, f"#/components/responses/{name}/description")
    return found


def fix_planned(errors_md, codes):
    with open(errors_md, encoding="utf-8") as f:
        text = f.read()
    for code in codes:
        text = re.sub(r"(`" + re.escape(code) + r"`)\s*\(planned\)", r"\1", text)
    with open(errors_md, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in argv
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), "..", ".."))
    errors_md = os.path.join(root, "docs", "ERRORS.md")
    openapi = os.path.join(root, "docs", "openapi.json")
    if not os.path.exists(errors_md):
        print(f"FAIL: {errors_md} does not exist")
        return 1

    emitted = source_codes(root)
    documented, dups = documented_codes(errors_md)
    failures = 0

    if not emitted:
        print("FAIL: found no error codes in src/ (err(\"family.reason\", ...) calls); is the root right?")
        return 1
    print(f"{len(emitted)} codes emitted in src/, {len(documented)} documented in docs/ERRORS.md "
          f"({sum(documented.values())} marked planned)")
    if verbose:
        for code in sorted(emitted):
            print(f"  {code}: {', '.join(emitted[code])}")

    missing = sorted(c for c in emitted if c not in documented)
    if missing:
        failures += 1
        print("\nFAIL: codes emitted in src/ but not documented in docs/ERRORS.md "
              "(add a row: code, HTTP status, where, meaning, what the client should do):")
        for c in missing:
            print(f"  {c}    ({', '.join(emitted[c][:3])}{', ...' if len(emitted[c]) > 3 else ''})")

    stale = sorted(c for c, planned in documented.items() if c not in emitted and not planned)
    if stale:
        failures += 1
        print("\nFAIL: codes documented in docs/ERRORS.md that no source emits any more "
              "(remove the row, or mark it \"(planned)\" if the API still reserves it):")
        for c in stale:
            print(f"  {c}")

    landed = sorted(c for c, planned in documented.items() if planned and c in emitted)
    if landed:
        if "--fix-planned" in argv:
            fix_planned(errors_md, landed)
            print(f"\nremoved the (planned) mark of {len(landed)} codes now emitted: {', '.join(landed)}")
        else:
            failures += 1
            print("\nFAIL: codes marked (planned) in docs/ERRORS.md are now emitted; remove the mark "
                  "(or rerun with --fix-planned) and check the row still describes what the code does:")
            for c in landed:
                print(f"  {c}    ({', '.join(emitted[c][:3])})")

    if dups:
        failures += 1
        print("\nFAIL: codes listed more than once in docs/ERRORS.md: " + ", ".join(sorted(set(dups))))

    if os.path.exists(openapi):
        try:
            in_doc = openapi_codes(openapi)
        except (ValueError, OSError) as e:
            print(f"\nFAIL: cannot read {openapi}: {e}")
            return 1
        undocumented = sorted(c for c in in_doc if c not in documented)
        if undocumented:
            failures += 1
            print("\nFAIL: docs/openapi.json names error codes that docs/ERRORS.md does not list:")
            for c in undocumented:
                print(f"  {c}    ({in_doc[c][0]})")
        print(f"{len(in_doc)} codes named in docs/openapi.json error responses and examples")

    if failures:
        return 1
    print("OK: docs/ERRORS.md lists exactly the codes the sources emit (plus the planned ones)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
