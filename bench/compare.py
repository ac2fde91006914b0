#!/usr/bin/env python3
"""Compares two bench/results.md files row by row: for each figure and variant, the two medians, their
ratio, and whether the second run's median lies within the first run's spread (lowest..highest
sample) or the first's within the second's. Rows measured once (n=1, no spread) are compared by ratio
only. Prints a markdown table; nothing is asserted.

usage: bench/compare.py BEFORE.md AFTER.md [TITLE]
"""
import re
import sys


def number(text):
    text = text.strip().replace(",", "")
    return float(text) if re.fullmatch(r"-?[\d.]+", text) else None


def rows(path):
    out, section = {}, ""
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("figure", "---") or set(cells[0]) <= {"-"}:
            continue
        figure, variant, median, spread, n = cells[:5]
        low = high = None
        if ".." in spread:
            low, high = (number(x) for x in spread.split(".."))
        out[(section, figure, variant)] = (number(median), low, high, int(n) if n.isdigit() else None)
    return out


def main():
    before, after = rows(sys.argv[1]), rows(sys.argv[2])
    title = sys.argv[3] if len(sys.argv) > 3 else "Before and after"
    print(f"# {title}\n")
    print(f"`bench/compare.py {sys.argv[1]} {sys.argv[2]}`: each row's median before and after, and whether "
          "one run's median lies within the other run's spread (lowest..highest sample). Rows measured once "
          "have no spread and are shown by their ratio.\n")
    print("| section | figure | variant | before | after | after/before | within the spread of the two runs |")
    print("|---|---|---|---:|---:|---:|---|")
    counts = {"yes": 0, "no": 0, "n=1": 0}
    for key, (m1, lo1, hi1, _) in before.items():
        if key not in after:
            continue
        m2, lo2, hi2, _ = after[key]
        ratio = f"{m2 / m1:.3f}" if m1 and m2 is not None else "-"
        if lo1 is None or lo2 is None:
            verdict = "n=1" if m1 != m2 else "n=1, equal"
            counts["n=1"] += 1
        else:
            inside = lo1 <= m2 <= hi1 or lo2 <= m1 <= hi2
            verdict = "yes" if inside else "**no**"
            counts["yes" if inside else "no"] += 1
        fmt = lambda v: "-" if v is None else f"{v:,.3f}".rstrip("0").rstrip(".")  # noqa: E731
        print(f"| {key[0]} | {key[1]} | {key[2]} | {fmt(m1)} | {fmt(m2)} | {ratio} | {verdict} |")
    print(f"\nRows with a spread: {counts['yes']} within, {counts['no']} not; rows measured once: {counts['n=1']}.")


if __name__ == "__main__":
    main()
