#!/usr/bin/env bash
# The whole test suite, several times in a row, on a machine kept busy: the check that no test
# waits for a time instead of a condition (issue 13). Started by `make test-loaded`.
#
#   bench/loaded_suite.sh [-b BURNERS] [-r RUNS] [-o FOLDER] [-- PYTEST ARGS...]
#
# BURNERS busy loops (one Python process each; default: as many as there are cores) run for
# the whole time, as other users' work does on a shared server or a CI runner; the suite runs
# RUNS times (default 5), and stops at the first run that fails. Each run's output is kept in
# FOLDER (default work/loaded-suite/), a failing one as run-N.FAILED.log. Every run's wall time
# and the load average before it are printed; they describe the machine, nothing is judged by
# them. Exit status: 0 if every run passed, else the failing run's.
set -u
cd "$(dirname "$0")/.."

burners=$(nproc 2>/dev/null || echo 2)
runs=5
out=work/loaded-suite
while getopts "b:r:o:h" opt; do
    case $opt in
        b) burners=$OPTARG ;;
        r) runs=$OPTARG ;;
        o) out=$OPTARG ;;
        *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
python=.venv/bin/python
[ -x "$python" ] || { echo "no $python: run make test once first" >&2; exit 2; }
mkdir -p "$out"

pids=()
stop_burners() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done  # only the loops started here
    wait 2>/dev/null
}
trap stop_burners EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 "$burners"); do
    python3 -c 'while True: pass' &
    pids+=("$!")
done
echo "$burners busy loops running (pids ${pids[*]}); $runs runs of: pytest $*"

for i in $(seq 1 "$runs"); do
    log="$out/run-$i.log"
    load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)
    start=$(date +%s)
    "$python" -m pytest -q -p no:cacheprovider "$@" >"$log" 2>&1
    status=$?
    took=$(( $(date +%s) - start ))
    summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed)' "$log" | tail -1)
    printf 'run %d: %s s, load average before %s: %s\n' "$i" "$took" "$load" "${summary:-no summary (see $log)}"
    if [ "$status" -ne 0 ]; then
        mv "$log" "$out/run-$i.FAILED.log"
        echo "run $i failed: $out/run-$i.FAILED.log"
        grep -E '^(FAILED|ERROR) ' "$out/run-$i.FAILED.log"
        exit "$status"
    fi
done
echo "$runs runs in a row passed"
