"""`python -m app TITLE...`: prints the slug of the words given; exit 2 without any."""

from __future__ import annotations

import sys

from app.slug import slugify


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: slug TITLE...", file=sys.stderr)
        return 2
    print(slugify(" ".join(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
