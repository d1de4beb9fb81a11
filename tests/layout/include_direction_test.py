#!/usr/bin/env python3
"""Checks that turncoat's parts include each other in one direction only.

Data flows model <- loaders <- controller -> agents, history -> checkers ->
reports (docs/architecture.md, "Layout"). A part may include its own headers
and those of the parts RULES lists for it, nothing else of turncoat's; a
third-party include ("absl/...", "google/...") is not turncoat's and is not
checked. Every wrong include is printed as

    model/plan.h:12: includes "harness/controller.h"; model/ may include only common/, model/

and the exit status is 1 if there was any, so CTest names them all at once.

Usage: include_direction_test.py SOURCE_DIR
"""
import os
import re
import sys

# Top-level folders of turncoat's own code: an include starting with one of
# these is turncoat's and is checked.
OWN = {"adversaries", "agents", "bench", "checkers", "common", "generators", "harness",
       "loaders", "model", "proto", "reports", "targets", "tests"}

# Part (a folder, matched longest first) -> the parts it may include. A part
# may always include itself, except that harness/ may not include
# harness/commands/: the commands use the controller, never the reverse.
RULES = {
    "common": ["common"],
    "model": ["common", "model"],
    "checkers": ["checkers", "common", "model"],
    "loaders": ["checkers", "common", "loaders", "model"],
    "adversaries": ["adversaries", "common", "model", "proto"],
    "generators": ["common", "generators", "model"],
    "reports": ["checkers", "common", "model", "reports"],
    "agents": ["agents", "common", "proto"],
    "harness": ["adversaries", "agents", "checkers", "common", "generators", "harness",
                "loaders", "model", "proto", "reports"],
    "harness/commands": ["adversaries", "agents", "checkers", "common", "generators",
                         "harness", "harness/commands", "loaders", "model", "proto",
                         "reports"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def part_of(path):
    """The longest RULES key that `path` (an include or a file) lies under."""
    best = None
    for part in RULES:
        if path.startswith(part + "/") and (best is None or len(part) > len(best)):
            best = part
    return best


def allowed(part, include):
    top = include.split("/", 1)[0]
    if top not in OWN:
        return True
    target = part_of(include) or top
    return target in RULES[part]


def violations(source_dir):
    found = []
    for part in sorted(RULES):
        root = os.path.join(source_dir, part)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, source_dir).replace(os.sep, "/")
                if part_of(rel) != part:
                    continue  # a sub-part's file, checked under its own rule
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if m and not allowed(part, m.group(1)):
                            target = part_of(m.group(1))
                            # harness/ but not harness/commands/: say why.
                            aside = ("; %s/ is a part of its own" % target
                                     if target and target.split("/")[0] in RULES[part] else "")
                            found.append('%s:%d: includes "%s"; %s/ may include only %s%s' % (
                                rel, number, m.group(1), part,
                                ", ".join(p + "/" for p in RULES[part]), aside))
    return found


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    found = violations(argv[1])
    for v in found:
        print(v)
    if found:
        print("%d include(s) against the layout's direction; docs/architecture.md, "
              "\"Layout\", says which part may use which" % len(found))
        return 1
    print("every include follows the layout's direction")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
