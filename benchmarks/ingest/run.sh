#!/usr/bin/env bash
# Ingest versus the single-thread floor (gunzip + Jackson parse). Keep MESSAGES <= 200000 on shared
# machines. Usage: benchmarks/ingest/run.sh [MESSAGES] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
MESSAGES=${1:-100000}
WORK=${2:-/tmp/oasst-ingest-bench}
mkdir -p "$WORK"
MAVEN_OPTS=-Xmx512m mvn -q -B -o -pl pipeline-core compile
mvn -q -B -o -pl pipeline-core dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt"
CP="pipeline-core/target/classes:$(cat "$WORK/cp.txt")"
OPENS=$(sed -n 's:.*<spark.java.opens>\(.*\)</spark.java.opens>.*:\1:p' pom.xml)
FILE="$WORK/bench-$MESSAGES.trees.jsonl.gz"
[ -f "$FILE" ] || java -cp "$CP" benchmarks/ingest/IngestBenchmark.java gen "$MESSAGES" "$FILE"
ls -l "$FILE"
java -cp "$CP" benchmarks/ingest/IngestBenchmark.java floor "$FILE"
java -cp "$CP" benchmarks/ingest/IngestBenchmark.java floor "$FILE"
rm -rf "$WORK/out"
# shellcheck disable=SC2086
java $OPENS -Xmx4g -cp "$CP" benchmarks/ingest/IngestBenchmark.java ingest "$FILE" "$WORK/out"
