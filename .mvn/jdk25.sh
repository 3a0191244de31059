# Sourced (POSIX sh) by ./mvnw and ./attention-search: points JAVA_HOME at a Java 25 JDK.
# Looks at JAVA_HOME, then `java` on PATH, then the JDKs under /usr/lib/jvm.
# Prints one sentence and returns 1 when there is none.
# Every start of ./attention-search runs this, so it starts as few processes as it can (each one
# costs milliseconds, many more on a busy machine): shell expansions instead of dirname, a read
# loop instead of grep, readlink only for a java that is a symbolic link.

_as_is_jdk25() {
  [ -x "$1" ] && [ -x "${1%/*}/javac" ] || return 1
  # The JDK's release file says its version without starting a JVM (a start costs a tenth of a second or more).
  if [ -L "$1" ]; then
    _as_real="$(readlink -f "$1" 2>/dev/null || echo "$1")"
  else
    _as_real="$1"
  fi
  _as_release="${_as_real%/*}/../release"
  if [ -f "$_as_release" ]; then
    while IFS= read -r _as_line || [ -n "$_as_line" ]; do
      case "$_as_line" in
        JAVA_VERSION=\"25.*|JAVA_VERSION=\"25\"*) return 0 ;;
        JAVA_VERSION=*) return 1 ;;
      esac
    done < "$_as_release"
  fi
  [ "$("$1" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)" = "25" ]
}

use_jdk25() {
  case $- in *f*) _as_noglob=1; set +f ;; *) _as_noglob= ;; esac  # ./mvnw runs with globbing off
  for _as_j in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/*/bin/java; do
    if [ -n "$_as_j" ] && _as_is_jdk25 "$_as_j"; then
      JAVA_HOME="$(cd "${_as_j%/*}/.." && pwd -P)"
      export JAVA_HOME
      [ -n "$_as_noglob" ] && set -f
      return 0
    fi
  done
  [ -n "$_as_noglob" ] && set -f
  echo "attention-search needs a Java 25 JDK: install one (e.g. Temurin 25 or OpenJDK 25) and set JAVA_HOME to it." >&2
  return 1
}
