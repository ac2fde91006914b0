#!/usr/bin/env bash
# Where the bytes of the static, stripped build/sdshim are: its split into glibc, libstdc++, libgcc and
# the project's own code (from a link map of the same build), and probe programs built with the
# shim's release flags, each adding one dependency, from the floor (a static glibc program with one
# printf) up. Prints two Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x build/sdshim ]] || scripts/build.sh >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The same build as the release preset, once more with a link map (the map does not change the output).
cmake -S . -B "$out/build" -DCMAKE_BUILD_TYPE=Release -DSDSHIM_STATIC=ON -DBUILD_TESTING=OFF \
  -DCMAKE_EXE_LINKER_FLAGS="-Wl,-Map=$out/sdshim.map" >/dev/null
cmake --build "$out/build" -j "$(nproc)" --target sdshim >/dev/null
cmp -s "$out/build/sdshim" build/sdshim || echo "size: note: build/sdshim is not this tree's release build" >&2

shim=$(stat -c %s build/sdshim)
echo "| build/sdshim ($shim bytes): loaded sections by origin | bytes | share |"
echo "|---|---:|---:|"
python3 - "$out/sdshim.map" <<'EOF'
import re, sys
totals = {"glibc": 0, "libstdc++": 0, "libgcc": 0, "project (sdshim, fmt, spdlog, Boost)": 0}
started, section = False, None
for line in open(sys.argv[1]):
    if line.startswith("Linker script and memory map"):
        started = True
        continue
    if not started:
        continue  # the discarded input sections come first
    m = re.match(r"^ (\.\S+)?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)", line)
    if not m:
        alone = re.match(r"^ (\.\S+)$", line.rstrip())
        section = alone.group(1) if alone else section
        continue
    name = m.group(1) or section
    if not name or not re.match(r"\.(text|rodata|data|eh_frame|gcc_except_table|tdata|init_array|fini_array)", name):
        continue
    origin = m.group(3)
    key = ("glibc" if re.search(r"/lib(c|m)\.a\(|libc-|libm-", origin) else "libstdc++" if "libstdc++" in origin
           else "libgcc" if "libgcc" in origin else "project (sdshim, fmt, spdlog, Boost)")
    totals[key] += int(m.group(2), 16)
whole = sum(totals.values())
for key, value in totals.items():
    print(f"| {key} | {value:,} | {100 * value / whole:.0f} % |")
print(f"| all of them (the rest of the file: ELF headers, relocations, alignment) | {whole:,} | |")
EOF
echo

# Probes with the release flags and macros of CMakeLists.txt.
flags=(-std=c++20 -Oz -DNDEBUG -flto -ffunction-sections -fdata-sections -Wl,--gc-sections -static -s
       -DFMT_HEADER_ONLY -DSPDLOG_HEADER_ONLY -DFMT_STATIC_THOUSANDS_SEPARATOR
       -DFMT_USE_FLOAT=0 -DFMT_USE_DOUBLE=0 -DFMT_USE_LONG_DOUBLE=0 -DSPDLOG_NO_EXCEPTIONS
       -DBOOST_ASIO_DISABLE_THREADS -Isrc)
declare -A bytes
for probe in libc stdlib fmt spdlog boost_process; do
  g++ "${flags[@]}" "bench/size-probes/$probe.cpp" -o "$out/$probe"
  bytes[$probe]=$(stat -c %s "$out/$probe")
done
row() { printf '| %-52s | %9s | %9s |\n' "$1" "$2" "$3"; }
echo "| static, stripped, release flags (g++ $(g++ -dumpfullversion), glibc $(ldd --version | head -1 | awk '{print $NF}')) | bytes | added |"
echo "|---|---:|---:|"
row "the floor: libc only (one printf)" "${bytes[libc]}" "-"
row "+ libstdc++ (string, vector, map, exceptions)" "${bytes[stdlib]}" "$((bytes[stdlib] - bytes[libc]))"
row "+ fmt 9 (header-only)" "${bytes[fmt]}" "$((bytes[fmt] - bytes[stdlib]))"
row "+ spdlog 1.10 logger on top of fmt (header-only)" "${bytes[spdlog]}" "$((bytes[spdlog] - bytes[fmt]))"
row "libstdc++ + Boost.Process v2 launch (no fmt/spdlog)" "${bytes[boost_process]}" "$((bytes[boost_process] - bytes[stdlib]))"
row "build/sdshim (everything)" "$shim" "$((shim - bytes[libc])) over the floor"
for ref in /usr/bin/tini-static /usr/bin/catatonit; do
  [[ -e $ref ]] && row "reference: $ref" "$(stat -c %s "$(readlink -f "$ref")")" "-"
done
true
