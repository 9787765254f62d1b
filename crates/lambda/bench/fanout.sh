#!/usr/bin/env bash
# The fan-out benchmark (BENCHMARKS.md, "Fan-out"): `magg run --executor
# lambda --concurrency 1700` from a shell whose open-file limit is NOFILE,
# against the synthetic Lambda stand-in (a quota of 1,000 concurrent
# executions, 2.0-6.0 s per shard growing with its granules), over a map of
# 1,427 fake shards. Prints magg's summary, the stand-in's counters, and the
# wall time against the ideal (total work / quota).
#
#   cargo build --release -p magg -p magg-lambda --features magg-lambda/emulator \
#       --bin magg --bin magg-lambda-standin
#   crates/lambda/bench/fanout.sh 1024        # `ulimit -n 1024` (soft and hard)
#   crates/lambda/bench/fanout.sh -S256       # `ulimit -Sn 256` (soft only, as macOS)
#
# Environment: BIN (default target/release), WORK (default /tmp/magg-fanout),
# QUOTA (1000), SHARDS (1427); further arguments go to `magg run`.
set -euo pipefail
limit=${1:-1024}; shift || true
BIN=${BIN:-target/release}
WORK=${WORK:-/tmp/magg-fanout}
QUOTA=${QUOTA:-1000}
SHARDS=${SHARDS:-1427}
rm -rf "$WORK"; mkdir -p "$WORK"
case "$limit" in
  -S*) ulimit_cmd="ulimit -Sn ${limit#-S}" ;;
  *) ulimit_cmd="ulimit -n $limit" ;;
esac

coproc STANDIN { "$BIN/magg-lambda-standin" --quota "$QUOTA" --map "$WORK/map.json" --shards "$SHARDS"; }
read -r _ endpoint <&"${STANDIN[0]}"
echo "stand-in: $endpoint, quota $QUOTA; magg under: $ulimit_cmd"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
set +e
bash -c "$ulimit_cmd && exec \"\$0\" \"\$@\"" "$BIN/magg" run --catalog "$WORK/map.json" \
  --store "$WORK/out.zarr" --quiet --executor lambda --function magg-worker \
  --endpoint-url "$endpoint" --concurrency 1700 "$@"
status=$?
set -e
exec {STANDIN[1]}>&-
read -r counters <&"${STANDIN[0]}"
wait "$STANDIN_PID" 2>/dev/null || true
echo "stand-in counters: $counters"
python3 - "$WORK/map.json" "$WORK/out.zarr.results.json" "$QUOTA" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2])); quota = int(sys.argv[3])
work = sum(1.9 + 0.1 * len(g) for g in m["shards"].values())
ideal = work / quota
print(f"shards {r['totals']['shards']}, failed {r['totals']['errors']}, not started {len(r['not_started'])}")
print(f"work {work:.0f} s; ideal {ideal:.2f} s (work / {quota}); wall {r['wall_seconds']:.2f} s = {r['wall_seconds'] / ideal:.3f} x ideal")
print("concurrency:", json.dumps(r.get("concurrency")))
PY
exit $status
