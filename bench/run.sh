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
chmod 755 "$tmp"

# A cgroup of its own for the bench (as systemd's Delegate=yes gives the
# server), so the executor is also measured with a cgroup per stage.
cg=""
mnt=$(findmnt -n -t cgroup2 -o TARGET 2>/dev/null | head -n 1 || true)
own=$(sed -n 's/^0:://p' /proc/self/cgroup)
if [ -n "$mnt" ] && [ "$(id -u)" -eq 0 ]; then
	cg="${mnt}${own%/}/labhit-bench-$$"
	mkdir "$cg" 2>/dev/null || cg=""
fi
cleanup() {
	rm -rf "$tmp"
	if [ -n "$cg" ]; then
		rmdir "$cg"/stages/* "$cg"/stages "$cg"/supervisor "$cg" \
		    2>/dev/null || true
	fi
}
trap cleanup EXIT

echo "| launch | parallel | n | ms per stage | vs bare bwrap |"
echo "|---|---|---|---|---|"
if [ -n "$cg" ]; then
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" "$3"' sh "$cg" \
	    "$bin" "$n" > "$tmp/rows" 2> "$tmp/err" || rc=$?
else
	"$bin" "$n" > "$tmp/rows" 2> "$tmp/err" || rc=$?
fi
if [ "${rc:-0}" -ne 0 ]; then
	cat "$tmp/err" >&2
	exit 1
fi
grep '^|' "$tmp/rows"

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
	"$labhit" run "$tmp/one.yml" --workspace "$tmp/ws" >/dev/null 2>&1
done
t1=$(now_ms)
echo "| labhit run, 1-stage echo (whole command) | 1 | $runs |" \
    "$(echo "scale=2; ($t1 - $t0) / $runs" | bc) | |"
t0=$(now_ms)
for _ in $(seq 1 "$runs"); do
	"$labhit" run "$tmp/fanout.yml" --workspace "$tmp/ws" >/dev/null 2>&1
done
t1=$(now_ms)
echo "| labhit run, 20-stage fan-out | slots | $(( runs * 20 )) |" \
    "$(echo "scale=2; ($t1 - $t0) / ($runs * 20)" | bc) | |"
