#!/usr/bin/env bash
# The two set-up commands of README, for a fresh machine:
#   bash dev.sh demo   trace + build the PIL example, run the binary, print the table line
#   bash dev.sh test   flake8, then the test suite on every Python 3.10-3.13 found (extra
#                      arguments go to pytest)
# Both make virtual environments with everything they need, so nothing has to be
# installed by hand: ./.venv for this machine's python3, ./.venv-3.X for the others.
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
PYTHONS="3.10 3.11 3.12 3.13"
# One Python builds with the oldest Nuitka this release is tested with (pyproject.toml
# takes any 4.3): a change that only the newest compiles fails there (4.3.3 crashed on
# a memoryview call in the binary's runtime that 4.3.5 compiles).
OLDEST_NUITKA=4.3.3 OLDEST_NUITKA_ON=3.10

# make_venv DIR PYTHON EXTRAS: a venv with this project (editable) and EXTRAS.
make_venv() {
    if [ ! -x "$1/bin/python" ]; then
        "$2" -m venv "$1"
    fi
    "$1/bin/python" -m pip install --quiet --upgrade pip
    "$1/bin/python" -m pip install --quiet --editable ".[$3]"
}

# find_python X.Y: the interpreter of that version, from PATH or pyenv; empty if none.
find_python() {
    if command -v "python$1" >/dev/null 2>&1 && "python$1" -c pass >/dev/null 2>&1; then
        command -v "python$1"
    elif command -v pyenv >/dev/null 2>&1 && pyenv prefix "$1" >/dev/null 2>&1; then
        echo "$(pyenv prefix "$1")/bin/python$1"
    fi
}

# The whole suite on this machine's python3; on every other supported Python the
# tests that need no build, and one build per program of tests/test_pythons.py.
run_tests() {
    local main_version failed=0 skipped=""
    main_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    make_venv .venv "$python" test,examples,onefile
    echo "== flake8: the whole tree (setup.cfg)"
    .venv/bin/python -m flake8 || failed=1
    echo "== Python $main_version (.venv): the whole suite"
    .venv/bin/python -m pytest "$@" || failed=1
    for version in $PYTHONS; do
        [ "$version" = "$main_version" ] && continue
        interpreter=$(find_python "$version")
        if [ -z "$interpreter" ]; then
            skipped="$skipped $version"
            continue
        fi
        make_venv ".venv-$version" "$interpreter" test
        if [ "$version" = "$OLDEST_NUITKA_ON" ]; then  # the oldest Nuitka this release takes
            ".venv-$version/bin/python" -m pip install --quiet "nuitka==$OLDEST_NUITKA"
        fi
        echo "== Python $version (.venv-$version, $(".venv-$version/bin/python" -m nuitka --version 2>/dev/null | head -1 | sed 's/^/Nuitka /')): tests without builds, and every-Python builds"
        ".venv-$version/bin/python" -m pytest -m "not build or every_python" "$@" || failed=1
    done
    for version in $skipped; do
        echo "SKIPPED: Python $version: no python$version on PATH or in pyenv; install it to test it"
    done
    return $failed
}

command=${1:-}
shift || true
case "$command" in
    demo) make_venv .venv "$python" test,examples,onefile
          exec .venv/bin/python benchmarks/compare.py --demo "$@" ;;
    test) run_tests "$@" ;;
    *) echo "usage: bash dev.sh demo|test [pytest arguments]" >&2; exit 2 ;;
esac
