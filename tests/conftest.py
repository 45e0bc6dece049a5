"""Shared helpers: run the tracer on small programs written into tmp_path."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import hints_file  # noqa: E402

TAG = hints_file.platform_tag()
TRACER_COMMAND = [sys.executable, os.path.join(ROOT, "hinted_mods.py")]
# The tracer as the tools print it in a command to paste (hinted-mods is not on
# the tests' PATH): this Python and the file by path.
TRACER_TEXT = "%s %s" % tuple(TRACER_COMMAND)


def run_tracer(*args, **kwargs):
    """``python hinted_mods.py ARGS``; its output captured as text unless told otherwise."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run([*TRACER_COMMAND, *args], **kwargs)


def run_built(work, stem, *args, out="out", **kwargs):
    """Run the binary of script ``stem`` that nuitka-hints built into
    ``work/out``, in ``work``; its output captured as text."""
    suffix = ".exe" if sys.platform == "win32" else ".bin"
    binary = work / out / ("%s.dist" % stem) / (stem + suffix)
    return subprocess.run([str(binary), *args], cwd=str(work), capture_output=True,
                          text=True, timeout=60, **kwargs)


class Traced:
    """The outcome of one tracer run: process result and the hints it wrote."""

    def __init__(self, result, hints_name):
        self.result = result
        self.hints_name = hints_name

    @property
    def hints(self):
        with open(self.hints_name, encoding="utf-8") as handle:
            return json.load(handle)

    @property
    def modules(self):
        return self.hints["modules"]

    def program_modules(self):
        return {n for n, m in self.modules.items() if not m.get("startup")}


@pytest.fixture
def trace(tmp_path):
    """trace(source, *args, name="prog.py", tracer_args=(), **run_kwargs) -> Traced."""

    def run(source, *args, name="prog.py", tracer_args=(), **kwargs):
        script = tmp_path / name
        script.write_text(textwrap.dedent(source), encoding="utf-8")
        kwargs.setdefault("timeout", 120)
        result = run_tracer(*tracer_args, str(script), *args, cwd=str(tmp_path), **kwargs)
        return Traced(result, hints_file.hints_path(str(script)))

    return run


@contextlib.contextmanager
def installed_distribution(name, version, files, metadata=None, distribution=None,
                           beside=()):
    """Package ``name`` (``files``: path in it -> text) installed into this
    environment's site-packages as a wheel installs it; removed after, with the
    folders ``beside`` it that the test writes there (a wheel's ``name.libs``).
    ``metadata``: more files of its ``*.dist-info`` (file name -> text);
    ``distribution``: the distribution's name, if not the package's.  Yields
    the site-packages folder."""
    site = sysconfig.get_paths()["purelib"]
    package = os.path.join(site, name)
    distribution = distribution or name
    info = os.path.join(site, "%s-%s.dist-info" % (distribution, version))
    info_files = {"METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (
                      distribution, version),
                  "top_level.txt": name + "\n", **(metadata or {})}
    written = [package, info, *(os.path.join(site, folder) for folder in beside)]
    for existing in written:
        if os.path.exists(existing):  # never write over, nor remove, what is installed
            raise FileExistsError("%s is installed already" % existing)
    try:  # whatever fails on the way, nothing stays behind in site-packages
        for folder, contents in ((package, files), (info, info_files)):
            for relative, text in contents.items():
                os.makedirs(os.path.dirname(os.path.join(folder, relative)), exist_ok=True)
                with open(os.path.join(folder, relative), "w") as handle:
                    handle.write(text)
        yield site
    finally:
        for folder in written:
            shutil.rmtree(folder, ignore_errors=True)


# An extension module that links a library of its own (``helper``, 42).
NATIVE = """\
#include <Python.h>
int helper(void);
static PyObject *f(PyObject *self, PyObject *args) { return PyLong_FromLong(helper()); }
static PyMethodDef methods[] = {{"f", f, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef definition = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, methods};
PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&definition); }
"""


def compile_native(work, package_dir, libs_dir):
    """Extension module ``_native`` of the package in ``package_dir``, which finds
    its library in ``libs_dir`` beside it through ``$ORIGIN/../`` (as a repaired
    wheel ships them: Pillow's ``_webp`` and ``pillow.libs``), compiled in
    ``work`` with gcc: (the library, the extension module)."""
    from importlib.machinery import EXTENSION_SUFFIXES

    os.makedirs(libs_dir, exist_ok=True)
    os.makedirs(package_dir, exist_ok=True)
    with open(os.path.join(work, "helper.c"), "w") as handle:
        handle.write("int helper(void) { return 42; }\n")
    with open(os.path.join(work, "native.c"), "w") as handle:
        handle.write(NATIVE)
    library = os.path.join(libs_dir, "libhelper-1a2b.so")
    native = os.path.join(package_dir, "_native" + EXTENSION_SUFFIXES[0])
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", library, os.path.join(work, "helper.c")],
                   check=True)
    subprocess.run(["gcc", "-shared", "-fPIC", "-I", sysconfig.get_paths()["include"], "-o",
                    native, os.path.join(work, "native.c"), "-L", libs_dir,
                    "-l:" + os.path.basename(library),
                    "-Wl,-rpath,$ORIGIN/../" + os.path.basename(libs_dir)], check=True)
    return library, native
