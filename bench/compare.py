#!/usr/bin/env python3
"""Compares two bench/results.md files row by row. For each figure and variant it prints the two
medians, and whether the runs agree within their spread (lowest..highest sample) in two ways:
- raw: one run's median lies within the other run's spread;
- against the baseline: the row's ratio to its baseline in the same run (median / the baseline's
  median; its spread: lowest and highest sample / the baseline's median) lies within the other run's.
The second is how bench/ measures speed: it cancels what moved the whole machine between the runs.
Rows measured once (n=1, no spread) are compared by ratio only. Prints markdown; nothing is asserted.

usage: bench/compare.py BEFORE.md AFTER.md [TITLE]
"""
import re
import sys


def number(text):
    text = text.strip().replace(",", "")
    return float(text) if re.fullmatch(r"-?[\d.]+", text) else None


def rows(path):
    """{(section, figure, variant): (median, low, high, baseline variant or None)}"""
    out, section = {}, ""
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("figure", "---") or set(cells[0]) <= {"-"}:
            continue
        figure, variant, median, spread, _, ratio = cells
        low = high = None
        if ".." in spread:
            low, high = (number(x) for x in spread.split(".."))
        m = re.fullmatch(r"[\d.,]+ × (.+)", ratio)
        out[(section, figure, variant)] = (number(median), low, high, m.group(1) if m else None)
    return out


def by_baseline(table, key):
    """The row as a ratio to its baseline's median in the same run: (ratio, low, high), or None."""
    median, low, high, baseline = table[key]
    base = table.get((key[0], key[1], baseline)) if baseline else None
    if not base or not base[0] or median is None or low is None:
        return None
    return median / base[0], low / base[0], high / base[0]


def within(a, b):
    """Each is (median, low, high): one median inside the other's spread."""
    return a[1] <= b[0] <= a[2] or b[1] <= a[0] <= b[2]


def main():
    before, after = rows(sys.argv[1]), rows(sys.argv[2])
    title = sys.argv[3] if len(sys.argv) > 3 else "Before and after"
    print(f"# {title}\n")
    print(f"`bench/compare.py {sys.argv[1]} {sys.argv[2]}`. *Raw*: one run's median lies within the other "
          "run's spread (lowest..highest sample). *Against the baseline*: the same test on the row's ratio to "
          "its baseline in the same run (tini, no init, no proxy...), which cancels what moved the whole "
          "machine between the runs. Rows measured once have no spread and are shown by their ratio.\n")
    print("| section | figure | variant | before | after | after/before | raw | × baseline before | "
          "× baseline after | against the baseline |")
    print("|---|---|---|---:|---:|---:|---|---:|---:|---|")
    counts = {"raw": 0, "ratio": 0, "either": 0, "neither": 0, "n=1": 0, "baselines": 0}
    fmt = lambda v: "-" if v is None else f"{v:,.3f}".rstrip("0").rstrip(".")  # noqa: E731
    for key, (m1, lo1, hi1, _) in before.items():
        if key not in after:
            continue
        m2, lo2, hi2, _ = after[key]
        ratio = f"{m2 / m1:.3f}" if m1 and m2 is not None else "-"
        r1, r2 = by_baseline(before, key), by_baseline(after, key)
        rc1 = rc2 = ratio_verdict = "-"
        if lo1 is None or lo2 is None:
            raw = "n=1" if m1 != m2 else "n=1, equal"
            counts["n=1"] += 1
        else:
            raw_in = within((m1, lo1, hi1), (m2, lo2, hi2))
            raw = "yes" if raw_in else "**no**"
            counts["raw"] += raw_in
            if r1 and r2:
                ratio_in = within(r1, r2)
                rc1, rc2 = f"{r1[0]:.3f}", f"{r2[0]:.3f}"
                ratio_verdict = "yes" if ratio_in else "**no**"
                counts["ratio"] += ratio_in
            else:
                ratio_in = raw_in  # a baseline row: its ratio is 1 in both runs
                ratio_verdict = "baseline"
                counts["baselines"] += 1
            counts["either" if raw_in or ratio_in else "neither"] += 1
        print(f"| {key[0]} | {key[1]} | {key[2]} | {fmt(m1)} | {fmt(m2)} | {ratio} | {raw} | {rc1} | {rc2} | "
              f"{ratio_verdict} |")
    spread_rows = counts["either"] + counts["neither"]
    print(f"\nOf {spread_rows} rows with a spread ({counts['baselines']} of them baselines): {counts['raw']} within raw, "
          f"{counts['ratio']} of the other {spread_rows - counts['baselines']} within against their baseline; "
          f"{counts['either']} within one way or the other, {counts['neither']} in neither. "
          f"Rows measured once: {counts['n=1']}.")


if __name__ == "__main__":
    main()
