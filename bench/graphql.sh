#!/usr/bin/env bash
# bench/graphql.sh: wrk POST /graphql with `{ health }` and with a 3-level
# query (introspection of a type's fields and their types), against labhit's
# own GET /health on the same server, alternating. Prints req/s and the
# ratio to GET /health. Target: `{ health }` >= 0.7x of GET /health.
# Usage: bench/graphql.sh [LABHIT_BIN]   env: CONNS=64 WORKERS=2 DURATION=10s ROUNDS=3
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-${LABHIT_BIN:-$top/build/labhit}}
conns=${CONNS:-64}
workers=${WORKERS:-2}
duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: no labhit binary at $bin (build first)" >&2; exit 1; }

tmp=$(mktemp -d)
lpid=""
cleanup() { [ -n "$lpid" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

LABHIT_ACCESS_LOG=off LABHIT_RATE_LIMIT_READ=4000000000/min LABHIT_RATE_LIMIT_WRITE=4000000000/min \
	"$bin" serve -c /dev/null --listen "127.0.0.1:$port" --state-dir "$tmp/lh" \
	--workers "$workers" --runners 0 --log-level warn 2>"$tmp/labhit.log" &
lpid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done

lua() {	# lua FILE QUERY-JSON
	cat >"$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$2'
LUA
}
lua "$tmp/health.lua" '{"query":"{ health }"}'
lua "$tmp/deep.lua" '{"query":"{ __type(name: \"EngineConfig\") { name fields { name type { kind ofType { name } } } } }"}'
for f in health deep; do
	out=$(curl -fs -X POST "http://127.0.0.1:$port/graphql" -H 'Content-Type: application/json' \
		--data-binary "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$tmp/$f.lua")")
	echo "bench: $f answers $out" | cut -c1-160
done

rps() { wrk -t2 -c"$conns" -d"$duration" "$@" | awk '/^Requests\/sec:/ { print $2 }'; }
echo "bench: $workers workers, $conns connections, $duration x $rounds rounds"
gs=0 hs=0 ds=0
for r in $(seq "$rounds"); do
	g=$(rps "http://127.0.0.1:$port/health")
	h=$(rps -s "$tmp/health.lua" "http://127.0.0.1:$port/graphql")
	d=$(rps -s "$tmp/deep.lua" "http://127.0.0.1:$port/graphql")
	printf 'round %d: GET /health %9.0f   { health } %9.0f (%.2fx)   3-level %9.0f (%.2fx)\n' \
		"$r" "$g" "$h" "$(echo "$h / $g" | bc -l)" "$d" "$(echo "$d / $g" | bc -l)"
	gs=$(echo "$gs + $g" | bc -l); hs=$(echo "$hs + $h" | bc -l); ds=$(echo "$ds + $d" | bc -l)
done
printf 'mean:    GET /health %9.0f   { health } %9.0f (%.2fx)   3-level %9.0f (%.2fx)\n' \
	"$(echo "$gs / $rounds" | bc -l)" "$(echo "$hs / $rounds" | bc -l)" "$(echo "$hs / $gs" | bc -l)" \
	"$(echo "$ds / $rounds" | bc -l)" "$(echo "$ds / $gs" | bc -l)"
