#!/usr/bin/env bash
# t_resp_front.sh - the RESP front behaves like Redis to a client that
# pushes it: values of any size up to 1 MiB (the empty one too) and -ERR
# beyond with the connection kept; replies to a half-closed client;
# a pipelined GET reads the SET just before it; commands with thousands of
# arguments; idle clients that lock nobody out; a client cap that keeps
# room for INFO, and an idle timeout. Raw sockets: tests/cluster/resp_probe.py.
. "$(dirname "$0")/lib.sh"
py=$(python_with socket)
[ -n "$py" ] || { say "skip: no python3"; exit 0; }
probe() { "$py" "$top/tests/cluster/resp_probe.py" "$(resp_port)" "$@"; }

# One master and two asynchronous replicas: a read sent to a replica right
# after a write would often miss it.
mk_cluster 1 2 coordinator=1
cluster up >/dev/null
probe values
probe halfclose
probe ryw 50
probe args
probe idle 1100
cluster down

mk_cluster 1 1 coordinator=1 coord.max_clients=40 coord.idle_timeout_s=2
cluster up >/dev/null
probe cap 40 2
