#!/usr/bin/env bash
# Runs limpet's benchmarks beside their peers in one run and prints a
# Markdown table of medians and ratios. Usage: bench/run.sh [count] [benchtime]
#   bench/run.sh 6 2s > /tmp/table.md
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-6}
benchtime=${2:-1s}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
go test -run '^$' -bench 'BenchmarkGet|BenchmarkAutosave' -benchmem -count "$count" -benchtime "$benchtime" ./bench/ | tee "$raw" >&2
echo "Sequential keep-alive GETs on one loopback server with a cookie jar (Get), and with a server"
echo "rotating a cookie on every response (Autosave); median of $count runs of $benchtime each,"
echo "$(nproc) cores, $(go version | cut -d' ' -f3). Throughput ratio > 1 means limpet is faster."
echo
awk '
/^Benchmark(Get|Autosave)\// {
  name=$1; sub(/^Benchmark[A-Za-z]+\//, "", name); sub(/-[0-9]+$/, "", name)
  ns[name]=ns[name] " " $3; al[name]=$7
}
function median(list,   a, n, i, j, t) {
  n=split(list, a, " ")
  for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]+0<a[i]+0) {t=a[i];a[i]=a[j];a[j]=t}
  return (n%2) ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2
}
END {
  print "| client | ns/op | req/s | allocs/op | throughput vs peer | allocs vs peer |"
  print "|---|---:|---:|---:|---:|---:|"
  n=split("nethttp limpet-notimeout nethttp-timeout limpet nostore autosave", order, " ")
  peer["limpet-notimeout"]="nethttp"; peer["limpet"]="nethttp-timeout"; peer["autosave"]="nostore"
  for (k=1;k<=n;k++) {
    c=order[k]; m=median(ns[c]); med[c]=m
    r="" ; d=""
    if (c in peer) { p=peer[c]; r=sprintf("%.3fx %s", med[p]/m, p); d=sprintf("%+d", al[c]-al[p]) }
    printf "| %s | %.0f | %.0f | %d | %s | %s |\n", c, m, 1e9/m, al[c], r, d
  }
}' "$raw"
