# Malformed frames, oversized keys/values, unknown commands, writes to a
# replica and broken cluster files get a clear error; the node keeps serving.
. "$(dirname "$0")/lib.sh"
mk_cluster 1 1
cluster up >/dev/null
ep=$(mmctl nodes | awk -F'\t' '$1 == "m1" { print $3 }')
rep=$(mmctl nodes | awk -F'\t' '$1 == "r1" { print $3 }')

expect() { # expect PATTERN ARGS...: send a frame, check the reply
    local pat=$1; shift
    local out; out=$("$MM_BIN/mm-rawsend" "$@") || fail "no reply to $*"
    [[ $out == $pat ]] || fail "for '$*' expected '$pat', got '$out'"
    say "$* -> $out"
    mmctl --node m1 ping >/dev/null || fail "m1 stopped answering after $*"
}
expect "ERROR 1001 *"  "$ep" --garbage 0
expect "ERROR 1001 *"  "$ep" --garbage 17
expect "ERROR 1002 *"  "$ep" --garbage 60
expect "ERROR 1002 *"  "$ep" --version 9
expect "ERROR 1001 *"  "$ep" --truncate 49
expect "ERROR 1001 *"  "$ep" --klen-field 40
expect "ERROR 1004 *"  "$ep" --append 3
expect "ERROR 1003 *"  "$ep" --key-size 2000
expect "ERROR 1003 *"  "$ep" --vlen-field 4000000 --value-size 10
expect "ERROR 1003 *"  "$ep" --value-size 1048600
expect "ERROR 1009 unknown command 99*" "$ep" --cmd 99
expect "ERROR 1004 empty key*" "$ep" --key ""
expect "OK"            "$ep" --value-size 1048576
expect "ERROR 1007 read-only*" "$rep"

mmctl --node m1 put still works >/dev/null
[ "$(mmctl --node m1 get still)" = works ] || fail "m1 lost a write after bad input"
bad=$(mmctl --node m1 status | sed -n 's/^bad_requests=//p')
say "m1 counted $bad bad requests and kept serving"
[ "$bad" -ge 12 ] || fail "bad_requests=$bad, expected at least 12"

# A broken cluster file: a clear message with the line number, exit 1.
printf '[cluster]\nclock = lamport\n' >"$DIR/broken.ini"
if out=$("$MM_BIN/mm-master" --config "$DIR/broken.ini" --node m1 2>&1); then
    fail "mm-master started with a broken cluster file"
fi
[[ $out == *"broken.ini:2:"*"lamport"* ]] || fail "unclear config error: $out"
say "broken config -> $out"
# The wrong program for a role is refused too.
out=$("$MM_BIN/mm-replica" --config "$CFG" --node m1 2>&1) && fail "mm-replica ran a master"
[[ $out == *"is a master"* ]] || fail "unclear role error: $out"
say "wrong role -> $out"
