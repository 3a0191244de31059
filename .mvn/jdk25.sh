# Sourced (POSIX sh) by ./mvnw and ./attention-search: points JAVA_HOME at a Java 25 JDK.
# Looks at JAVA_HOME, then `java` on PATH, then the JDKs under /usr/lib/jvm.
# Prints one sentence and returns 1 when there is none.

_as_is_jdk25() {
  [ -x "$1" ] && [ -x "$(dirname "$1")/javac" ] || return 1
  # The JDK's release file says its version without starting a JVM (a start costs a tenth of a second or more).
  _as_release="$(dirname "$(readlink -f "$1" 2>/dev/null || echo "$1")")/../release"
  if [ -f "$_as_release" ]; then
    grep -q '^JAVA_VERSION="25[."]' "$_as_release" && return 0
    grep -q '^JAVA_VERSION=' "$_as_release" && return 1
  fi
  [ "$("$1" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)" = "25" ]
}

use_jdk25() {
  case $- in *f*) _as_noglob=1; set +f ;; *) _as_noglob= ;; esac  # ./mvnw runs with globbing off
  for _as_j in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/*/bin/java; do
    if [ -n "$_as_j" ] && _as_is_jdk25 "$_as_j"; then
      JAVA_HOME="$(cd "$(dirname "$_as_j")/.." && pwd -P)"
      export JAVA_HOME
      [ -n "$_as_noglob" ] && set -f
      return 0
    fi
  done
  [ -n "$_as_noglob" ] && set -f
  echo "attention-search needs a Java 25 JDK: install one (e.g. Temurin 25 or OpenJDK 25) and set JAVA_HOME to it." >&2
  return 1
}
