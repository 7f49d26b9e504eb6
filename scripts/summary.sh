#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the failures and the final "N passed, N failed, N skipped" line of
# a results file; exit non-zero if anything failed.
. "$(dirname "$0")/lib.sh"

out=$1
pass=$(grep -c '^PASS' "$out" || true)
fail=$(grep -c '^FAIL' "$out" || true)
skip=$(grep -c '^SKIP' "$out" || true)
if grep -q '^NOTE' "$out"; then
	echo "Figures:"
	grep '^NOTE' "$out" | cut -f2- | sed 's/^/  /; s/\t/: /'
fi
if [[ $fail -gt 0 ]]; then
	echo "Failed:"
	grep '^FAIL' "$out" | cut -f2- | sed 's/^/  /; s/\t/: /'
fi
line="$pass passed, $fail failed, $skip skipped"
printf '%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$(basename "$out" .txt)" "$line" \
	>"$BUILD/last-test"
echo "$line"
[[ $fail -eq 0 ]]
