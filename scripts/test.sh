#!/usr/bin/env bash
# The README's test command: installs what the project needs (scripts/setup.sh), then runs every
# xunit project of the solution and prints one closing line "N passed, N failed, N skipped" (and the runs aborted, if any).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
status=0
# The tests run inside a private network namespace holding only the loopback interface (`unshare -n`, then
# `ip link set lo up`), so the WebRTC, hub and browser tests cannot send a packet anywhere but 127.0.0.0/8.
# Where namespaces are not allowed, the tests run as they are and the network tests skip with a message.
test_cmd=(dotnet test Npga.Live.sln -c Release --no-build -nologo --logger "trx" --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true)
if unshare -n sh -c 'ip link set lo up' 2>/dev/null; then
    unshare -n bash -c 'ip link set lo up && exec "$@"' netns "${test_cmd[@]}" || status=$?
else
    echo "test.sh: no private network namespace with loopback up (unshare -n or ip refused); network tests will skip" >&2
    "${test_cmd[@]}" || status=$?
fi
/usr/bin/python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
p = f = s = a = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    summary = ET.parse(path).getroot().find("t:ResultSummary", ns)
    c = None if summary is None else summary.find("t:Counters", ns)
    if c is None: continue
    failed = int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    p += int(c.get("passed", 0)); f += failed
    # skipped tests are counted in total but in none of the outcome counters
    s += int(c.get("total", 0)) - int(c.get("executed", 0)) + int(c.get("notExecuted", 0))
    # a run whose test host crashed says outcome="Failed" with no failed test: its remaining tests never ran
    if summary.get("outcome") not in ("Completed", "Passed") and failed == 0: a += 1
print(f"{p} passed, {f} failed, {s} skipped" + (f", {a} test run(s) aborted (a test host crashed: see the log)" if a else ""))
PY
exit $status
