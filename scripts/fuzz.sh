#!/bin/bash
# Builds the two libFuzzer targets (IKEv2/G-IKEv2 and ISAKMP/GDOI) with coverage and AddressSanitizer
# and runs each for SECONDS seconds (default 60), seeded from the committed test vectors and the
# regression corpus. Anything found is written to Fuzz/Regressions/<target>/ — commit it; the
# Swift tests replay that folder. Usage: scripts/fuzz.sh [SECONDS] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("${@:-FuzzGIKEv2Wire FuzzGDOIWire}")
TARGETS=(${TARGETS[@]})
export PATH="/opt/swift/usr/bin:$PATH"
FLAGS=(-c debug --scratch-path .build-fuzz -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
WORK=$(mktemp -d /tmp/groupkey-fuzz.XXXX)
python3 scripts/fuzz-seeds.py "$WORK"
for target in "${TARGETS[@]}"; do
    swift build "${FLAGS[@]}" --product "$target"
    mkdir -p "Fuzz/Regressions/$target" "$WORK/$target"
    cp -n "Fuzz/Regressions/$target/"* "$WORK/$target/" 2>/dev/null || true
    ".build-fuzz/debug/$target" "$WORK/$target" "$WORK/seeds-$target" \
        -max_total_time="$SECONDS_EACH" -max_len=8192 -print_final_stats=1 \
        -artifact_prefix="Fuzz/Regressions/$target/" 2>&1 | grep -E "^#[0-9]+ +DONE|stat::|ERROR|SUMMARY|Test unit written" || true
done
rm -rf "$WORK"
