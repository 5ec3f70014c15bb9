# experiments/awk/run_facts.awk - what a sweep reads in a run directory
# besides summary.json.
#
#   awk -f run_facts.awk RUNDIR/cluster.ini RUNDIR/logs/*.log
#
# prints one "KEY<TAB>VALUE" line per fact:
#   cluster.KEY        every key = value of the cluster file's [cluster]
#   cluster.writers    nodes with role master, primary or standby
#   cluster.replicas   nodes with role replica
#   detect_ms          how long the first failed primary had been silent
#                      when the coordinator declared it down (its log's
#                      event=failover phase=detected silent_ms=...)
#   failover_ms        detect_ms plus the time from detection to the new
#                      primary's first acknowledged write (phase=first_write
#                      elapsed_ms=...): the write outage a failover costs
#   conflicts_logged   the LWW conflicts logged (event=conflict lines) by
#                      the node that logged the most
#   snapshots_installed  the snapshots the nodes installed, all together
#                      (event=snapshot_installed lines): a follower that
#                      came back behind a truncated log
# A fact the files do not hold is left out.
BEGIN { writers = 0; replicas = 0; conflicts = -1; nodelogs = 0; snapshots = 0 }

# field(name): the value of name=VALUE on the current line.
function field(name,   i) {
    for (i = 1; i <= NF; i++)
        if (index($i, name "=") == 1) return substr($i, length(name) + 2)
    return ""
}

FNR == 1 {
    section = ""
    is_log = (FILENAME ~ /\.log$/)
    if (is_log && FILENAME !~ /(coordinator|mm-load)\.log$/) { count[FILENAME] += 0; nodelogs++ }
}

# The cluster file.
!is_log && /^[[:space:]]*\[/ {
    section = $0
    gsub(/^[[:space:]]*\[[[:space:]]*|[[:space:]]*\][[:space:]]*$/, "", section)
    next
}
!is_log && /=/ && section ~ /^(cluster|node )/ {
    line = $0
    sub(/[[:space:]]+[;#].*$/, "", line)
    key = line; sub(/[[:space:]]*=.*$/, "", key); gsub(/^[[:space:]]+/, "", key)
    val = line; sub(/^[^=]*=[[:space:]]*/, "", val); sub(/[[:space:]]+$/, "", val)
    if (section == "cluster" && key != "data_dir") print "cluster." key "\t" val
    if (section ~ /^node / && key == "role") {
        if (val == "replica") replicas++
        else writers++
    }
    next
}

# The coordinator's log: its first complete failover.
is_log && FILENAME ~ /coordinator\.log$/ && /event=failover/ {
    if (/phase=detected/ && detect == "") detect = field("silent_ms")
    else if (/phase=first_write/ && detect != "" && first == "") first = field("elapsed_ms")
    next
}

# A node's log: its conflicts.
is_log && FILENAME !~ /(coordinator|mm-load)\.log$/ && /event=conflict( |$)/ { count[FILENAME]++ }
# ... and the snapshots it installed.
is_log && FILENAME !~ /(coordinator|mm-load)\.log$/ && /event=snapshot_installed( |$)/ { snapshots++ }

END {
    print "cluster.writers\t" writers
    print "cluster.replicas\t" replicas
    if (detect != "" && first != "") {
        print "detect_ms\t" detect
        print "failover_ms\t" detect + first
    }
    for (f in count) if (count[f] > conflicts) conflicts = count[f]
    if (conflicts >= 0) print "conflicts_logged\t" conflicts
    if (nodelogs > 0) print "snapshots_installed\t" snapshots
}
