#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cc) with clang, ASan and UBSan into
# ./build-fuzz and runs each for a fixed time, starting from the seeds in tests/fuzz/corpus.
#
#   scripts/fuzz.sh [seconds per target, default 60] [target ...]
#
# New interesting inputs go to build-fuzz/corpus/<target> (not into the repo). A crash stops
# that target and leaves its input in build-fuzz/crashes/<target>/: fix the bug, then copy the
# input into tests/fuzz/corpus/<target>/ so the corpus regression test keeps checking it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
scripts/setup.sh
if ! command -v clang++ >/dev/null 2>&1; then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DRILL_FUZZ=ON -DRILL_BUILD_BENCH=OFF >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  for src in tests/fuzz/*_fuzz.cc; do
    name=$(basename "$src" .cc)
    targets+=("${name%_fuzz}")
  done
fi
cmake --build build-fuzz -j2 --target "${targets[@]/%/_fuzz}"
status=0
for t in "${targets[@]}"; do
  corpus="build-fuzz/corpus/$t"
  crashes="build-fuzz/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  echo "fuzz: $t for ${seconds}s"
  if ! "build-fuzz/tests/${t}_fuzz" -max_total_time="$seconds" -max_len=65536 \
      -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "tests/fuzz/corpus/$t" \
      2>"build-fuzz/$t.log"; then
    echo "fuzz: $t FAILED; input in $crashes, log in build-fuzz/$t.log"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/$t.log" || true
done
exit $status
