# stats_flat.sh - sourced by scenario test scripts: read a stats.json as flat
# "a.b.c=value" lines (the file is pretty-printed, one member per line; see
# docs/stats.md), and look one value up.
#   stats_flatten FILE            -> lines on stdout
#   stats_flat_get FLATFILE KEY   -> the value ("" when absent)

stats_flatten() {
	awk '
	/^ *"[^"]*": \{ *$/ { match($0, /"[^"]*"/); path[++depth] = substr($0, RSTART + 1, RLENGTH - 2); next }
	/^ *\},? *$/ { if (depth > 0) depth--; next }
	/^ *"[^"]*": / {
		match($0, /"[^"]*"/); key = substr($0, RSTART + 1, RLENGTH - 2)
		val = $0; sub(/^ *"[^"]*": */, "", val); sub(/,$/, "", val)
		pre = ""; for (i = 1; i <= depth; i++) pre = pre path[i] "."
		print pre key "=" val
	}' "$1"
}

stats_flat_get() {
	grep -F "$2=" "$1" | awk -v k="$2" 'index($0, k "=") == 1 { sub(/^[^=]*=/, ""); print; exit }'
}
