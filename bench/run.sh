#!/usr/bin/env bash
# Builds the release server and benchmark binaries and runs the benchmarks, printing figures
# against baselines measured in the same run (see bench/README.md).
#
#   bench/run.sh                  # full mode: every benchmark
#   bench/run.sh --quick          # smaller counts, 100k documents for `read`
#   bench/run.sh [--quick] read   # only the named benchmarks (ingest, upload-rss, read, security, search, webhooks, emails)
#
# Extra options for dossier-bench may follow `--`, e.g. `bench/run.sh read -- --docs 250000`.
# CARGO_TARGET_DIR is honoured; BENCH_DIR picks the scratch directory (default: $TMPDIR or /tmp),
# which should be on the disk being measured.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"

mode=()
benches=()
extra=()
while (($#)); do
    case "$1" in
        --quick) mode=(--quick) ;;
        --full) mode=() ;;
        ingest | upload-rss | read | security | search | webhooks | emails) benches+=("$1") ;;
        --) shift; extra=("$@"); break ;;
        -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
((${#benches[@]})) || benches=(ingest upload-rss read security search webhooks emails)

cargo build --release -p dossier -p dossier-bench

bench="$target/release/dossier-bench"
server="$target/release/dossier"
scratch="${BENCH_DIR:-${TMPDIR:-/tmp}}"

echo "dossier-bench: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, scratch $scratch ($(df -h --output=source "$scratch" | tail -1)), mode ${mode[*]:-full}"
if commit="$(git rev-parse --short HEAD 2>/dev/null)"; then
    git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
    echo "commit $commit"
fi
for b in "${benches[@]}"; do
    echo
    echo "################ $b ################"
    start=$SECONDS
    "$bench" --server "$server" --dir "$scratch" "${mode[@]}" "$b" "${extra[@]}"
    echo "($b took $((SECONDS - start)) s)"
done
