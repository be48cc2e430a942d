#!/usr/bin/env bash
# Stops framework fixtures started by start.sh.
#
# Usage: interop/frameworks/stop.sh [APP...]
#
# Without APP, stops every fixture. Sends SIGTERM to the server's process group, waits up to ten seconds for the
# whole group to exit, then sends SIGKILL to what is left; removes the state directory. Stopping a fixture that is
# not running is not an error.
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
		# start.sh runs every server as the leader of its own process group: signal the group (the server and its
		# children); a pid that leads no group (a server of an older start.sh) alone.
		target=$pid
		[ "$(ps -o pgid= -p "$pid" | tr -d ' ')" != "$pid" ] || target=-$pid
		kill -TERM -- "$target" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 -- "$target" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "$target" 2>/dev/null || true
	fi
	rm -rf -- "$dir"
done
