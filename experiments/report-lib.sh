# experiments/report-lib.sh - what experiments/report, experiments/index
# and experiments/sweep-report share: their command line, the tools they
# need, reading a run's clock mode and design, calling gnuplot, and turning Markdown
# into one self-contained HTML page.
#
# Sourced (not run) by each script, after it sets `prog` (its name, for
# messages) and `here` (the experiments/ directory). The pages are written
# once, as Markdown; render_html() renders that Markdown with cmark-gfm and
# wraps it in the stylesheet experiments/report.css (awk/html_page.awk),
# so the HTML never holds a fact the Markdown does not.

# usage: the script's opening comment, which is its manual.
usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}
die() { echo "$prog: $*" >&2; exit 2; }
fail() { echo "$prog: $*" >&2; exit 1; }

# parse_dir ARGS...: the one directory argument (-h/--help prints the usage
# and exits). Sets `dir`, which stays empty if none was given.
parse_dir() {
    dir=
    while [ $# -gt 0 ]; do
        case $1 in
        -h|--help) usage; exit 0 ;;
        --) shift; [ $# -gt 0 ] && { dir=$1; shift; }; break ;;
        -*) usage >&2; exit 2 ;;
        *) [ -z "$dir" ] || die "one directory at a time"; dir=$1; shift ;;
        esac
    done
    [ $# -eq 0 ] || die "one directory at a time"
}

# need TOOL...: fail with the Debian package to install for a missing tool.
need() {
    local t pkg
    for t in "$@"; do
        command -v "$t" >/dev/null && continue
        case $t in
        gnuplot) pkg=gnuplot-nox ;;
        base64) pkg=coreutils ;;
        *) pkg=$t ;;
        esac
        fail "needs $t (Debian package: $pkg; make deps installs it)"
    done
}

# run_clock RUNDIR: the run's clock mode: from its command line, else from
# its cluster file when the scenario set it; empty for the node default.
run_clock() {
    local c=
    [ -f "$1/command" ] &&
        c=$(grep -o -- '--cluster clock=[A-Za-z0-9_-]*' "$1/command" | tail -n 1 | cut -d= -f2 || true)
    if [ -z "$c" ] && [ -f "$1/cluster.ini" ]; then
        c=$(awk -F' *= *' '/^\[/ { c = ($0 == "[cluster]") } c && $1 == "clock" { v = $2 } END { print v }' "$1/cluster.ini")
    fi
    printf '%s' "$c"
}

# run_design RUNDIR: the design a run was built as (experiments/run
# --design), from its command line; empty for a scenario's own cluster.
run_design() {
    [ -f "$1/command" ] || return 0
    grep -o -- '--design [A-Za-z0-9._-]*' "$1/command" | tail -n 1 | cut -d' ' -f2 || true
}

# gp_str TEXT: TEXT as a gnuplot string literal (single quotes, doubled).
gp_str() { printf "'%s'" "${1//\'/\'\'}"; }

# plot NAME SETTINGS: run experiments/plots/NAME.gp after the settings
# (gnuplot statements, e.g. "out='x.png'; rows=3") and, for the run plots
# on a time axis, plots/frame.gp. Its errors go to $tmp/NAME.err.
plot() {
    local files=("$here/plots/$1.gp")
    case $1 in
    latency|throughput|lag|stale) files=("$here/plots/frame.gp" "${files[@]}") ;;
    esac
    gnuplot -e "$2" "${files[@]}" 2>"$tmp/$1.err"
}

# render_html MD TITLE CLASS BASEDIR: the page for MD on stdout. CLASS is
# the body's class (pass, fail or index); PNG files that MD shows are read
# from BASEDIR and embedded, so the page needs no other file.
render_html() {
    cmark-gfm --extension table "$1" |
        awk -f "$here/awk/html_page.awk" -v css="$here/report.css" \
            -v title="$2" -v page="$3" -v dir="$4"
}
