#!/bin/bash
# bench/store.sh: store throughput per backend (insert run + 5 stages,
# append event, claim next run), printed as Markdown table rows.
#   bench/store.sh BUILD_DIR [N]
# PostgreSQL runs on its own throwaway cluster (scripts/pg-test-cluster,
# removed at exit), never on LABHIT_TEST_PG_URL. SQLite runs on a temp file.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: bench/store.sh BUILD_DIR [N]}
n=${2:-1000}
bin=$build/bench/bench_store
if [ ! -x "$bin" ]; then
	make -C "$build" bench/bench_store >/dev/null
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/labhit-bench.XXXXXX")
started=
cleanup() {
	rm -rf "$tmp"
	if [ -n "$started" ]; then
		"$here/scripts/pg-test-cluster" stop "$LABHIT_TEST_PG_DIR"
	fi
}
trap cleanup EXIT
echo "| backend | operation | n | ops/s | mean µs |"
echo "|---|---|---|---|---|"
"$bin" "sqlite:$tmp/bench.db" "$n"
eval "$("$here/scripts/pg-test-cluster" start)"
started=1
"$bin" --reset "$LABHIT_TEST_PG_URL" "$n"
