#!/usr/bin/env bash
# Stops a Tomcat started by start.sh.
#
# Usage: interop/tomcat/stop.sh BASE
#
# Sends SIGTERM (Tomcat shuts down cleanly), waits up to TOMCAT_STOP_TIMEOUT
# seconds (default 30), then sends SIGKILL. A BASE that start.sh made itself
# (a temporary directory) is removed afterwards; a BASE given to start.sh is
# kept, logs included.
set -euo pipefail

die() {
	echo "stop.sh: $*" >&2
	exit 1
}

[ "$#" -eq 1 ] || die "usage: stop.sh BASE"
base=$1
timeout=${TOMCAT_STOP_TIMEOUT:-30}
case "$timeout" in '' | *[!0-9]*) die "TOMCAT_STOP_TIMEOUT must be a number of seconds" ;; esac
[ -d "$base" ] || die "$base is not a directory"

# running reports whether $1 is a live JVM of this base (not a zombie, and
# not a recycled pid that now belongs to another program).
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ] || return 1
	tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qxF -- "-Dcatalina.base=$base"
}

if [ -f "$base/tomcat.pid" ]; then
	pid=$(cat "$base/tomcat.pid")
	case "$pid" in '' | *[!0-9]*) die "$base/tomcat.pid does not hold a pid" ;; esac
	if running "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		deadline=$((SECONDS + timeout))
		while running "$pid"; do
			if [ "$SECONDS" -ge "$deadline" ]; then
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.1
		done
	fi
	rm -f "$base/tomcat.pid"
fi

if [ -e "$base/.limpet-temporary" ]; then
	rm -rf -- "$base"
fi
