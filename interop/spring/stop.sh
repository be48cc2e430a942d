#!/usr/bin/env bash
# Stops fixtures started by start.sh.
#
# Usage:
#   interop/spring/stop.sh VERSION [PROFILE]
#
# With a PROFILE, stops the JVM that serves it (for a connector of the "chains" JVM, that JVM and so every connector
# of it). Without one, stops every fixture JVM of VERSION. Stopping a fixture that is not running is not an error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: stop.sh VERSION [PROFILE]"
fi
version=$1
check_version "$version"
if [ $# -eq 2 ]; then
	jvms=("$(jvm_for "$2")")
else
	jvms=(bootdefault secure timeout chains matrix)
fi

for jvm in "${jvms[@]}"; do
	dir=$(state_dir "$version" "$jvm")
	if running "$dir"; then
		pid=$(cat "$dir/pid")
		kill -TERM "$pid"
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid"
		fi
	fi
	rm -rf "$dir"
done
