#!/bin/bash
# bench/run.sh: cost of a stage launch. The stage executor against a bare
# launch of the same bwrap command line (bench/bench_stage: medians of
# interleaved sequential launches, then a 20-wide fan-out), and, when the
# binary has `labhit run`, a 1-stage echo pipeline and a 20-stage fan-out
# through it. Prints Markdown table rows (ms per stage).
#   bench/run.sh BUILD_DIR [N]
set -eu
build=${1:?usage: bench/run.sh BUILD_DIR [N]}
n=${2:-200}
bin=$build/bench/bench_stage
if [ ! -x "$bin" ]; then
	make -C "$build" bench/bench_stage >/dev/null
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/labhit-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

echo "| launch | parallel | n | ms per stage | vs bare bwrap |"
echo "|---|---|---|---|---|"
"$bin" "$n" 2>/dev/null | grep '^|'

labhit=$build/labhit
if ! "$labhit" run --help >/dev/null 2>&1 &&
    "$labhit" run --help 2>&1 | grep -q "unknown command"; then
	echo "(labhit run is not available in this build: pipeline rows skipped)"
	exit 0
fi

now_ms() { date +%s%3N; }

cat > "$tmp/one.yml" <<'YML'
engine: "1"
pipeline:
  name: bench-one
stages:
  echo:
    run: echo hi
YML
{
	printf 'engine: "1"\npipeline:\n  name: bench-fanout\nstages:\n'
	for i in $(seq 1 20); do
		printf '  s%d:\n    run: echo hi\n' "$i"
	done
} > "$tmp/fanout.yml"

runs=$(( n / 10 > 5 ? n / 10 : 5 ))
mkdir -p "$tmp/ws"
t0=$(now_ms)
for _ in $(seq 1 "$runs"); do
	"$labhit" run "$tmp/one.yml" --workspace "$tmp/ws" >/dev/null
done
t1=$(now_ms)
echo "| labhit run, 1-stage echo (whole command) | 1 | $runs |" \
    "$(echo "scale=2; ($t1 - $t0) / $runs" | bc) | |"
t0=$(now_ms)
for _ in $(seq 1 "$runs"); do
	"$labhit" run "$tmp/fanout.yml" --workspace "$tmp/ws" >/dev/null
done
t1=$(now_ms)
echo "| labhit run, 20-stage fan-out | slots | $(( runs * 20 )) |" \
    "$(echo "scale=2; ($t1 - $t0) / ($runs * 20)" | bc) | |"
