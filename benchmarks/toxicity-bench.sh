#!/usr/bin/env bash
# Toxicity stage benchmark on synthetic data: correlation matrix and Table 2 versus one plain scan of
# the same columns, scorer training time, scoring rate, held-out scorer quality.
# Usage: benchmarks/toxicity-bench.sh [TREES] [tables]   (default 20000 trees; "tables" skips the scorer)
# Results: benchmarks/results/toxicity-<UTC time>.txt
set -euo pipefail
cd "$(dirname "$0")/.."
trees="${1:-20000}"
tables_only=false; [ "${2:-}" = tables ] && tables_only=true
mkdir -p benchmarks/results
out="benchmarks/results/toxicity-$(date -u +%Y%m%dT%H%M%SZ).txt"
MAVEN_OPTS=-Xmx512m mvn -q -B -o -pl toxicity-correlation -am test \
  -Dtest=ToxicityBenchTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtoxicity.bench.trees="$trees" -Dtoxicity.bench.tables_only="$tables_only" -Dsurefire.heap=-Xmx4g 2>&1 | grep '^BENCH' | tee "$out"
echo "written: $out"
