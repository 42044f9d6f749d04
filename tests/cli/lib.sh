# lib.sh - shell helpers of the CLI tests (sourced; needs $out and $fail set)

# expect_run NAME WANT_STATUS GREP_PATTERN CMD...: run, check the exit status and
# that stdout+stderr match the pattern (empty: anything). Returns 1 on failure.
expect_run() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$out/$name.out" 2>"$out/$name.err"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: exit $got, wanted $want"; cat "$out/$name.err"; fail=1; return 1
	fi
	if [ -n "$pat" ] && ! cat "$out/$name.out" "$out/$name.err" | grep -Eq -- "$pat"; then
		echo "FAIL $name: output does not match /$pat/:"; cat "$out/$name.err" "$out/$name.out"
		fail=1; return 1
	fi
	echo "ok   $name"
}
