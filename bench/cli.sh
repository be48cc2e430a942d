#!/usr/bin/env bash
# Times one GET with a stored session: limpet vs curl (cookie jar read and
# written) vs HTTPie, in one hyperfine run against the same loopback
# server, and prints the table with ratios. Needs hyperfine, curl and http
# (scripts/setup installs them). Usage: bench/cli.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
work=$(mktemp -d)
cleanup() { [ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/limpet" ./cmd/limpet
go build -o "$work/server" ./bench/server
"$work/server" >"$work/url" &
srv_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(cat "$work/url")
port=${url##*:}
export LIMPET_CONFIG_DIR="$work/limpet-config" HTTPIE_CONFIG_DIR="$work/httpie-config"

# Log in once with each tool, so every timed run reuses a stored session.
"$work/limpet" --session=bench "$url/login" >/dev/null
curl -s -c "$work/jar.txt" -b "$work/jar.txt" "$url/login" >/dev/null
http --ignore-stdin --session=bench "$url/login" >/dev/null
for check in "$work/limpet --session=bench $url/api/me" "curl -sf -b $work/jar.txt -c $work/jar.txt $url/api/me" "http --ignore-stdin --check-status --session=bench $url/api/me"; do
	$check | grep -q alice || { echo "bench: $check did not reuse its session" >&2; exit 1; }
done

hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/h.json" \
	-n limpet "$work/limpet --session=bench $url/api/me" \
	-n curl "curl -s -b $work/jar.txt -c $work/jar.txt $url/api/me" \
	-n httpie "http --ignore-stdin --session=bench $url/api/me" >&2

python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
l, c, h = r["limpet"], r["curl"], r["httpie"]
print("One GET with a stored session (cookie jar read and written), hyperfine -N, %d runs each, same loopback server:" % len(l["times"]))
print()
print("| tool | mean | median | σ | vs curl | vs limpet |")
print("|---|---:|---:|---:|---:|---:|")
for name, x in (("limpet", l), ("curl -b jar -c jar", c), ("HTTPie", h)):
    print("| %s | %.1f ms | %.1f ms | %.1f ms | %.2f× | %.1f× |" % (name, x["mean"]*1e3, x["median"]*1e3, x["stddev"]*1e3, x["mean"]/c["mean"], x["mean"]/l["mean"]))
PY
