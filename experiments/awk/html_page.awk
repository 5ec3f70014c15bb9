# experiments/awk/html_page.awk - makes one self-contained HTML page out of
# cmark-gfm's rendering of a report (or of the index).
#
#   cmark-gfm -e table report.md |
#       awk -f html_page.awk -v css=report.css -v title=TEXT -v page=pass -v dir=RUNDIR
#
# It adds presentation only, never a fact, so the page says exactly what
# the Markdown says:
#   - the <head>: the title and the stylesheet, inlined;
#   - structure for the stylesheet: what comes before the first <h2> is the
#     page's banner, each <h2> opens a <section> whose id is made from the
#     heading ("Fault windows" -> fault-windows, as GitHub names anchors),
#     each <h3> opens a part of its section, and what follows the last
#     <hr /> is the footer; tables get a wrapper that scrolls sideways;
#   - the status marks the Markdown uses (✔ good, ⚠ warn, ✘ bad, ℹ info)
#     become spans of class "mark KIND", so the stylesheet can colour them
#     and the row or card that holds them;
#   - every <img src="NAME.png"> whose file is in dir is embedded as a
#     data: URI (base64), so the page needs no other file and no network.

function esc(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
    gsub(/"/, "\\&quot;", s)
    return s
}

# slug(html): the anchor name of a heading.
function slug(s) {
    gsub(/<[^>]*>/, "", s)
    s = tolower(s)
    gsub(/[^a-z0-9]+/, "-", s)
    gsub(/^-+|-+$/, "", s)
    return s
}

function close_part() {
    if (in_part) print "</div>"
    in_part = 0
}

# start_block(tag, attrs): close the part and the block that are open, and
# open another (none for tag "").
function start_block(tag, attrs) {
    close_part()
    if (block != "") print "</" block ">"
    block = tag
    if (tag != "") print "<" tag attrs ">"
}

# inline_png(line): the line with its PNG image, if any, embedded.
function inline_png(line,   name, path, cmd, b64) {
    if (!match(line, /src="[A-Za-z0-9._-]+\.png"/)) return line
    name = substr(line, RSTART + 5, RLENGTH - 6)
    path = dir "/" name
    if ((getline b64 < path) < 0) return line
    close(path)
    gsub(/'/, "'\\''", path)
    cmd = "base64 -w0 '" path "'"
    b64 = ""
    cmd | getline b64
    close(cmd)
    return substr(line, 1, RSTART - 1) "src=\"data:image/png;base64," b64 "\"" \
        substr(line, RSTART + RLENGTH)
}

BEGIN {
    print "<!doctype html>"
    print "<html lang=\"en\">"
    print "<head>"
    print "<meta charset=\"utf-8\">"
    print "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    print "<title>" esc(title) "</title>"
    print "<style>"
    while ((getline l < css) > 0) print l
    close(css)
    print "</style>"
    print "</head>"
    print "<body class=\"" esc(page) "\">"
    print "<main>"
    start_block("header", " class=\"banner\"")
}

/^<h2>/ {
    line = $0
    sub(/^<h2>/, "", line); sub(/<\/h2>.*$/, "", line)
    start_block("section", " id=\"" slug(line) "\"")
}
/^<h3>/ {
    close_part()
    print "<div class=\"part\">"
    in_part = 1
}
/^<hr \/>$/ { start_block("footer", ""); next }
/^<table>$/ { print "<div class=\"tablewrap\">" }
{
    line = inline_png($0)
    gsub(/✔/, "<span class=\"mark good\">✔</span>", line)
    gsub(/⚠/, "<span class=\"mark warn\">⚠</span>", line)
    gsub(/✘/, "<span class=\"mark bad\">✘</span>", line)
    gsub(/ℹ/, "<span class=\"mark info\">ℹ</span>", line)
    print line
}
/^<\/table>$/ { print "</div>" }

END {
    start_block("", "")
    print "</main>"
    print "</body>"
    print "</html>"
}
