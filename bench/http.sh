#!/usr/bin/env bash
# bench/http.sh: wrk against GET /health of labhit and of nginx configured
# alike (same worker count, SO_REUSEPORT listeners, access log off, the same
# six security headers), alternating rounds on loopback. Prints req/s of
# each and the ratio labhit/nginx. Ratios, not absolute numbers, are what
# to compare across machines.
# Usage: bench/http.sh [LABHIT_BIN]   env: CONNS=256 WORKERS=2 DURATION=10s ROUNDS=3
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-${LABHIT_BIN:-$top/build/labhit}}
conns=${CONNS:-256}
workers=${WORKERS:-2}
duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "bench: nginx is missing (apt-get install nginx-light)" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench: no labhit binary at $bin (build first)" >&2; exit 1; }

tmp=$(mktemp -d)
lpid="" npid=""
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
	[ -n "$npid" ] && kill "$npid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
lport=$(free_port)
nport=$(free_port)

# labhit: rate limiting on (the table is consulted on every request) with a
# limit no benchmark reaches, so every answer is a 200 like nginx's.
LABHIT_ACCESS_LOG=off LABHIT_RATE_LIMIT_READ=4000000000/min \
	"$bin" serve -c /dev/null --listen "127.0.0.1:$lport" --state-dir "$tmp/lh" \
	--workers "$workers" --runners 0 --log-level warn 2>"$tmp/labhit.log" &
lpid=$!

mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<NGINX
worker_processes $workers;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	server_tokens off;
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$nport reuseport;
		location = /health {
			default_type text/plain;
			add_header X-Content-Type-Options nosniff always;
			add_header X-Frame-Options DENY always;
			add_header X-XSS-Protection "1; mode=block" always;
			add_header Referrer-Policy strict-origin-when-cross-origin always;
			add_header Content-Security-Policy "default-src 'none'; frame-ancestors 'none'" always;
			add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
			return 200 "ok";
		}
	}
}
NGINX
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
npid=$!

for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$lport/health" >/dev/null 2>&1 &&
	    curl -fs "http://127.0.0.1:$nport/health" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "http://127.0.0.1:$lport/health" >/dev/null || { cat "$tmp/labhit.log"; exit 1; }

rps() { wrk -t2 -c"$conns" -d"$duration" --latency "$1" | tee -a "$tmp/wrk.txt" |
	awk '/^Requests\/sec:/ { print $2 }'; }
errs() { grep -E 'Non-2xx|Socket errors' "$tmp/wrk.txt" | tail -n 2 || true; }

echo "bench: $workers workers each, $conns connections, $duration x $rounds rounds, $(nproc) cores"
lsum=0 nsum=0
for r in $(seq "$rounds"); do
	l=$(rps "http://127.0.0.1:$lport/health"); errs
	n=$(rps "http://127.0.0.1:$nport/health"); errs
	printf 'round %d: labhit %10.0f req/s   nginx %10.0f req/s   ratio %.2f\n' \
		"$r" "$l" "$n" "$(echo "$l / $n" | bc -l)"
	lsum=$(echo "$lsum + $l" | bc -l)
	nsum=$(echo "$nsum + $n" | bc -l)
done
printf 'mean:    labhit %10.0f req/s   nginx %10.0f req/s   ratio %.2f\n' \
	"$(echo "$lsum / $rounds" | bc -l)" "$(echo "$nsum / $rounds" | bc -l)" \
	"$(echo "$lsum / $nsum" | bc -l)"
