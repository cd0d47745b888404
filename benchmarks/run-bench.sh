#!/usr/bin/env bash
# The pipeline as users run it, against the floor, in one run of this script:
#   floor    : single-thread gunzip + Jackson parse of every token of the input (reading it at all)
#   ingest   : `ingest` alone
#   datasets : `run --skip analyze,toxicity` = ingest + trees + every dataset (issue 6's target:
#              under a third of the original Python loader's SFT + top-1 + RM passes, 375 s at 1M
#              messages on this kind of machine: see ../shared/docs/baselines.md)
#   full     : `run` with every stage
# Each is timed REPEAT times (default 3) with /usr/bin/time (wall seconds, peak RSS); the medians go to
# benchmarks/results/run-<size>-<utc time>.txt. The runnable jar must exist (mvn -DskipTests package).
# The pipeline steps run through bin/oasst-pipeline, as the README runs them, with its class-data
# archive: when the archive is missing or older than the jar, an untimed `run` on a small synthetic
# input makes it first (LAUNCH=jar times `java -jar` instead, without the archive).
#
#   benchmarks/run-bench.sh 100k            SIZE: 100k, 1m, 10m (inputs from benchmarks/synth-inputs.sh)
#   REPEAT=1 STEPS="datasets" benchmarks/run-bench.sh 1m
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE="${1:-100k}"
REPEAT="${REPEAT:-3}"
STEPS="${STEPS:-floor ingest datasets full}"
JAR="$ROOT/pipeline-jobs/target/oasst-pipeline.jar"
INPUT="$ROOT/benchmarks/data/synth-$SIZE.trees.jsonl.gz"
WORK="${WORK:-/tmp/oasst-run-bench}"
RESULTS="$ROOT/benchmarks/results"
mkdir -p "$WORK" "$RESULTS"
[[ -f "$JAR" ]] || { echo "build the jar first: mvn -B -DskipTests package" >&2; exit 2; }
if [[ "${LAUNCH:-launcher}" == "jar" ]]; then
  LAUNCH="java -jar $JAR"
else
  LAUNCH="env OASST_NO_BUILD=1 $ROOT/bin/oasst-pipeline"
  ARCHIVE="${JAR%.jar}.jsa"
  if [[ ! -f "$ARCHIVE" || "$JAR" -nt "$ARCHIVE" ]]; then
    echo "making the launcher's class-data archive (untimed run on 300 synthetic trees) ..." >&2
    rm -rf "$WORK/warm-up"
    java -jar "$JAR" synth --trees 300 --output "$WORK/warm-up/input.trees.jsonl" >/dev/null 2>&1
    $LAUNCH run --input "$WORK/warm-up/input.trees.jsonl" --output "$WORK/warm-up/out" >/dev/null 2>&1
  fi
fi
[[ -f "$INPUT" ]] || "$ROOT/benchmarks/synth-inputs.sh" "$SIZE"
export OASST_SPARK_CONF="$ROOT/conf/spark-local.conf"
OUT_FILE="$RESULTS/run-$SIZE-$(date -u +%Y%m%dT%H%M%SZ).txt"

floor_cp() {
  local cp_file="$WORK/floor-cp.txt"
  [[ -f "$cp_file" ]] || (cd "$ROOT" && mvn -q -B -o -pl pipeline-core dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)
  echo "$ROOT/pipeline-core/target/classes:$(cat "$cp_file")"
}

command_for() {
  case "$1" in
    floor) echo "java -cp $(floor_cp) $ROOT/benchmarks/ingest/IngestBenchmark.java floor $INPUT" ;;
    ingest) echo "$LAUNCH ingest --input $INPUT --output $WORK/out-ingest" ;;
    datasets) echo "$LAUNCH run --input $INPUT --output $WORK/out-datasets --skip analyze,toxicity" ;;
    full) echo "$LAUNCH run --input $INPUT --output $WORK/out-full" ;;
  esac
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

{
  echo "# run-bench $SIZE, $(date -u +%FT%TZ), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# input: $INPUT ($(du -h "$INPUT" | cut -f1))"
  echo "# pipeline steps launched as: $LAUNCH"
  printf "%-9s %8s %8s %10s   %s\n" step runs wall_s peak_MiB walls
} | tee "$OUT_FILE"
for step in $STEPS; do
  cmd=$(command_for "$step")
  walls=(); rss=()
  for ((i = 1; i <= REPEAT; i++)); do
    rm -rf "$WORK/out-$step"
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" bash -c "$cmd" >"$WORK/$step.out" 2>"$WORK/$step.err" || {
      echo "$step failed: see $WORK/$step.err" >&2; tail -3 "$WORK/$step.err" >&2; exit 1; }
    read -r w m < "$WORK/time.txt"
    walls+=("$w"); rss+=("$m")
  done
  mw=$(printf "%s\n" "${walls[@]}" | median)
  mr=$(printf "%s\n" "${rss[@]}" | median)
  printf "%-9s %8d %8.1f %10.0f   %s\n" "$step" "$REPEAT" "$mw" "$((${mr%.*} / 1024))" "${walls[*]}" | tee -a "$OUT_FILE"
done
for m in "$WORK"/out-*/manifest.json; do
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); o=m["outputs"]; print("# %s: %d messages, %d trees" % (sys.argv[1], o["tables/messages"]["rows"], o.get("tables/trees", {}).get("rows", 0)))' "$m" | tee -a "$OUT_FILE"
done
echo "results in $OUT_FILE"
