#!/usr/bin/env bash
# Builds the Spring Security fixture jars, one per Spring Boot version, with Maven.
#
# Usage:
#   interop/spring/build.sh [boot3|boot4]...     (default: both)
#
# A build is skipped when the jar exists and its sources are unchanged since it was built (a hash of the module's
# pom.xml and sources, the shared sources under common/, testdata/jwt-public.pem and this script, kept next to the
# jar). Prints one line per version: "VERSION JAR-PATH".
#
# Needs Java 17+ and Maven on PATH, and Maven Central for the first build (dependencies go to ~/.m2).
# Environment: MVN (default mvn), MAVEN_ARGS_EXTRA (appended to the Maven command line).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mvn=${MVN:-mvn}

die() {
	echo "build.sh: $*" >&2
	exit 1
}

source_hash() {
	local version=$1
	(
		cd "$here"
		{
			find common "$version" -path "$version/target" -prune -o -type f -print
			echo testdata/jwt-public.pem
			echo build.sh
		} | LC_ALL=C sort | while IFS= read -r f; do
			printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
		done
	) | sha256sum | cut -d' ' -f1
}

versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
	versions=(boot3 boot4)
fi

command -v java >/dev/null || die "java not found on PATH (Java 17 or newer is needed)"
command -v "$mvn" >/dev/null || die "$mvn not found on PATH (Apache Maven is needed)"

for version in "${versions[@]}"; do
	case $version in
	boot3 | boot4) ;;
	*) die "unknown version $version (want boot3 or boot4)" ;;
	esac
	jar=$here/$version/target/limpet-spring-fixture-$version.jar
	stamp=$here/$version/target/source.sha256
	hash=$(source_hash "$version")
	if [ -f "$jar" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
		echo "$version $jar"
		continue
	fi
	rm -f "$stamp"
	# shellcheck disable=SC2086 # MAVEN_ARGS_EXTRA is a list of words on purpose.
	(cd "$here/$version" && "$mvn" -B -q -Dstyle.color=never -DskipTests package ${MAVEN_ARGS_EXTRA:-} >&2) ||
		die "Maven build of $version failed"
	[ -f "$jar" ] || die "Maven built no $jar"
	echo "$hash" >"$stamp"
	echo "$version $jar"
done
