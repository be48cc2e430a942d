# shellcheck shell=bash
# Shared by setup.sh, start.sh and stop.sh of interop/frameworks; sourced, not run.

# The fixtures, in the order README.md lists them: the web frameworks, then the single sign-on pair (Keycloak, and
# a Spring Boot relying party using it).
# shellcheck disable=SC2034 # used by the scripts that source this file
APPS=(django flask express-sync express-csrf rails laravel keycloak sso-rp)

# Keycloak's distribution from Maven Central (org.keycloak:keycloak-quarkus-dist:VERSION:tar.gz), and the options
# setup.sh builds it with (kc.sh build): a database in a file, which every start copies from one prepared by setup.sh
# with the realm imported.
KEYCLOAK_VERSION=26.7.3
# shellcheck disable=SC2034
KEYCLOAK_BUILD=(--db=dev-file --health-enabled=true)

# Debian packages each fixture runs on (python3-venv: the venv of the Django and Flask fixtures).
# shellcheck disable=SC2034
DEBIAN_PACKAGES=(python3 python3-venv nodejs npm curl procps
	ruby-rails ruby-devise puma ruby-sqlite3 ruby-bcrypt
	php-cli php-laravel-framework php-sqlite3 php-xml php-mbstring)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# cache_dir prints where setup.sh keeps the venv and node_modules: outside the repository, reused by every
# checkout on the machine.
cache_dir() {
	echo "${LIMPET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/limpet}/frameworks"
}

# short_hash FILE... prints the first 16 hex digits of the SHA-256 of the files' contents and of the
# interpreter versions that built from them.
short_hash() {
	cat "$@" | sha256sum | cut -c1-16
}

# venv_dir prints the venv of the Django and Flask fixtures, keyed by requirements.txt and the Python version.
venv_dir() {
	local pyver
	# python3 --version ("Python 3.11.2") is quicker than asking the interpreter.
	pyver=$(python3 --version 2>/dev/null || echo "Python none")
	pyver=${pyver#Python }
	pyver=${pyver%.*}
	echo "$(cache_dir)/venv-py$pyver-$( short_hash "$here/python/requirements.txt")"
}

# node_dir prints the directory whose node_modules serves the Express fixtures, keyed by package-lock.json and
# Node's major version.
node_dir() {
	local major
	# node --version ("v20.20.2") answers without starting V8.
	major=$(node --version 2>/dev/null || echo vnone)
	major=${major#v}
	major=${major%%.*}
	echo "$(cache_dir)/node$major-$(short_hash "$here/express/package-lock.json")"
}

# keycloak_dir prints where setup.sh keeps Keycloak, extracted and built (kc.sh build) with KEYCLOAK_BUILD.
keycloak_dir() {
	echo "$(cache_dir)/keycloak-$KEYCLOAK_VERSION-$(printf '%s\n' "${KEYCLOAK_BUILD[@]}" | sha256sum | cut -c1-8)"
}

# keycloak_db_dir prints where setup.sh keeps Keycloak's database with the realm imported (h2/), keyed by the
# distribution and the realm file.
keycloak_db_dir() {
	echo "$(cache_dir)/kcdb-$(basename "$(keycloak_dir)")-$(short_hash "$here/sso/keycloak/limpet-realm.json")"
}

# rp_dir prints where setup.sh keeps the relying party's jar, keyed by its sources.
rp_dir() {
	local h
	h=$(cd "$here/sso/rp" && find pom.xml src -type f | LC_ALL=C sort | while IFS= read -r f; do
		printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
	done | sha256sum | cut -c1-16)
	echo "$(cache_dir)/sso-rp-$h"
}

# state_dir APP prints the directory holding APP's pid, log, URL and data.
state_dir() {
	echo "${LIMPET_FRAMEWORKS_STATE:-${TMPDIR:-/tmp}/limpet-frameworks}/$1"
}

check_app() {
	local a
	for a in "${APPS[@]}"; do
		[ "$a" = "$1" ] && return 0
	done
	die "unknown fixture $1 (want one of: ${APPS[*]})"
}

# missing APP prints what APP needs and is not installed, one item a line; nothing when it can run.
missing() {
	case $1 in
	django | flask)
		[ -f "$(venv_dir)/complete" ] || echo "the Python venv $(venv_dir) (run interop/frameworks/setup.sh)"
		;;
	express-sync | express-csrf)
		command -v node >/dev/null 2>&1 || echo "node"
		[ -f "$(node_dir)/complete" ] || echo "node_modules in $(node_dir) (run interop/frameworks/setup.sh)"
		;;
	rails)
		command -v puma >/dev/null 2>&1 || echo "puma (Debian package puma)"
		# No pipes into grep -q here: under pipefail, grep's early exit fails the pipe.
		compgen -G '/usr/share/rubygems-integration/all/gems/devise-*' >/dev/null || echo "Devise (Debian package ruby-devise)"
		;;
	keycloak)
		command -v java >/dev/null 2>&1 || echo "java (Java 17 or newer)"
		[ -f "$(keycloak_dir)/complete" ] || echo "Keycloak $KEYCLOAK_VERSION in $(keycloak_dir) (run interop/frameworks/setup.sh)"
		;;
	sso-rp)
		command -v java >/dev/null 2>&1 || echo "java (Java 17 or newer)"
		[ -f "$(rp_dir)/complete" ] || echo "the relying party's jar in $(rp_dir) (run interop/frameworks/setup.sh)"
		;;
	laravel)
		command -v php >/dev/null 2>&1 || echo "php (Debian package php-cli)"
		[ -f /usr/share/php/Illuminate/autoload.php ] || echo "Laravel (Debian package php-laravel-framework)"
		grep -qx pdo_sqlite <<<"$(php -m 2>/dev/null)" || echo "PHP's pdo_sqlite (Debian package php-sqlite3)"
		;;
	esac
	command -v curl >/dev/null 2>&1 || echo "curl"
	return 0
}

# running DIR succeeds when the server recorded in DIR/pid is alive.
running() {
	[ -f "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null
}

# free_port prints a TCP port that is free on 127.0.0.1 now (the kernel's choice for port 0).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
