# Sourced by ./mvnw and ./microsettle: finds a JDK new enough for the build.
# JAVA_HOME if it is new enough, else `java` on PATH, else the newest JDK in the usual
# install locations. Needs $java_release (the lowest feature release accepted).

java_major() { # prints the feature release of the java binary $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1 | sed 's/^1\.//' || echo 0
}

pick_java_home() {
  local candidates=() c
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$c/bin/javac" ] && candidates+=("$c")
  done
  local best="" best_major=0 m
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    m=$(java_major "$c/bin/java")
    if [ "${m:-0}" -ge "$java_release" ] && [ "$m" -gt "$best_major" ]; then best="$c"; best_major=$m; fi
    # JAVA_HOME wins when it is new enough
    if [ -n "$best" ] && [ "$c" = "${JAVA_HOME:-}" ]; then break; fi
  done
  if [ -z "$best" ]; then
    echo "mvnw: no JDK $java_release or newer found (set JAVA_HOME to one)" >&2
    exit 1
  fi
  echo "$best"
}

