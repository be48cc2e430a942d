#!/usr/bin/env bash
# Starts Debian's Tomcat 10 with a private CATALINA_BASE on a free loopback
# port, for the Tomcat interop tests (scenarios T1-T8 of interop/tomcat/README.md).
#
# Usage:
#   interop/tomcat/start.sh [--foreground] [BASE]
#
# BASE is the directory to build the private CATALINA_BASE in; it must be
# empty or absent. Without BASE a temporary directory is made (and removed
# again by stop.sh); a BASE holding only an empty file .limpet-temporary is
# removed by stop.sh too. When Tomcat is ready the script prints the base URL,
# e.g. http://127.0.0.1:41234, as its only line on standard output.
#
# Without --foreground Tomcat keeps running in the background; stop it with
#   interop/tomcat/stop.sh BASE
# With --foreground the script stays in the foreground after printing the URL
# and stops Tomcat when it receives SIGTERM or SIGINT (this is how the Go
# package internal/testserver/tomcatserver runs it).
#
# The instance has:
#   /examples          Debian's examples webapp, FORM login unchanged
#   /cookie-examples   the same webapp with <tracking-mode>COOKIE</tracking-mode>
#   /manager           the manager webapp (html: manager-gui, text: manager-script)
# and the users listed in README.md. The shutdown port is disabled (-1).
#
# Environment:
#   TOMCAT_HOME           Tomcat installation (default /usr/share/tomcat10)
#   TOMCAT_EXAMPLES       examples docBase (default /usr/share/tomcat10-examples/examples)
#   TOMCAT_MANAGER        manager docBase (default /usr/share/tomcat10-admin/manager)
#   TOMCAT_START_TIMEOUT  seconds to wait for readiness (default 120)
#   TOMCAT_JAVA_OPTS      extra JVM options, appended to the defaults
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tomcat_home=${TOMCAT_HOME:-/usr/share/tomcat10}
examples_doc=${TOMCAT_EXAMPLES:-/usr/share/tomcat10-examples/examples}
manager_doc=${TOMCAT_MANAGER:-/usr/share/tomcat10-admin/manager}
timeout=${TOMCAT_START_TIMEOUT:-120}

die() {
	echo "start.sh: $*" >&2
	exit 1
}

foreground=0
if [ "${1:-}" = "--foreground" ]; then
	foreground=1
	shift
fi
if [ "$#" -gt 1 ]; then
	die "usage: start.sh [--foreground] [BASE]"
fi

for f in "$tomcat_home/bin/catalina.sh" "$tomcat_home/etc/server.xml" \
	"$examples_doc/WEB-INF/web.xml" "$manager_doc/WEB-INF/web.xml"; do
	[ -e "$f" ] || die "$f is missing; install Tomcat with: sudo interop/tomcat/setup.sh"
done
command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ] || die "no java on PATH and JAVA_HOME unset"
case "$timeout" in '' | *[!0-9]*) die "TOMCAT_START_TIMEOUT must be a number of seconds" ;; esac

if [ "$#" -eq 1 ]; then
	base=$1
	mkdir -p "$base" || die "cannot create $base"
	# Empty, or holding only the marker that has stop.sh remove it.
	[ -z "$(ls -A "$base" | grep -vx '.limpet-temporary')" ] || die "$base is not empty"
	base=$(cd "$base" && pwd)
else
	base=$(mktemp -d "${TMPDIR:-/tmp}/limpet-tomcat.XXXXXX")
	# stop.sh removes a base that carries this marker.
	: >"$base/.limpet-temporary"
	echo "start.sh: CATALINA_BASE=$base (stop with: $here/stop.sh $base)" >&2
fi

mkdir -p "$base"/{conf/Catalina/localhost,logs,temp,webapps,work}
cp "$tomcat_home"/etc/{catalina.properties,context.xml,jaspic-providers.xml,logging.properties,web.xml} "$base/conf/"

# server.xml: loopback only, port 0 (Tomcat binds a free port itself, so no
# other process can take it between choosing and binding), no shutdown port,
# no APR listener (its tomcat-native check only logs a SEVERE line), lock-out
# raised so that repeated wrong-password tests cannot lock a user out, no
# auto-deploy thread, and an unbuffered tab-separated access log.
cat >"$base/conf/server.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Listener className="org.apache.catalina.startup.VersionLoggerListener" />
  <Listener className="org.apache.catalina.core.JreMemoryLeakPreventionListener" />
  <Listener className="org.apache.catalina.mbeans.GlobalResourcesLifecycleListener" />
  <Listener className="org.apache.catalina.core.ThreadLocalLeakPreventionListener" />
  <GlobalNamingResources>
    <Resource name="UserDatabase" auth="Container"
              type="org.apache.catalina.UserDatabase"
              description="Users of the interop fixture"
              factory="org.apache.catalina.users.MemoryUserDatabaseFactory"
              pathname="conf/tomcat-users.xml" readonly="true" />
  </GlobalNamingResources>
  <Service name="Catalina">
    <Connector address="127.0.0.1" port="0" protocol="HTTP/1.1"
               connectionTimeout="20000" maxParameterCount="1000" />
    <Engine name="Catalina" defaultHost="localhost">
      <Realm className="org.apache.catalina.realm.LockOutRealm" failureCount="1000000">
        <Realm className="org.apache.catalina.realm.UserDatabaseRealm" resourceName="UserDatabase"/>
      </Realm>
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false">
        <Valve className="org.apache.catalina.valves.AccessLogValve" directory="logs"
               prefix="access" suffix=".log" rotatable="false" buffered="false"
               pattern="%m&#9;%U&#9;%q&#9;%s&#9;%u&#9;%S" />
      </Host>
    </Engine>
  </Service>
</Server>
XML

# Users. Keep README.md in step with this list.
cat >"$base/conf/tomcat-users.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<tomcat-users xmlns="http://tomcat.apache.org/xml" version="1.0">
  <role rolename="tomcat"/>
  <role rolename="role1"/>
  <role rolename="manager-gui"/>
  <role rolename="manager-script"/>
  <user username="tomcat" password="tomcat" roles="tomcat"/>
  <user username="both" password="both" roles="tomcat,role1"/>
  <user username="role1" password="role1" roles="role1"/>
  <user username="special" password="p&amp;ss w+rd=%;" roles="tomcat"/>
  <user username="admin" password="admin-pw" roles="manager-gui"/>
  <user username="robot" password="robot-pw" roles="manager-script"/>
</tomcat-users>
XML

# Skip TLD and SCI scanning of every jar except the JSTL implementation the
# examples' JSTL pages need: the class path holds only Tomcat's own jars.
{
	echo
	echo "# interop fixture: scan only what the examples need"
	echo "tomcat.util.scan.StandardJarScanFilter.jarsToSkip=*.jar"
	echo "tomcat.util.scan.StandardJarScanFilter.jarsToScan=taglibs-standard-impl*.jar"
} >>"$base/conf/catalina.properties"

cat >"$base/conf/Catalina/localhost/examples.xml" <<XML
<Context docBase="$examples_doc">
  <Resources allowLinking="true"/>
</Context>
XML

cat >"$base/conf/Catalina/localhost/manager.xml" <<XML
<Context docBase="$manager_doc" antiResourceLocking="false" privileged="true" />
XML

# T8: the examples again, under /cookie-examples, with a deployment descriptor
# that differs from the original only by cookie-only session tracking.
mkdir -p "$base/cookie-examples"
sed 's|</web-app>|  <session-config><tracking-mode>COOKIE</tracking-mode></session-config>\n</web-app>|' \
	"$examples_doc/WEB-INF/web.xml" >"$base/cookie-examples/web.xml"
grep -q '<tracking-mode>COOKIE</tracking-mode>' "$base/cookie-examples/web.xml" ||
	die "could not add <tracking-mode> to the examples' web.xml"
cat >"$base/conf/Catalina/localhost/cookie-examples.xml" <<XML
<Context docBase="$examples_doc" altDDName="$base/cookie-examples/web.xml">
  <Resources allowLinking="true"/>
</Context>
XML

# Fast start: small heap, serial GC, C1 only, no perf data file.
java_opts="-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData"
java_opts+=" -Djava.awt.headless=true -Djava.security.egd=file:/dev/./urandom"
# English messages whatever the machine locale (tests read the 408 and manager texts).
java_opts+=" -Duser.language=en -Duser.country=US"
java_opts+=" ${TOMCAT_JAVA_OPTS:-}"

out="$base/logs/catalina.out"
launch=(env -u CATALINA_PID -u CATALINA_OUT -u JPDA_OPTS
	CATALINA_HOME="$tomcat_home" CATALINA_BASE="$base" CATALINA_TMPDIR="$base/temp"
	JAVA_OPTS="$java_opts" CATALINA_OPTS=""
	"$tomcat_home/bin/catalina.sh" run)
stop_tomcat() {
	"$here/stop.sh" "$base" >/dev/null 2>&1 || true
}
# A signal stops Tomcat: during start-up in both modes, afterwards in the
# foreground mode. $! covers a signal that lands before pid is assigned.
pid=
on_signal() {
	[ -n "$pid" ] || pid=${!:-}
	[ -z "$pid" ] || echo "$pid" >"$base/tomcat.pid"
	stop_tomcat
	exit 0
}
trap on_signal TERM INT HUP

# catalina.sh run execs java, so $! is the JVM's pid.
if [ "$foreground" -eq 1 ]; then
	"${launch[@]}" >"$out" 2>&1 </dev/null &
else
	# A session of its own, so that the caller's terminal signals miss it.
	setsid "${launch[@]}" >"$out" 2>&1 </dev/null &
fi
pid=$!
echo "$pid" >"$base/tomcat.pid"

# alive reports whether the JVM runs (a zombie child does not count).
alive() {
	local stat
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# Wait for "Server startup in", then read the port Tomcat bound from the
# ProtocolHandler name (http-nio-127.0.0.1-auto-1-PORT).
port=
deadline=$((SECONDS + timeout))
while :; do
	if ! alive; then
		tail -n 40 "$out" >&2 || true
		die "Tomcat exited during start-up (log: $out)"
	fi
	if grep -q 'Server startup in' "$out" 2>/dev/null; then
		port=$(sed -n 's/.*Starting ProtocolHandler \["http-nio-127\.0\.0\.1-auto-[0-9]*-\([0-9]*\)"\].*/\1/p' "$out" | head -n 1)
		break
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		stop_tomcat
		die "Tomcat was not ready after ${timeout}s (log: $out)"
	fi
	sleep 0.1
done
if [ -z "$port" ]; then
	tail -n 40 "$out" >&2 || true
	stop_tomcat
	die "could not read the bound port from $out"
fi
url="http://127.0.0.1:$port"

# Readiness: the manager's text interface answers 200 to the manager-script
# user and lists every web application as running (bash's /dev/tcp, so that
# no HTTP client needs to be installed). probe exits 0 when ready, 1 when
# not yet, 2 when an application failed to start.
auth=$(printf '%s' 'robot:robot-pw' | base64)
probe() (
	exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
	printf 'GET /manager/text/list HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nAuthorization: Basic %s\r\n\r\n' "$port" "$auth" >&3
	reply=$(timeout 10 cat <&3 | tr -d '\r') || exit 1
	case "$reply" in "HTTP/1.1 200"*) ;; *) exit 1 ;; esac
	for app in /examples /cookie-examples /manager; do
		grep -q "^$app:running:" <<<"$reply" || exit 2
	done
)
while :; do
	rc=0
	probe 2>/dev/null || rc=$?
	[ "$rc" -ne 0 ] || break
	if [ "$rc" -eq 2 ]; then
		stop_tomcat
		die "a web application failed to start (log: $base/logs)"
	fi
	if [ "$SECONDS" -ge "$deadline" ] || ! alive; then
		stop_tomcat
		die "$url/manager/text/list did not answer 200 (log: $out)"
	fi
	sleep 0.1
done
echo "$url" >"$base/url"
echo "$url"

if [ "$foreground" -eq 0 ]; then
	trap - TERM INT HUP
else
	# wait returns early when a trapped signal arrives.
	wait "$pid" || true
	rm -f "$base/tomcat.pid"
fi
