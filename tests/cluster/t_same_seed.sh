# Same seed, same operation sequence: every client issues the same
# operations (kind, key, value, node) in the same order in two runs with the
# same seed, whatever the timing; another seed gives another sequence. The
# same holds for the fault schedule experiments/run draws from the seed.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 2
cluster up >/dev/null
ops() { # ops SEED FILE: the per-client invoke sequence of a short run
    "$MM_BIN/mm-load" --config "$CFG" --seed "$1" --clients 4 --inflight 4 \
        --ops 2000 --keys 50 --reads 0.3 --deletes 0.1 --route random \
        --dist zipf --history "$DIR/h$1.$2" --quiet >/dev/null
    grep '"type":"invoke"' "$DIR/h$1.$2" |
        sed 's/^{"t":[0-9]*,//' | sort -s -t, -k1,1 >"$DIR/ops$1.$2"
}
ops 7 a
ops 7 b
ops 8 a
n=$(wc -l <"$DIR/ops7.a")
[ "$n" -eq 2000 ] || fail "expected 2000 invocations, got $n"
cmp -s "$DIR/ops7.a" "$DIR/ops7.b" || fail "seed 7 gave two different operation sequences"
say "seed 7 twice: the same $n operations in the same per-client order"
! cmp -s "$DIR/ops7.a" "$DIR/ops8.a" || fail "seeds 7 and 8 gave the same sequence"
say "seed 8: a different sequence"

# The runner's fault schedule too: a node written random-node is drawn from
# the seed (crash-loop draws 21 of them).
sched() { "$top/experiments/run" crash-loop --seed "$1" --schedule; }
sched 7 >"$DIR/sched7.a"
sched 7 >"$DIR/sched7.b"
sched 8 >"$DIR/sched8"
[ "$(wc -l <"$DIR/sched7.a")" -ge 20 ] || fail "crash-loop schedules fewer than 20 kills"
cmp -s "$DIR/sched7.a" "$DIR/sched7.b" || fail "seed 7 gave two different fault schedules"
! cmp -s "$DIR/sched7.a" "$DIR/sched8" || fail "seeds 7 and 8 gave the same fault schedule"
say "the fault schedule: the same for seed 7 twice ($(cut -f3 "$DIR/sched7.a" | cut -d' ' -f1 | sort | uniq -c | xargs)), another for seed 8"
