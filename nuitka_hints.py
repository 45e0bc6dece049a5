"""Placeholder until the invoker lands."""
import sys


def main():
    sys.stderr.write("nuitka-hints: not yet available\n")
    return 2
