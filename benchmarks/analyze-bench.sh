#!/usr/bin/env bash
# Times `analyze` (QualityStage.run) against one scan of every column it uses.
# usage: benchmarks/analyze-bench.sh [--trees N | --output DIR | INPUT...]
#   --trees N     generate N synthetic trees first (synth generator; ~2.5 messages per tree)
#   --output DIR  an existing output folder with tables/messages (e.g. from run-bench.sh 10m): no ingest;
#                 the analyses are written into it
#   INPUT...      OASST JSONL / Parquet inputs (default: the real OpenPaws sample)
# BENCH_MAIN=PerUserFloorBench with --output DIR times the least the per-user outputs cost instead
# (scan, per-user aggregation, sorted write; see that class).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${BENCH_DIR:-$(mktemp -d /tmp/analyze-bench.XXXXXX)}
INPUTS=()
OUT="$WORK/out"
if [[ "${1:-}" == "--output" ]]; then
  OUT=$2
elif [[ "${1:-}" == "--trees" ]]; then
  TREES=$2
  INPUTS=("$WORK/synth.trees.jsonl")
elif [[ $# -gt 0 ]]; then
  INPUTS=("$@")
else
  INPUTS=("$(pwd)/../shared/data/real/openpaws_oasst2_filtered.trees.jsonl")
  [[ -f "${INPUTS[0]}" ]] || INPUTS=(/work/shared/data/real/openpaws_oasst2_filtered.trees.jsonl)
fi

MAVEN_OPTS=-Xmx512m mvn -q -B -o -pl quality-analysis -am test-compile \
  dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=test >/dev/null
CP="pipeline-core/target/classes:pipeline-core/target/test-classes:quality-analysis/target/classes:quality-analysis/target/test-classes:$(cat "$WORK/cp.txt")"
OPENS=$(sed -n 's:.*<spark.java.opens>\(.*\)</spark.java.opens>.*:\1:p' pom.xml)

if [[ -n "${TREES:-}" ]]; then
  java $OPENS -Xmx2g -cp "$CP" org.oasst.pipeline.core.synth.SynthMain \
    --trees "$TREES" --output "${INPUTS[0]}" --seed 7
fi
/usr/bin/time -v java $OPENS -Xmx${BENCH_HEAP:-4g} -cp "$CP" \
  org.oasst.pipeline.quality.bench.${BENCH_MAIN:-AnalyzeBench} "$OUT" "${INPUTS[@]}" 2> "$WORK/time.txt" | tee "$WORK/result.txt"
grep -E "Elapsed|Maximum resident" "$WORK/time.txt" || true
echo "work dir: $WORK"
grep -E "Exception|Error" "$WORK/time.txt" | head -5 || true
