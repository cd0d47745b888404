#!/usr/bin/env bash
# Times the dataset stage (SFT, top-1, RM ranked and pairs, RL prompts, leakage checks, cards and the
# export variants) on a synthetic trees input.
#
#   benchmarks/build-bench.sh SIZE [--set key=value ...]
#     SIZE: 20k (quick check, generated here), 100k, 1m, 10m (from benchmarks/synth-inputs.sh)
#   benchmarks/build-bench.sh 1m --set datasets.compat=reference --set datasets.exports.enabled=false
#
# The ingest into OUT/tables/messages is done once per size and reused (timed separately);
# OUT=benchmarks/runs/build-SIZE. HEAP (default 6g) sizes the driver. Prints one JSON line per run and
# appends it to benchmarks/results/build-bench.jsonl together with /usr/bin/time's peak memory.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE="${1:?usage: build-bench.sh SIZE [--set key=value ...]}"
shift
DATA="$ROOT/benchmarks/data"
OUT="${OUT:-$ROOT/benchmarks/runs/build-$SIZE}"
HEAP="${HEAP:-6g}"
mkdir -p "$DATA" "$ROOT/benchmarks/results"

case "$SIZE" in
  20k)
    INPUT="$DATA/synth-20k.trees.jsonl.gz"
    if [[ ! -f "$INPUT" ]]; then
      CP_FILE="$ROOT/pipeline-core/target/synth-classpath.txt"
      (cd "$ROOT" && MAVEN_OPTS=-Xmx512m mvn -q -B -o -pl pipeline-core -am compile \
        && MAVEN_OPTS=-Xmx512m mvn -q -B -o -pl pipeline-core dependency:build-classpath -Dmdep.outputFile="$CP_FILE")
      java -Xmx512m -cp "$ROOT/pipeline-core/target/classes:$(cat "$CP_FILE")" \
        org.oasst.pipeline.core.synth.SynthMain --trees 8000 --output "$INPUT" --gzip --seed 42
    fi
    ;;
  100k|1m|10m)
    INPUT="$DATA/synth-$SIZE.trees.jsonl.gz"
    [[ -f "$INPUT" ]] || "$ROOT/benchmarks/synth-inputs.sh" "$SIZE"
    ;;
  *) echo "unknown size '$SIZE' (20k, 100k, 1m, 10m)" >&2; exit 2 ;;
esac

CP_FILE="$ROOT/dataset-builders/target/bench-classpath.txt"
# One reactor invocation, so pipeline-core resolves to its freshly built classes (the last module
# written, dataset-builders, leaves its classpath in CP_FILE).
(cd "$ROOT" && MAVEN_OPTS=-Xmx512m mvn -q -B -o -pl dataset-builders -am test-compile dependency:build-classpath \
       -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test)
CP="$ROOT/dataset-builders/target/test-classes:$ROOT/dataset-builders/target/classes:$ROOT/pipeline-core/target/classes:$(cat "$CP_FILE")"

# Spark's own launcher list (stack.md pitfall 1)
OPENS=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false)

TIME_FILE="$(mktemp)"
# Only the dataset outputs are rebuilt: tables/messages stays for the next run of this size.
rm -rf "$OUT/datasets" "$OUT/exports"
/usr/bin/time -f '%M' -o "$TIME_FILE" java -Xmx"$HEAP" "${OPENS[@]}" -cp "$CP" \
  org.oasst.pipeline.datasets.bench.DatasetBench "$INPUT" "$OUT" "$@" | tee "$TIME_FILE.out"
PEAK_KB="$(tail -1 "$TIME_FILE")"
LINE="$(grep '^{' "$TIME_FILE.out" | tail -1)"
echo "${LINE%\}},\"size\":\"$SIZE\",\"args\":\"$*\",\"peak_rss_mb\":$((PEAK_KB / 1024)),\"date\":\"$(date -u +%FT%TZ)\"}" \
  | tee -a "$ROOT/benchmarks/results/build-bench.jsonl"
rm -f "$TIME_FILE" "$TIME_FILE.out"
