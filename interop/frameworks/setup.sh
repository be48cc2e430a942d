#!/usr/bin/env bash
# Installs what the framework fixtures of interop/frameworks need, on a fresh Debian machine:
#   - Debian packages: Python's venv, Node and npm, Ruby on Rails with Devise and Puma, PHP with Laravel
#     (DEBIAN_PACKAGES in common.sh);
#   - a Python venv with python/requirements.txt (Django, Flask, Flask-Login, Flask-WTF), keyed by that file's
#     hash and the Python version;
#   - node_modules for express/package-lock.json (npm ci), keyed by the lockfile's hash and Node's major version;
#   - Keycloak (KEYCLOAK_VERSION in common.sh) from Maven Central, extracted and built, and a database with the
#     realm sso/keycloak/limpet-realm.json imported, keyed by that file's hash (start.sh copies it at every start);
#   - the jar of the single sign-on relying party (sso/rp, Spring Boot), built with Maven, keyed by its sources.
# Keycloak and the relying party need Java 17+ and Maven on PATH (as interop/spring does).
# All of them live under $LIMPET_CACHE_DIR/frameworks (default ~/.cache/limpet/frameworks), never in
# the repository, and are reused by every later run and every checkout on the machine. Older keyed copies are
# removed once the current one is complete.
#
# Idempotent and quiet: a second run checks and prints nothing. Runs as root, or through sudo for apt-get.
set -euo pipefail
# shellcheck source=common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

need=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${DEBIAN_PACKAGES[@]}" 2>/dev/null || true)
for p in "${DEBIAN_PACKAGES[@]}"; do
	grep -qx "$p installed" <<<"$installed" || need+=("$p")
done
# Node may come from elsewhere than Debian (a newer one, already on PATH): keep it.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	filtered=()
	for p in "${need[@]}"; do
		case $p in nodejs | npm) ;; *) filtered+=("$p") ;; esac
	done
	need=("${filtered[@]}")
fi
if [ "${#need[@]}" -gt 0 ]; then
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	echo "frameworks/setup.sh: installing ${need[*]}" >&2
	log=$(mktemp)
	if ! { "${sudo[@]}" apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "installing ${need[*]} failed"
	fi
	rm -f "$log"
fi

cache=$(cache_dir)
mkdir -p "$cache"
# One setup at a time per cache (two checkouts may run scripts/test at once).
exec 9>"$cache/.lock"
flock 9

# prune DIR-PREFIX KEEP removes older keyed copies beside KEEP.
prune() {
	local d
	for d in "$1"*; do
		[ "$d" = "$2" ] || [ ! -d "$d" ] || rm -rf -- "$d"
	done
}

venv=$(venv_dir)
if [ ! -f "$venv/complete" ]; then
	echo "frameworks/setup.sh: creating the venv $venv" >&2
	rm -rf -- "$venv"
	# A venv is not relocatable: built at its final path, marked complete last.
	python3 -m venv "$venv"
	log=$(mktemp)
	if ! "$venv/bin/pip" install --disable-pip-version-check --no-input -q --require-virtualenv \
		-r "$here/python/requirements.txt" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		rm -rf -- "$venv"
		die "pip install -r python/requirements.txt failed"
	fi
	rm -f "$log"
	touch "$venv/complete"
	prune "${venv%-*}-" "$venv"
fi

modules=$(node_dir)
if [ ! -f "$modules/complete" ]; then
	echo "frameworks/setup.sh: npm ci into $modules" >&2
	rm -rf -- "$modules"
	mkdir -p "$modules"
	cp "$here/express/package.json" "$here/express/package-lock.json" "$modules/"
	log=$(mktemp)
	if ! (cd "$modules" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		rm -rf -- "$modules"
		die "npm ci failed"
	fi
	rm -f "$log"
	touch "$modules/complete"
	prune "${modules%-*}-" "$modules"
fi

kc=$(keycloak_dir)
if [ ! -f "$kc/complete" ]; then
	command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH (Apache Maven fetches Keycloak from Maven Central)"
	command -v java >/dev/null 2>&1 || die "java not found on PATH (Keycloak needs Java 17 or newer)"
	echo "frameworks/setup.sh: fetching and building Keycloak $KEYCLOAK_VERSION into $kc (a few minutes)" >&2
	rm -rf -- "$kc" "$kc.tmp"
	mkdir -p "$kc.tmp"
	log=$(mktemp)
	artifact=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz
	if ! { mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy -Dartifact="$artifact" \
		-DoutputDirectory="$kc.tmp" &&
		tar -xzf "$kc.tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz" -C "$kc.tmp" &&
		rm -f "$kc.tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz" &&
		mv "$kc.tmp/keycloak-$KEYCLOAK_VERSION" "$kc" &&
		"$kc/bin/kc.sh" build "${KEYCLOAK_BUILD[@]}"; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		rm -rf -- "$kc" "$kc.tmp"
		die "fetching or building Keycloak failed"
	fi
	rm -f "$log"
	rm -rf -- "$kc.tmp"
	# Maven keeps a copy of the 176 MB archive in its local repository: the extracted one is enough.
	rm -rf -- "${HOME}/.m2/repository/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION"
	touch "$kc/complete"
	prune "$(cache_dir)/keycloak-" "$kc"
fi

kcdb=$(keycloak_db_dir)
if [ ! -f "$kcdb/complete" ]; then
	echo "frameworks/setup.sh: importing the realm into a database for Keycloak in $kcdb" >&2
	rm -rf -- "$kcdb"
	# One start in a private state imports the realm (start.sh does when there is no prepared database); a
	# graceful stop leaves the database complete on disk.
	work=$(mktemp -d)
	log=$(mktemp)
	if ! LIMPET_FRAMEWORKS_STATE=$work "$here/start.sh" keycloak >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		LIMPET_FRAMEWORKS_STATE=$work "$here/stop.sh" keycloak || true
		rm -rf -- "$work"
		die "preparing Keycloak's database failed"
	fi
	rm -f "$log"
	pid=$(cat "$work/keycloak/pid")
	kill -TERM -- "-$pid" 2>/dev/null || true
	for _ in $(seq 1 600); do
		kill -0 -- "-$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 -- "-$pid" 2>/dev/null; then
		kill -KILL -- "-$pid" 2>/dev/null || true
		rm -rf -- "$work"
		die "Keycloak did not stop within 60 s; its database is not kept"
	fi
	mkdir -p "$kcdb"
	cp -r "$work/keycloak/kc/data/h2" "$kcdb/h2"
	rm -rf -- "$work"
	touch "$kcdb/complete"
	prune "$(cache_dir)/kcdb-" "$kcdb"
fi

rp=$(rp_dir)
if [ ! -f "$rp/complete" ]; then
	command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH (Apache Maven builds the relying party)"
	echo "frameworks/setup.sh: building the single sign-on relying party into $rp" >&2
	rm -rf -- "$rp"
	mkdir -p "$rp/build"
	cp -r "$here/sso/rp/pom.xml" "$here/sso/rp/src" "$rp/build/"
	log=$(mktemp)
	if ! (cd "$rp/build" && mvn -q -B -DskipTests package) >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		rm -rf -- "$rp"
		die "building the relying party failed"
	fi
	rm -f "$log"
	mv "$rp/build/target/limpet-sso-rp.jar" "$rp/"
	rm -rf -- "$rp/build"
	touch "$rp/complete"
	prune "$(cache_dir)/sso-rp-" "$rp"
fi
