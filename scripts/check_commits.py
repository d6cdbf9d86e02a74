"""Commit subjects stay under 72 characters (the detail goes in the body). Run by .ci/run.

Checks the commits after FIRST_CHECKED (the last commit before the rule), or after the revision given:
    python scripts/check_commits.py [REVISION]
"""

import subprocess
import sys

FIRST_CHECKED = "b0ad366"  # the rule applies to the commits made after this one
LIMIT = 72
# Commits made while the rule was being written, before CI checked it (their subjects cannot be rewritten
# without rewriting the history everyone has).
BEFORE_THE_CHECK = {"5afdc8f"}


def too_long(subject: str) -> bool:
    return len(subject) >= LIMIT


def subjects(since: str) -> list[str]:
    out = subprocess.run(  # noqa: S603
        ["git", "log", "--format=%H %s", f"{since}..HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


def main(argv: list[str]) -> int:
    since = argv[1] if len(argv) > 1 else FIRST_CHECKED
    wrong = [
        line
        for line in subjects(since)
        if not line.startswith(tuple(BEFORE_THE_CHECK))
        and too_long(line.split(" ", 1)[1] if " " in line else "")
    ]
    for line in wrong:
        print(f"commit subject of {LIMIT} characters or more: {line}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
