#!/usr/bin/env bash
# The two set-up commands of README, for a fresh machine:
#   bash dev.sh demo   trace + build the PIL example, run the binary, print the table line
#   bash dev.sh test   the test suite (extra arguments go to pytest)
# Both make ./.venv with everything they need, so nothing has to be installed by hand.
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --editable '.[test,examples]'
command=${1:-}
shift || true
case "$command" in
    demo) exec .venv/bin/python benchmarks/compare.py --demo "$@" ;;
    test) exec .venv/bin/python -m pytest "$@" ;;
    *) echo "usage: bash dev.sh demo|test [pytest arguments]" >&2; exit 2 ;;
esac
