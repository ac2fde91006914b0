#!/usr/bin/env python3
"""Checks the docs against the code: docs/options.md is what `make_man_page --markdown` prints from the
option table, `sdshim --help` names exactly the options docs/options.md has, and every relative link
in README.md and docs/*.md reaches a file (and, with #anchor, one of its headings).
Usage: check-docs.py SOURCE_DIR MAKE_MAN_PAGE SDSHIM"""
import os
import re
import subprocess
import sys


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings(path):
    found, fence = set(), False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fence = not fence
            elif not fence and re.match(r"#{1,6} ", line):
                found.add(slug(line.lstrip("#")))
    return found


def links(path):
    fence = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.startswith("```"):
                fence = not fence
            elif not fence:
                for target in re.findall(r"\]\(([^)\s]+)\)", re.sub(r"`[^`]*`", "", line)):
                    yield number, target


def main():
    source, make_man_page, shim = sys.argv[1:4]
    problems = []

    reference = os.path.join(source, "docs", "options.md")
    generated = subprocess.run([make_man_page, "--markdown"], capture_output=True, text=True, check=True).stdout
    with open(reference, encoding="utf-8") as f:
        if f.read() != generated:
            problems.append(f"{reference} differs from the option table: run `{make_man_page} --markdown > {reference}`")

    help_text = subprocess.run([shim, "--help"], capture_output=True, text=True, check=True).stdout
    in_help = set(re.findall(r"^  --([a-z][a-z-]*)", help_text, re.M)) - {"help", "version"}
    in_docs = set(re.findall(r"^## `--([a-z][a-z-]*)", generated, re.M))
    for name in sorted(in_help - in_docs):
        problems.append(f"--{name} is in --help but not in {reference}")
    for name in sorted(in_docs - in_help):
        problems.append(f"--{name} is in {reference} but not in --help")

    pages = [os.path.join(source, "README.md")] + sorted(
        os.path.join(source, "docs", n) for n in os.listdir(os.path.join(source, "docs")) if n.endswith(".md"))
    for page in pages:
        for number, target in links(page):
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            path, _, anchor = target.partition("#")
            file = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            where = f"{os.path.relpath(page, source)}:{number}: {target}"
            if not os.path.exists(file):
                problems.append(f"{where}: no such file")
            elif anchor and (not file.endswith(".md") or anchor not in headings(file)):
                problems.append(f"{where}: no heading #{anchor} in {os.path.relpath(file, source)}")
    for p in problems:
        print(p)
    print(f"{len(pages)} pages, {len(in_docs)} options: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
