# shellcheck shell=bash
# Shared by build.sh, start.sh and stop.sh; sourced, not run.

# JVM options for a quick start on a small machine. build.sh records the class-data-sharing archive with them, and
# internal/testserver/springserver uses the same list (a Go test checks it).
# shellcheck disable=SC2034 # used by the scripts that source this file
DEFAULT_JAVA_OPTS="-Xss512k -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto"

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

check_version() {
	case $1 in
	boot3 | boot4) ;;
	*) die "unknown version $1 (want boot3 or boot4)" ;;
	esac
}

# jvm_for PROFILE prints the JVM (Spring profile group) that serves PROFILE.
jvm_for() {
	case $1 in
	default) echo bootdefault ;;
	secure | timeout | matrix) echo "$1" ;;
	form | page | cookie | spa | invalid | max | maxprevent | remember | stateless | delcookie | jwt | as) echo chains ;;
	*) die "unknown profile $1 (see interop/spring/README.md)" ;;
	esac
}

# spring_profile JVM prints the Spring profile to activate.
spring_profile() {
	echo "$1"
}

state_dir() {
	echo "${LIMPET_SPRING_STATE:-${TMPDIR:-/tmp}/limpet-spring}/$1-$2"
}

# running DIR succeeds when the JVM recorded in DIR/pid is alive.
running() {
	[ -f "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null
}

# base_url READY-FILE PROFILE prints the profile's base URL from the ready file.
base_url() {
	local key=port port
	case $2 in
	default | secure | timeout | matrix) ;;
	*) key=$2 ;;
	esac
	if [ "$key" = port ]; then
		port=$(grep -o '"port":[0-9]*' "$1" | head -n1 | cut -d: -f2)
	else
		port=$(grep -o "\"$key\":[0-9]*" "$1" | head -n1 | cut -d: -f2)
	fi
	[ -n "$port" ] || die "no port for $2 in $1"
	echo "http://127.0.0.1:$port"
}
