#!/bin/bash
# Runs one worker under valgrind (memcheck, full leak check) behind lighttpd,
# sends it N requests (passing, failing, timing out, malformed, /health),
# stops it gracefully and reads valgrind's verdict. Exit 0 when valgrind
# saw no error and no leak.
#   bench/valgrind.sh [BINARY] [N]     (defaults: _build/ll-solution-runner 500)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$(readlink -f "${1:-$top/_build/ll-solution-runner}")
n=${2:-500}
port=${LLSR_VALGRIND_PORT:-18650}
run=$(mktemp -d /tmp/llsr-valgrind.XXXXXX)
chmod 755 "$run"
trap '"$top/tests/integration/stack.sh" stop "$run" >/dev/null 2>&1 || true' EXIT

cat >"$run/worker.sh" <<SH
#!/bin/sh
exec valgrind --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --track-fds=no \\
	--log-file=$run/log/valgrind.%p.log $bin "\$@"
SH
chmod 755 "$run/worker.sh"
printf 'log_level = warn\n' >"$run/valgrind.conf"
"$top/tests/integration/stack.sh" start "$run/worker.sh" "$run/valgrind.conf" "$run" "$port" 1

python3 - "$port" "$n" <<'PY'
import base64, http.client, json, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
b = lambda s: base64.b64encode(s.encode()).decode()
code = b("def add(a, b):\n    return a + b\n")
bodies = [json.dumps({"code": code, "tests": b("assert add(1, 2) == 3\n")}),
          json.dumps({"code": code, "tests": b("assert add(1, 2) == 4\n")}),
          json.dumps({"code": b("while True: pass\n"), "timeout_ms": 300}),
          '{"code": "not base64"}', '{"code": ', '[1]',
          json.dumps({"submissions": [{"code": code, "tests": b("assert add(1, 1) == 2\n")},
                                      {"code": code, "tests": b("assert add(1, 1) == 3\n")}]})]
counts = {}
for i in range(n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    if i % 8 == 7:
        c.request("GET", "/health")
    else:
        c.request("POST", "/run_code", body=bodies[i % 7], headers={"Content-Type": "application/json"})
    st = c.getresponse().status
    c.close()
    counts[st] = counts.get(st, 0) + 1
print("responses by status:", dict(sorted(counts.items())))
PY
"$top/tests/integration/stack.sh" stop "$run"
trap - EXIT
grep -h -E "ERROR SUMMARY|definitely lost|indirectly lost|in use at exit|total heap usage" \
	"$run"/log/valgrind.*.log
if ! grep -q "ERROR SUMMARY: 0 errors" "$run"/log/valgrind.*.log ||
	grep -q -E "ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]" \
		"$run"/log/valgrind.*.log; then
	echo "valgrind: errors or leaks (logs in $run/log)"
	exit 1
fi
echo "valgrind: no error, no leak over $n requests"
rm -rf "$run"
