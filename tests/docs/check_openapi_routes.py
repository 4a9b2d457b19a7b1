#!/usr/bin/env python3
"""docs.openapi_routes: the routes the node registers and the operations docs/openapi.json
describes are the same set. Also compares docs/API.md's endpoint tables with the OpenAPI document
and prints any difference as a warning (not a failure).

Usage: check_openapi_routes.py [REPO_ROOT]

Routes are read from the node's C++ sources (src/node/**/*.{cpp,h}, comments ignored):
  <server>.route("GET", "/v1/blocks/{height}", ...)   ->  GET  /v1/blocks/{height}
  <server>.stream("/v1/events", ...)                   ->  GET  /v1/events   (Server-Sent Events)
(`.` or `->`, any receiver name, arguments possibly on the next line). The API is every route
under /v1/ plus /healthz and /metrics; other routes (the dashboard's static files at "/") are
listed but not compared. Path parameters are compared by position and by name.

Fails, saying so, if src/node registers no route at all (the node's API has not landed).
Python 3 standard library only. Exit 0 when in sync, 1 otherwise.
"""

import json
import os
import re
import sys

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ROUTE_RE = re.compile(r'(?:\.|->)\s*route\s*\(\s*"([A-Za-z]+)"\s*,\s*"([^"]*)"')
STREAM_RE = re.compile(r'(?:\.|->)\s*stream\s*\(\s*"([^"]*)"')
SOURCE_EXT = (".cpp", ".cc", ".cxx", ".h", ".hpp")


def is_api(path):
    return path.startswith("/v1/") or path in ("/healthz", "/metrics")


def shape(path):
    """The path with every {param} replaced by {}: what a router actually matches on."""
    return re.sub(r"\{[^}/]*\}", "{}", path)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    # // comments, but not inside a string literal on the same line ("http://...").
    out = []
    for line in text.split("\n"):
        in_str, i = None, 0
        while i < len(line):
            c = line[i]
            if in_str:
                if c == "\\":
                    i += 1
                elif c == in_str:
                    in_str = None
            elif c in "\"'":
                in_str = c
            elif line.startswith("//", i):
                line = line[:i]
                break
            i += 1
        out.append(line)
    return "\n".join(out)


def source_routes(root):
    """{(METHOD, path): "file:line"} registered in src/node."""
    routes = {}
    base = os.path.join(root, "src", "node")
    for dirpath, _, files in os.walk(base):
        for name in sorted(files):
            if not name.endswith(SOURCE_EXT):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = strip_comments(f.read())
            rel = os.path.relpath(path, root)
            for m in ROUTE_RE.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                routes[(m.group(1).upper(), m.group(2))] = f"{rel}:{line}"
            for m in STREAM_RE.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                routes[("GET", m.group(1))] = f"{rel}:{line} (stream)"
    return routes


def openapi_routes(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    ops = {}
    for p, item in doc.get("paths", {}).items():
        for method in item:
            if method in METHODS:
                ops[(method.upper(), p)] = f"#/paths/{p}/{method}"
    return ops


def api_md_routes(path):
    """(METHOD, path) rows of docs/API.md's endpoint tables: | GET | `/v1/blocks/{height}` | ..."""
    ops = {}
    row = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`")
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = row.match(line)
            if m:
                ops[(m.group(1), m.group(2).split("?")[0])] = f"docs/API.md:{n}"
    return ops


def compare(a_name, a, b_name, b):
    """Problems between two {(METHOD, path): where} maps, matching paths by shape."""
    problems = []
    b_by_shape = {(m, shape(p)): p for (m, p) in b}
    a_by_shape = {(m, shape(p)): p for (m, p) in a}
    for (m, p), where in sorted(a.items()):
        other = b_by_shape.get((m, shape(p)))
        if other is None:
            problems.append(f"{m} {p}: in {a_name} ({where}), missing from {b_name}")
        elif other != p:
            problems.append(f"{m} {p} ({a_name}, {where}) is spelled {other} in {b_name}: "
                            "use the same parameter names")
    for (m, p), where in sorted(b.items()):
        if (m, shape(p)) not in a_by_shape:
            problems.append(f"{m} {p}: in {b_name} ({where}), missing from {a_name}")
    return problems


def main(argv):
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    openapi = os.path.join(root, "docs", "openapi.json")
    api_md = os.path.join(root, "docs", "API.md")

    registered = source_routes(root)
    if not registered:
        print("FAIL: src/node registers no HTTP route yet (no server.route(\"METHOD\", \"/path\", ...) or "
              "server.stream(\"/path\", ...) call found), so docs/openapi.json cannot be checked against it. "
              "This test passes once the node's API code lands.")
        return 1
    api = {k: v for k, v in registered.items() if is_api(k[1])}
    other = sorted(f"{m} {p} ({w})" for (m, p), w in registered.items() if not is_api(p))
    print(f"{len(registered)} routes registered in src/node ({len(api)} API routes)")
    if other:
        print("not part of the API, not compared: " + "; ".join(other))

    try:
        documented = openapi_routes(openapi)
    except (OSError, ValueError) as e:
        print(f"FAIL: cannot read {openapi}: {e}")
        return 1
    print(f"{len(documented)} operations in docs/openapi.json")

    problems = compare("the sources", api, "docs/openapi.json", documented)
    if os.path.exists(api_md):
        # docs/API.md is the prose companion: differences are reported, not fatal (yet).
        listed = api_md_routes(api_md)
        print(f"{len(listed)} endpoints in docs/API.md's tables")
        notes = compare("docs/openapi.json", documented, "docs/API.md", listed) if listed else [
            "found no endpoint rows (| METHOD | `/path` | ...) in docs/API.md"]
        if notes:
            print("\nWARNING (not a failure): docs/API.md and docs/openapi.json differ:")
            for n in notes:
                print("  " + n)

    if problems:
        print("\nFAIL: routes and docs differ:")
        for p in problems:
            print("  " + p)
        return 1
    print("OK: every registered API route is documented in docs/openapi.json, and nothing else is")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
