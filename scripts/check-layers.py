#!/usr/bin/env python3
"""Checks that every #include in src/ points down the layers, the order docs/design.md's Layout gives:
a folder may include its own files and those of the folders below it, never above; only main.cpp
includes the supervisor. Prints each include that points up (file:line) and exits 1 if any does.
Usage: scripts/check-layers.py [SRC_DIR]"""
import pathlib
import re
import sys

LAYERS = [
    "base", "proc", "core", "launch", "activation", "adapters", "status", "notify", "bridge", "health", "reload", "idle",
    "readiness", "watchdog", "config", "plan"
]
TOP = len(LAYERS)  # src/main.cpp and src/supervisor.*


def layer_of(rel: pathlib.PurePosixPath) -> int:
    if len(rel.parts) == 1:
        return TOP
    if rel.parts[0] not in LAYERS:
        raise SystemExit(f"check-layers: {rel}: folder '{rel.parts[0]}' is not in the layer list")
    return LAYERS.index(rel.parts[0])


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent / "src")
    wrong = []
    files = sorted(p for p in src.rglob("*") if p.suffix in (".cpp", ".hpp"))
    for path in files:
        rel = pathlib.PurePosixPath(path.relative_to(src).as_posix())
        here = layer_of(rel)
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m or m.group(1) == "build_commit.hpp":  # generated at build time, for base/build_info
                continue
            target = pathlib.PurePosixPath(m.group(1))
            if not (src / target).exists():
                wrong.append(f"{rel}:{number}: includes \"{target}\", which is not a path under src/")
                continue
            there = layer_of(target)
            if there > here or (there == TOP and rel.name != "main.cpp" and target.stem != rel.stem):
                wrong.append(f"{rel}:{number}: includes \"{target}\": {rel.parts[0] if here < TOP else 'top'} "
                             f"is below {target.parts[0] if there < TOP else 'the top'}")
    for line in wrong:
        print(line)
    print(f"check-layers: {len(files)} files, {len(wrong)} include(s) pointing up", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
