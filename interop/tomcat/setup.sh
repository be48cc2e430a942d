#!/usr/bin/env bash
# Installs Debian's Tomcat 10 packages (server, examples webapp, manager webapp)
# for the Tomcat interop tests. Idempotent: does nothing when they are present.
# Never starts or leaves running the system service: the tests start their own
# instance with a private CATALINA_BASE (see start.sh).
#
# Usage: interop/tomcat/setup.sh        (as root, or through sudo)
set -euo pipefail

pkgs=(tomcat10 tomcat10-examples tomcat10-admin)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	sudo=(sudo)
fi

# Keep maintainer scripts from starting the service: a policy-rc.d that
# answers 101 ("action forbidden") is honoured by invoke-rc.d and
# deb-systemd-invoke. Only add one when none exists, and remove it afterwards.
policy=/usr/sbin/policy-rc.d
added_policy=0
cleanup() {
	if [ "$added_policy" -eq 1 ]; then
		"${sudo[@]}" rm -f "$policy"
	fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod 0755 "$policy"
	added_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { "${sudo[@]}" apt-get update -q && "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	echo "setup.sh: installing ${missing[*]} failed" >&2
	exit 1
fi
rm -f "$log"

# Belt and braces: if a service manager started the system instance anyway,
# stop it so that it neither holds port 8080 nor runs beside the tests.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet tomcat10 2>/dev/null; then
	"${sudo[@]}" systemctl stop tomcat10 || true
	"${sudo[@]}" systemctl disable tomcat10 >/dev/null 2>&1 || true
fi

for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
		echo "setup.sh: $p is still not installed" >&2
		exit 1
	fi
done
echo "setup.sh: installed ${missing[*]}"
