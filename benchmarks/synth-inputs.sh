#!/usr/bin/env bash
# Writes the benchmark inputs: synthetic OASST trees JSONL, gzip, of about 100k, 1M and 10M messages
# (~2.5 messages per tree), into benchmarks/data/. Same seed, same bytes: the files are reproducible.
#
#   benchmarks/synth-inputs.sh [SIZE...]      SIZE: 100k, 1m, 10m (default: all three)
#   FORCE=1 benchmarks/synth-inputs.sh 1m     rewrite a file that exists
#   SEED=7 THREADS=2 benchmarks/synth-inputs.sh
#
# Uses the runnable jar (pipeline-jobs/target/oasst-pipeline.jar) when it exists, otherwise the
# generator's own main from pipeline-core's classes (built with Maven if needed).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="$ROOT/benchmarks/data"
SEED="${SEED:-42}"
THREADS="${THREADS:-2}"
JAR="$ROOT/pipeline-jobs/target/oasst-pipeline.jar"
mkdir -p "$DATA"

trees_for() {
  case "$1" in
    100k) echo 40000 ;;      # ~99.5k messages, ~200 MB plain, ~48 MB gzip
    1m) echo 400000 ;;       # ~1.0M messages, ~2.0 GB plain, ~480 MB gzip
    10m) echo 4000000 ;;     # ~10M messages, ~20 GB plain, ~4.8 GB gzip
    *) echo "unknown size '$1' (expected 100k, 1m or 10m)" >&2; exit 2 ;;
  esac
}

synth() {
  if [[ -f "$JAR" ]]; then
    java -jar "$JAR" synth "$@"
  else
    local cp_file="$ROOT/pipeline-core/target/synth-classpath.txt"
    if [[ ! -f "$cp_file" || ! -d "$ROOT/pipeline-core/target/classes/org/oasst/pipeline/core/synth" ]]; then
      (cd "$ROOT" && MAVEN_OPTS=-Xmx512m mvn -q -B -pl pipeline-core -am compile \
        && MAVEN_OPTS=-Xmx512m mvn -q -B -pl pipeline-core dependency:build-classpath \
             -Dmdep.outputFile="$cp_file")
    fi
    java -Xmx512m -cp "$ROOT/pipeline-core/target/classes:$(cat "$cp_file")" \
      org.oasst.pipeline.core.synth.SynthMain "$@"
  fi
}

sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(100k 1m 10m)
for size in "${sizes[@]}"; do
  trees="$(trees_for "$size")"
  out="$DATA/synth-$size.trees.jsonl.gz"
  if [[ -f "$out" && "${FORCE:-0}" != 1 ]]; then
    echo "exists, kept: $out (FORCE=1 to rewrite)"
    continue
  fi
  echo "writing $out ($trees trees, seed $SEED)"
  synth --trees "$trees" --seed "$SEED" --gzip --threads "$THREADS" --output "$out"
done
