#!/bin/sh
# Regenerates Migration/samples/*/NAME.expected/ (policies + migration report) from the sample
# exports with the built groupkey binary. Run after a deliberate change to the importer, then
# read the diff: these files are what GDOIImportTests compare byte for byte.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${GROUPKEY:-"$root/.build/debug/groupkey"}
cd "$root/Migration/samples"
for format in cisco junos gdoi-xml; do
    for sample in "$format"/*.xml; do
        expected="${sample%.xml}.expected"
        rm -rf "$expected"
        status=0
        "$binary" import --from "$format" "$sample" -o "$expected" >/dev/null || status=$?
        echo "$sample: exit $status"
    done
done
