#!/usr/bin/env bash
# Starts one Spring Security fixture on free loopback ports and prints its base URL.
#
# Usage:
#   interop/spring/start.sh VERSION PROFILE
#   interop/spring/stop.sh  VERSION [PROFILE]
#
# VERSION is boot3 (Spring Boot 3.5.7, Spring Security 6.5) or boot4 (Spring Boot 4.0.7, Spring Security 7.0).
# PROFILE is one of the names in README.md: default, secure, timeout (each its own JVM, Spring Boot's default
# chain), a connector of the shared "chains" JVM: form, page, cookie, spa, invalid, max, maxprevent, remember,
# stateless, delcookie, jwt, as; or matrix (its own JVM, one connector per cell of the configuration matrix; the
# printed URL is its control port, GET URL/test/matrix lists the cells and their ports).
#
# The script builds the jar if needed (build.sh, cached), starts the JVM in the background unless it is already
# running that build, waits until it serves requests and prints the profile's base URL, e.g. http://127.0.0.1:41234, as its
# only line on standard output. Profiles of the same JVM share it: starting "form" after "jwt" reuses the JVM.
#
# State (pid, log, ready file with every port) lives in $LIMPET_SPRING_STATE (default ${TMPDIR:-/tmp}/limpet-spring)
# under VERSION-JVM/. Environment: LIMPET_SPRING_START_TIMEOUT (seconds, default 180), LIMPET_SPRING_JAVA_OPTS
# (extra JVM options), JAVA (default java).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

[ $# -eq 2 ] || die "usage: start.sh VERSION PROFILE"
version=$1
profile=$2
check_version "$version"
jvm=$(jvm_for "$profile")
dir=$(state_dir "$version" "$jvm")
timeout=${LIMPET_SPRING_START_TIMEOUT:-180}

jar=$("$here/build.sh" "$version" | awk -v v="$version" '$1 == v { print $2 }')
[ -f "$jar" ] || die "no jar for $version"

# Reuse a running JVM only if it runs the build just made.
if running "$dir" && [ -f "$dir/ready.json" ] && [ "$(cat "$dir/jar" 2>/dev/null)" = "$jar" ]; then
	base_url "$dir/ready.json" "$profile"
	exit 0
fi
if running "$dir"; then
	"$here/stop.sh" "$version" "$profile"
fi

rm -rf "$dir"
mkdir -p "$dir/tmp"
echo "$jar" >"$dir/jar"
cds=()
if [ -f "$(dirname "$jar")/app.jsa" ]; then
	cds=("-XX:SharedArchiveFile=$(dirname "$jar")/app.jsa")
fi
# The JVM gets its own session (setsid), so that it outlives this script and the terminal.
# shellcheck disable=SC2086 # the JVM options are lists of words on purpose.
setsid "${JAVA:-java}" $DEFAULT_JAVA_OPTS "${cds[@]}" ${LIMPET_SPRING_JAVA_OPTS:-} -Djava.io.tmpdir="$dir/tmp" \
	-jar "$jar" --spring.profiles.active="$(spring_profile "$jvm")" --limpet.ready-file="$dir/ready.json" \
	</dev/null >"$dir/log" 2>&1 &
echo $! >"$dir/pid"

deadline=$((SECONDS + timeout))
until [ -f "$dir/ready.json" ]; do
	if ! running "$dir"; then
		tail -n 40 "$dir/log" >&2
		die "the $version $jvm fixture exited before it was ready (log: $dir/log)"
	fi
	if [ $SECONDS -ge $deadline ]; then
		tail -n 40 "$dir/log" >&2
		"$here/stop.sh" "$version" "$profile" || true
		die "the $version $jvm fixture was not ready after ${timeout}s"
	fi
	sleep 0.1
done
base_url "$dir/ready.json" "$profile"
