# experiments/awk/roles.awk - the nodes of a cluster file (cluster.ini) and
# their roles, in the file's order: one "NODE<TAB>ROLE" line for each
# [node NAME] section that has a "role = ROLE" line.
/^\[node / { node = $2; sub(/\]$/, "", node); next }
/^\[/ { node = "" }
node != "" && $1 == "role" { print node "\t" $3 }
