#!/usr/bin/env bash
# Measures what each dependency adds to the static, stripped binary: probe programs built with the
# shim's flags, each adding one dependency, beside the real build/sdshim. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x build/sdshim ]] || scripts/build.sh >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-std=c++20 -O3 -DNDEBUG -static -s -DFMT_HEADER_ONLY -DSPDLOG_HEADER_ONLY -DBOOST_PROCESS_USE_STD_FS -Isrc)
size_of() { stat -c %s "$1"; }
declare -A bytes
for probe in libc stdlib fmt spdlog boost_process; do
  g++ "${flags[@]}" "bench/size-probes/$probe.cpp" -o "$out/$probe"
  bytes[$probe]=$(size_of "$out/$probe")
done
shim=$(size_of build/sdshim)
row() { printf '| %-44s | %9s | %9s |\n' "$1" "$2" "$3"; }
echo "| static, stripped (g++ $(g++ -dumpfullversion), glibc $(ldd --version | head -1 | awk '{print $NF}')) | bytes | added |"
echo "|---|---:|---:|"
row "libc only (printf)" "${bytes[libc]}" "-"
row "+ libstdc++ (string, vector, map, exceptions)" "${bytes[stdlib]}" "$((bytes[stdlib] - bytes[libc]))"
row "+ fmt 9 (header-only)" "${bytes[fmt]}" "$((bytes[fmt] - bytes[stdlib]))"
row "+ spdlog 1.10 on top of fmt (header-only)" "${bytes[spdlog]}" "$((bytes[spdlog] - bytes[fmt]))"
row "libstdc++ + Boost.Process v2 launch (no fmt/spdlog)" "${bytes[boost_process]}" "$((bytes[boost_process] - bytes[stdlib]))"
row "build/sdshim (everything)" "$shim" "-"
for ref in /usr/bin/tini-static /usr/bin/catatonit; do
  [[ -e $ref ]] && row "reference: $ref" "$(size_of "$(readlink -f "$ref")")" "-"
done
true
