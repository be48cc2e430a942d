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
go test -run '^$' -bench 'BenchmarkGet' -benchmem -count "$count" -benchtime "$benchtime" ./bench/ | tee "$raw" >&2
echo "Sequential keep-alive GETs on one loopback server with a cookie jar;"
echo "median of $count runs of $benchtime each, $(nproc) cores, $(go version | cut -d' ' -f3)."
echo
awk '
/^BenchmarkGet\// {
  name=$1; sub(/^BenchmarkGet\//, "", name); sub(/-[0-9]+$/, "", name)
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
  split("nethttp limpet-notimeout nethttp-timeout limpet", order, " ")
  peer["limpet-notimeout"]="nethttp"; peer["limpet"]="nethttp-timeout"
  for (k=1;k<=4;k++) {
    n=order[k]; m=median(ns[n]); med[n]=m
    r="" ; d=""
    if (n in peer) { p=peer[n]; r=sprintf("%.3fx %s", med[p]/m, p); d=sprintf("%+d", al[n]-al[p]) }
    printf "| %s | %.0f | %.0f | %d | %s | %s |\n", n, m, 1e9/m, al[n], r, d
  }
}' "$raw"
