# security = curve: only the keys of the right roles get in, and each key
# may do what its role allows. An attacker here knows every endpoint and
# every public key (they are public), and has key pairs of its own.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 1 security=curve coordinator=1 coord.requirepass=s3cret
cluster up >/dev/null
keys=$(mmctl security | cut -f2)

# `cluster up` made a pair for every identity; secret keys are 0600.
for id in m1 m2 r1 coordinator admin client; do
    [ -s "$keys/$id.public" ] || fail "no public key for $id"
    [ "$(stat -c %a "$keys/$id.secret")" = 600 ] || fail "$id.secret is not 0600"
done
say "keys: a pair per identity in $keys, secrets 0600"

mmctl --node m1 put a 1 >/dev/null || fail "a client key cannot write"
mmctl --node coordinator put b 2 >/dev/null || fail "a client key cannot write through the coordinator"
for i in $(seq 1 50); do [ "$(mmctl --node r1 get b 2>/dev/null)" = 2 ] && break; sleep 0.1; done
[ "$(mmctl --node r1 get b)" = 2 ] || fail "replication does not work with curve"
say "client key: writes and reads, through the coordinator too; r1 follows"

# A client key cannot send admin commands; the coordinator's only PROMOTE
# and DEMOTE; the admin key everything.
refusal=$(mmctl --node m1 --key client fault heal 2>&1) && fail "a client key injected a fault"
[[ $refusal == *"FAULT needs the admin key; this connection authenticated as client"* ]] ||
    fail "unclear refusal: $refusal"
out=$(mmctl --node m1 --key client promote 9 2>&1) && fail "a client key sent PROMOTE"
[[ $out == *"PROMOTE needs the admin or coordinator key"* ]] || fail "unclear refusal: $out"
out=$(mmctl --node m1 --key coordinator fault heal 2>&1) && fail "the coordinator key injected a fault"
mmctl --node m1 fault heal >/dev/null || fail "the admin key cannot inject faults"
mmctl --node m1 ping >/dev/null || fail "m1 stopped answering after refusals"
say "client key: ${refusal#mmctl: fault: }; admin key: fault ok"

# Keys of strangers: a fresh key set in another directory, with the
# cluster's real public keys copied in so that the stranger can aim at the
# real servers.
evil=$DIR/evil.ini
sed "s#^data_dir = .*#data_dir = $DIR/evil#" "$CFG" >"$evil"
awk -v k="keys = $DIR/evil/keys" '{ print } /^\[cluster\]/ { print k }' "$evil" >"$evil.tmp"
mv "$evil.tmp" "$evil"
"$MM_BIN/mmctl" --config "$evil" keygen >/dev/null
emmctl() { "$MM_BIN/mmctl" --config "$evil" "$@"; }
for id in m1 r1 coordinator; do cp -f "$keys/$id.public" "$DIR/evil/keys/$id.public"; done

out=$(emmctl --node m1 --timeout 1500 get a 2>&1) && fail "an unknown client key read from m1"
[[ $out == *"refused: the server does not accept our key"* ]] || fail "unclear refusal: $out"
out=$(emmctl --node coordinator --timeout 1500 get a 2>&1) &&
    fail "an unknown client key read through the coordinator"
grep -q 'event=connection_refused socket=client .*reason="unknown key"' \
    "$DIR/data/m1.log" || fail "m1 did not log the unknown key"
say "unknown client key: ${out#mmctl: get: }"

# An impostor m2 with a key of its own: m1 and r1 must take nothing from
# it, and it must get nothing from them.
cluster stop m2
mkdir -p "$DIR/evil/data"
"$MM_BIN/mm-master" --config "$evil" --node m2 >"$DIR/evil/m2.log" 2>&1 &
imp=$!
for i in $(seq 1 50); do emmctl --node m2 --timeout 200 ping >/dev/null 2>&1 && break; sleep 0.1; done
emmctl --node m2 put injected evil >/dev/null || fail "the impostor does not take writes"
sleep 1.5
for n in m1 r1; do
    mmctl --node "$n" get injected >/dev/null 2>&1 && fail "$n took a record from the impostor"
done
[ "$(emmctl --node m2 get a 2>/dev/null)" = 1 ] && fail "the impostor got m1's records"
grep -q 'event=connection_refused socket=peer .*reason="unknown key"' "$DIR/data/m1.log" ||
    fail "m1 did not log the impostor's key"
kill "$imp"; wait "$imp" 2>/dev/null || true
say "impostor m2 (unknown key): nothing injected, nothing taken, refused at m1's peer socket"

# A node with no keys at all (security = off) cannot talk to the cluster.
plain=$DIR/plain.ini
sed -e "s#^data_dir = .*#data_dir = $DIR/plain#" -e 's/^security = curve/security = off/' \
    "$CFG" >"$plain"
grep -q '^security = off' "$plain" || fail "could not write the plain cluster file"
mkdir -p "$DIR/plain"
"$MM_BIN/mm-master" --config "$plain" --node m2 >"$DIR/plain/m2.log" 2>&1 &
imp=$!
for i in $(seq 1 50); do "$MM_BIN/mmctl" --config "$plain" --node m2 --timeout 200 ping >/dev/null 2>&1 && break; sleep 0.1; done
"$MM_BIN/mmctl" --config "$plain" --node m2 put plain 1 >/dev/null || fail "the keyless m2 does not take writes"
out=$("$MM_BIN/mmctl" --config "$plain" --node m1 --timeout 1000 get a 2>&1) &&
    fail "a plain client read from a curve node"
sleep 1.5
mmctl --node m1 get plain >/dev/null 2>&1 && fail "m1 took a record from a keyless node"
applied=$("$MM_BIN/mmctl" --config "$plain" --node m2 status | sed -n 's/^applied=//p')
[[ $applied == *"m1:0"* ]] || fail "the keyless m2 got m1's records: applied=$applied"
grep -q 'event=handshake_failed socket=peer' "$DIR/data/m1.log" ||
    fail "m1 did not log the keyless handshake"
kill "$imp"; wait "$imp" 2>/dev/null || true
say "keyless m2: no records either way (applied=$applied); a plain client gets nothing"

cluster start m2 >/dev/null
mmctl --node m2 put back 1 >/dev/null || fail "the real m2 does not come back"
wait_converged 10

# The RESP front: nothing before AUTH; a wrong password is refused.
port=$(resp_port)
rc() { redis-cli -p "$port" "$@" 2>/dev/null; }
[[ $(rc GET a) == NOAUTH* ]] || fail "the RESP front answered before AUTH"
[[ $(rc AUTH guess) == WRONGPASS* ]] || fail "a wrong password was taken"
[ "$(rc -a s3cret GET a)" = 1 ] || fail "AUTH with the password does not work"
[ "$(printf 'AUTH default s3cret\r\nSET c 3\r\nGET c\r\n' | rc)" = "$(printf 'OK\nOK\n3')" ] ||
    fail "AUTH default PASSWORD does not work"
say "RESP: NOAUTH before AUTH, WRONGPASS for a guess, the password works"

# A secret key other users can read stops the node, with the reason.
chmod 644 "$keys/r1.secret"
cluster stop r1
out=$(cluster start r1 2>&1) && fail "r1 started with a world-readable secret key"
grep -q "r1.secret can be read by other users (mode 0644): chmod 600 it" "$DIR/data/r1.log" ||
    fail "unclear key error: $(tail -n 2 "$DIR/data/r1.log")"
chmod 600 "$keys/r1.secret"
cluster start r1 >/dev/null
say "r1.secret 0644: r1 refuses to start and says why"

# Only the coordinator's and the admin's keys speak for the epoch: a
# client key that names a newer one is refused, but cannot fence the
# primary (which, with security = off, any request could).
cluster down
rm -rf "$DIR"
mk_cluster 2 0 layout=primary-standby ack=standby security=curve
cluster up >/dev/null
out=$(mmctl --node p1 --epoch 7 put x 1 2>&1) && fail "p1 took a write of epoch 7"
mmctl --node p1 put y 1 >/dev/null || fail "a client key naming epoch 7 fenced p1"
mmctl --node p1 --key admin --epoch 7 status >/dev/null
out=$(mmctl --node p1 put z 1 2>&1) && fail "the admin key's epoch 7 did not fence p1"
[[ $out == *"has heard of epoch 7"* ]] || fail "unclear refusal: $out"
say "epoch 7 from a client key: refused, p1 still writes; from the admin key: p1 fenced"
