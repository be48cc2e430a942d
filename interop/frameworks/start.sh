#!/usr/bin/env bash
# Starts one framework fixture on a free loopback port and prints its base URL.
#
# Usage:
#   interop/frameworks/start.sh [--foreground] APP
#   interop/frameworks/stop.sh  APP
#   interop/frameworks/start.sh --check APP
#
# APP is one of: django flask express-sync express-csrf rails laravel keycloak sso-rp (README.md says what each
# serves). sso-rp, the single sign-on relying party, needs LIMPET_SSO_ISSUER: the URL of the realm at a running
# Keycloak (http://127.0.0.1:PORT/realms/limpet, from start.sh keycloak).
#
# The script picks a free port on 127.0.0.1, starts the server in the background, waits until its /test/info
# answers with this start's instance id (Keycloak: until its realm "limpet" is served), and prints the base URL,
# e.g. http://127.0.0.1:41234, as its only line on standard output. A fixture that is already running is reused (its URL printed again). Should another program take
# the port between choosing and binding, it tries again with another.
#
# With --foreground the script stays in the foreground after printing the URL and stops the server when it
# receives SIGTERM, SIGINT or SIGHUP, or when the server exits (this is how internal/testserver/frameworks runs it).
# With --check it starts nothing: it lists what APP needs and is not installed, and exits 2 if anything is missing
# (0 otherwise).
#
# State (pid, log, URL, the server's database and sessions) lives in $LIMPET_FRAMEWORKS_STATE (default
# ${TMPDIR:-/tmp}/limpet-frameworks) under APP/; a new start empties it. Environment: LIMPET_FRAMEWORKS_START_TIMEOUT
# (seconds, default 60).
set -euo pipefail
# shellcheck source=common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

foreground=0
check=0
case ${1:-} in
--foreground) foreground=1 && shift ;;
--check) check=1 && shift ;;
esac
[ $# -eq 1 ] || die "usage: start.sh [--foreground|--check] APP"
app=$1
check_app "$app"

gaps=$(missing "$app")
if [ -n "$gaps" ]; then
	echo "start.sh: $app cannot run; missing:" >&2
	# shellcheck disable=SC2001
	echo "$gaps" | sed 's/^/  /' >&2
	exit 2
fi
[ "$check" -eq 0 ] || exit 0
if [ "$app" = sso-rp ] && [ -z "${LIMPET_SSO_ISSUER:-}" ]; then
	die "sso-rp needs LIMPET_SSO_ISSUER (e.g. \$(start.sh keycloak)/realms/limpet)"
fi

dir=$(state_dir "$app")
timeout=${LIMPET_FRAMEWORKS_START_TIMEOUT:-60}
[ "$app" != keycloak ] || timeout=${LIMPET_FRAMEWORKS_START_TIMEOUT:-240}
case "$timeout" in '' | *[!0-9]*) die "LIMPET_FRAMEWORKS_START_TIMEOUT must be a number of seconds" ;; esac

if [ "$foreground" -eq 0 ] && running "$dir" && [ -f "$dir/url" ]; then
	cat "$dir/url"
	exit 0
fi
if running "$dir"; then
	"$here/stop.sh" "$app"
fi
rm -rf -- "$dir"
mkdir -p "$dir"

# launch PORT starts the server of $app on 127.0.0.1:PORT in the background, in a session of its own.
launch() {
	local port=$1 cmd
	export LIMPET_FW_PORT=$port LIMPET_FW_STATE=$dir LIMPET_FW_INSTANCE=$instance \
		LIMPET_FW_USERS=$here/testdata/users.txt
	case $app in
	# Python's compiled files go to the cache, never beside the sources in the repository.
	django) cmd=(env PYTHONPYCACHEPREFIX="$(cache_dir)/pycache" "$(venv_dir)/bin/python" "$here/django/serve.py") ;;
	flask) cmd=(env PYTHONPYCACHEPREFIX="$(cache_dir)/pycache" "$(venv_dir)/bin/python" "$here/flask/app.py") ;;
	express-sync) cmd=(env NODE_PATH="$(node_dir)/node_modules" node "$here/express/sync.js") ;;
	express-csrf) cmd=(env NODE_PATH="$(node_dir)/node_modules" node "$here/express/doublesubmit.js") ;;
	rails)
		cmd=(env RACK_ENV=production RAILS_ENV=production puma --silent -t 2:8 -e production
			-b "tcp://127.0.0.1:$port" "$here/rails/config.ru")
		;;
	laravel)
		mkdir -p "$dir/sessions" "$dir/views" "$dir/counters"
		php "$here/laravel/bootstrap/prepare.php" >>"$dir/log" 2>&1 || return 1
		cmd=(env PHP_CLI_SERVER_WORKERS=4 php -d variables_order=EGPCS -S "127.0.0.1:$port"
			-t "$here/laravel/public" "$here/laravel/server.php")
		;;
	keycloak)
		# A private copy of the built distribution (hard links where the file system allows) with a data directory
		# of its own: a copy of the database setup.sh prepared, or (without one) the realm to import at start.
		rm -rf -- "$dir/kc"
		cp -al "$(keycloak_dir)" "$dir/kc" 2>/dev/null || cp -a "$(keycloak_dir)" "$dir/kc"
		rm -rf -- "$dir/kc/data"
		mkdir -p "$dir/kc/data"
		local import=()
		if [ -f "$(keycloak_db_dir)/complete" ]; then
			cp -r "$(keycloak_db_dir)/h2" "$dir/kc/data/h2"
		else
			mkdir -p "$dir/kc/data/import"
			cp "$here/sso/keycloak/limpet-realm.json" "$dir/kc/data/import/"
			import=(--import-realm)
		fi
		# The bootstrap administrator is made with a new database (the prepared one has it already).
		cmd=(env KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin-pw
			JAVA_OPTS_APPEND="-XX:TieredStopAtLevel=1" "$dir/kc/bin/kc.sh" start --optimized
			--http-enabled=true --hostname-strict=false --http-host=127.0.0.1 --http-port="$port"
			--http-management-port="$(free_port)" "${import[@]}")
		;;
	sso-rp)
		cmd=(java -Xss512k -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.io.tmpdir="$dir"
			-jar "$(rp_dir)/limpet-sso-rp.jar" --server.port="$port" --limpet.issuer="$LIMPET_SSO_ISSUER")
		;;
	esac
	# A process group of its own (setsid runs the command in the same process, as the script is not a group
	# leader): stop.sh signals the whole group, so that children (Keycloak's java under kc.sh, PHP's workers) stop
	# too, and the caller's terminal signals miss it.
	setsid "${cmd[@]}" </dev/null >>"$dir/log" 2>&1 &
	echo $! >"$dir/pid"
}

pid=
stop_server() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		"$here/stop.sh" "$app" >/dev/null 2>&1 || kill -KILL "$pid" 2>/dev/null || true
	fi
}
on_signal() {
	# Nothing more to say: after the parent-death signal of a killed test binary, writing to its closed pipes would
	# end this script (SIGPIPE) before it cleans up.
	exec >/dev/null 2>&1
	stop_server
	# A state root made for this start alone (internal/testserver/frameworks marks its temporary ones) goes too, also
	# when the signal is the parent-death signal of a killed test binary.
	root=${LIMPET_FRAMEWORKS_STATE:-}
	if [ "$foreground" -eq 1 ] && [ -n "$root" ] && [ -f "$root/.limpet-temporary" ]; then
		rm -rf -- "$root"
	fi
	exit 0
}
trap on_signal TERM INT HUP

url=
deadline=$((SECONDS + timeout))
# How often to ask whether the server is ready: JVMs take seconds, the others a fraction of one.
case $app in
keycloak) poll=0.5 ;;
sso-rp) poll=0.2 ;;
*) poll=0.05 ;;
esac
for attempt in 1 2 3 4 5; do
	instance=$app-$$-$attempt-$RANDOM$RANDOM
	port=$(free_port)
	echo "start.sh: attempt $attempt on port $port" >>"$dir/log"
	launch "$port" || die "could not prepare $app (log: $dir/log)"
	pid=$(cat "$dir/pid")
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$app" = keycloak ]; then
			if curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$port/realms/limpet/.well-known/openid-configuration"; then
				url="http://127.0.0.1:$port"
				break 2
			fi
		else
			reply=$(curl -sf --max-time 5 "http://127.0.0.1:$port/test/info" 2>/dev/null || true)
			if grep -qF "\"$instance\"" <<<"$reply"; then
				url="http://127.0.0.1:$port"
				break 2
			fi
		fi
		if [ $SECONDS -ge $deadline ]; then
			tail -n 40 "$dir/log" >&2
			stop_server
			die "$app was not ready after ${timeout}s (log: $dir/log)"
		fi
		sleep "$poll"
	done
	# The server exited: another program may have taken the port; try another unless it said otherwise.
	wait "$pid" 2>/dev/null || true
	if ! grep -qiE 'already in use|already bound|EADDRINUSE|failed to listen' "$dir/log"; then
		tail -n 40 "$dir/log" >&2
		die "$app exited before it was ready (log: $dir/log)"
	fi
done
[ -n "$url" ] || die "$app found no free port after 5 attempts (log: $dir/log)"
echo "$url" >"$dir/url"
echo "$url"

if [ "$foreground" -eq 1 ]; then
	# wait returns early when a trapped signal arrives; then on_signal stops the server.
	wait "$pid" || true
	rm -f "$dir/pid"
else
	trap - TERM INT HUP
fi
