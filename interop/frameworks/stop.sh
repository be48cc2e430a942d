#!/usr/bin/env bash
# Stops framework fixtures started by start.sh.
#
# Usage: interop/frameworks/stop.sh [APP...]
#
# Without APP, stops every fixture. Sends SIGTERM to the server's process group, waits up to five seconds, then
# sends SIGKILL; removes the state directory. Stopping a fixture that is not running is not an error.
set -euo pipefail
# shellcheck source=common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

apps=("$@")
[ $# -gt 0 ] || apps=("${APPS[@]}")
for app in "${apps[@]}"; do
	check_app "$app"
	dir=$(state_dir "$app")
	if running "$dir"; then
		pid=$(cat "$dir/pid")
		# A background start (setsid) leads its own process group: signal the group, so that workers
		# (php -S with PHP_CLI_SERVER_WORKERS) stop too. A foreground start shares the caller's group.
		if [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ]; then
			kill -TERM -- "-$pid" 2>/dev/null || true
		else
			pkill -TERM -P "$pid" 2>/dev/null || true
			kill -TERM "$pid" 2>/dev/null || true
		fi
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -rf -- "$dir"
done
