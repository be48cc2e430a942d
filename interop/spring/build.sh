#!/usr/bin/env bash
# Builds the Spring Security fixture, one per Spring Boot version, with Maven, and prepares it for quick starts.
#
# Usage:
#   interop/spring/build.sh [boot3|boot4]...     (default: both)
#
# For each version, under VERSION/target/ (ignored by git):
#   limpet-spring-fixture-VERSION.jar  Maven's executable jar
#   run-HASH/                          that jar extracted for launching (application jar + lib/), plus app.jsa, a
#                                      class-data-sharing archive recorded by one training start, and the marker
#                                      "complete"; a run directory never changes once complete, so a rebuild cannot
#                                      pull classes from under a running JVM
#   current                            the name of the newest complete run directory (what launchers use)
# HASH covers the module's pom.xml and sources, the shared common/ sources, testdata/jwt-public.pem, common.sh and
# this script: unchanged inputs mean no work at all. Run directories other than the current one are removed after a
# day. Prints one line per version: "VERSION JAR", JAR being the run directory's application jar.
#
# Needs Java 17+ and Maven on PATH, and Maven Central for the first build (dependencies go to ~/.m2).
# Environment: MVN (default mvn), MAVEN_ARGS_EXTRA (appended to the Maven command line), JAVA (default java).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
mvn=${MVN:-mvn}
java=${JAVA:-java}

source_hash() {
	local version=$1
	(
		cd "$here"
		{
			find common "$version" -path "$version/target" -prune -o -type f -print
			echo testdata/jwt-public.pem
			echo common.sh
			echo build.sh
		} | LC_ALL=C sort | while IFS= read -r f; do
			printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
		done
	) | sha256sum | cut -c1-16
}

versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
	versions=(boot3 boot4)
fi

command -v "$java" >/dev/null || die "$java not found (Java 17 or newer is needed)"
command -v "$mvn" >/dev/null || die "$mvn not found on PATH (Apache Maven is needed)"

for version in "${versions[@]}"; do
	check_version "$version"
	target=$here/$version/target
	name=limpet-spring-fixture-$version.jar
	run=run-$(source_hash "$version")
	if [ ! -f "$target/$run/complete" ]; then
		# shellcheck disable=SC2086 # MAVEN_ARGS_EXTRA is a list of words on purpose.
		(cd "$here/$version" && "$mvn" -B -q -Dstyle.color=never -DskipTests package ${MAVEN_ARGS_EXTRA:-} >&2) ||
			die "Maven build of $version failed"
		[ -f "$target/$name" ] || die "Maven built no $target/$name"
		rm -rf "${target:?}/$run"
		"$java" -Djarmode=tools -jar "$target/$name" extract --destination "$target/$run" >&2 ||
			die "extracting $target/$name failed"
		# The archive records the class path, so the training start names the jar exactly as launchers do.
		# The training start loads what a full start-up of the chains profile (every kind of chain) loads, then
		# exits; the archive lets later starts skip parsing and verifying those classes. Without it the fixture
		# still runs, only slower.
		tmp=$(mktemp -d)
		# shellcheck disable=SC2086 # the JVM options are lists of words on purpose.
		if ! (cd "$target/$run" && "$java" $DEFAULT_JAVA_OPTS -XX:ArchiveClassesAtExit=app.jsa \
			-Djava.io.tmpdir="$tmp" -Dspring.context.exit=onRefresh -jar "$target/$run/$name" \
			--spring.profiles.active=chains >training.log 2>&1); then
			echo "build.sh: the training start of $version failed (see $target/$run/training.log); no archive" >&2
			rm -f "$target/$run/app.jsa"
		fi
		rm -rf "$tmp"
		touch "$target/$run/complete"
	fi
	echo "$run" >"$target/current.tmp"
	mv -f "$target/current.tmp" "$target/current"
	find "$target" -maxdepth 1 -name 'run-*' ! -name "$run" -mmin +1440 -exec rm -rf {} +
	echo "$version $target/$run/$name"
done
