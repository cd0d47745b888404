#!/usr/bin/env bash
# Tree reassembly benchmark. Usage (from the repository root):
#   benchmarks/trees-bench.sh messages=1000000 messages=10000000 chain=10000
# Defaults to a small run (messages=100000 chain=1000). Heap: BENCH_HEAP (default 6g).
# Prints one line per case: rounds of pointer jumping and seconds (per million messages).
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(messages=100000 chain=1000)
MAVEN_OPTS=${MAVEN_OPTS:--Xmx512m} mvn -q -B -o -Dstyle.color=never -pl pipeline-core -am test-compile
cp_file=pipeline-core/target/bench.classpath
MAVEN_OPTS=${MAVEN_OPTS:--Xmx512m} mvn -q -B -o -Dstyle.color=never -pl pipeline-core dependency:build-classpath \
  -Dmdep.outputFile="$PWD/$cp_file" -Dmdep.includeScope=test >/dev/null
# the root pom's spark.java.opens (Spark's own launcher list)
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
# shellcheck disable=SC2086
exec java -Xmx"${BENCH_HEAP:-6g}" $opens \
  -cp "pipeline-core/target/classes:pipeline-core/target/test-classes:$(cat "$cp_file")" \
  org.oasst.pipeline.core.trees.bench.TreesBench "${args[@]}"
