"""The planted bugs, each off unless named with --bug=NAME.

Each is a realistic mistake that turncoat should catch in a suitable
scenario (README.md, "Planted bugs"):

  weak-commit-quorum  committed-local with f+1 matching commits, not 2f+1
  no-digest-check     a pre-prepare's digest is not checked against its batch
  no-view-change      never starts a view change

Immutable; thread-safe.
"""

WEAK_COMMIT_QUORUM = "weak-commit-quorum"
NO_DIGEST_CHECK = "no-digest-check"
NO_VIEW_CHANGE = "no-view-change"

ALL = (WEAK_COMMIT_QUORUM, NO_DIGEST_CHECK, NO_VIEW_CHANGE)


def parse(names):
    """A frozenset of bug names; ValueError naming the known ones otherwise."""
    bugs = set()
    for name in names:
        if name not in ALL:
            raise ValueError(f"unknown bug '{name}'; known bugs: " + ", ".join(ALL))
        bugs.add(name)
    return frozenset(bugs)
