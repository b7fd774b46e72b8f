#!/bin/sh
# compare.sh [rounds]: the six routers on the GitHub API set, in
# interleaved rounds (each round runs every router once, in one process,
# pinned to CPU 0), then the median ns/op (wall), cpu-ns/op (the process's
# CPU time per op, which other load on the machine skews far less) and
# allocs/op of each.
set -e
rounds=${1:-8}
cd "$(dirname "$0")"
go test -c -o /tmp/routing.test .
out=$(mktemp)
for i in $(seq "$rounds"); do
	taskset -c 0 /tmp/routing.test -test.run '^$' -test.bench Github -test.benchmem -test.count 1 | grep '^Benchmark' >>"$out"
done
# A line: name N ns ns/op cpu cpu-ns/op bytes B/op allocs allocs/op
awk 'function median(s,   v, n, i, j, t) { n = split(s, v, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
	return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
{ sub(/-[0-9]+$/, "", $1); ns[$1] = ns[$1] " " $3; cpu[$1] = cpu[$1] " " $5; al[$1] = $9 }
END { for (k in ns) printf "%-36s %12.1f ns/op %12.1f cpu-ns/op %6s allocs/op\n", k, median(ns[k]), median(cpu[k]), al[k] }' "$out" | sort
rm -f "$out" /tmp/routing.test
