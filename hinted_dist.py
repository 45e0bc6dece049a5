"""The finished dist made smaller without changing what it does: the shared
objects it ships stripped of what the dynamic loader does not need, and one copy
of byte-identical files.

Nuitka strips the binary it links but copies every extension module and library
as the wheel shipped it, symbol tables and all (PIL's: 75% of their bytes).  The
plugin calls ``slim`` when Nuitka has finished the dist folder, before a onefile
binary packs it.  Only the dist's own copies are touched, never the installed
files: a stripped file is written beside its copy and renamed over it.  Imports
only the standard library.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from hinted_runtime import is_shared_object


def slim(dist_dir, binary_name, strip=True, link=True):
    """Strip the dist's shared objects and link its identical files; what it did:
    {"stripped": {"files", "saved", "failed": [(file, why)]} or a reason it did not,
    "linked": {"files", "saved"} or a reason it did not}."""
    done = {}
    if not strip:
        done["stripped"] = "not asked (--hinted-strip=no)"
    elif not sys.platform.startswith("linux"):
        done["stripped"] = "only on Linux"
    elif shutil.which("strip") is None:
        done["stripped"] = "no strip found: install binutils (apt-get install binutils)"
    else:
        done["stripped"] = strip_shared_objects(dist_dir, binary_name)
    if not link:
        done["linked"] = "not in onefile mode (its archive holds files, not links)"
    elif os.name != "posix":
        done["linked"] = "only on POSIX systems"
    else:
        done["linked"] = link_identical_files(dist_dir)
    return done


def strip_shared_objects(dist_dir, binary_name):
    """``strip --strip-unneeded`` on every ELF shared object in the dist but the
    program binary (Nuitka strips that): the symbols the dynamic loader does not
    need go, the dynamic symbol table stays.  A file whose stripping fails or
    saves nothing is left as it was."""
    files, saved, failed = 0, 0, []
    for path in _shared_objects(dist_dir, binary_name):
        relative = os.path.relpath(path, dist_dir)
        stripped = path + ".nuitka-hints-strip"
        why = stripped_copy(path, stripped)
        before = os.path.getsize(path)
        if why:
            failed.append((relative, why))
        elif os.path.getsize(stripped) < before:
            shutil.copymode(path, stripped)
            saved += before - os.path.getsize(stripped)
            os.replace(stripped, path)  # the dist's copy, never a file it links to
            files += 1
        if os.path.exists(stripped):
            os.unlink(stripped)
    return {"files": files, "saved": saved, "failed": failed}


def stripped_content(path):
    """The bytes of shared object ``path`` stripped, as ``slim`` strips the
    dist's files (for the cold tier's archive, which ``slim`` does not open);
    its own bytes where stripping fails, saves nothing or cannot run here."""
    with open(path, "rb") as handle:
        content = handle.read()
    if sys.platform.startswith("linux") and shutil.which("strip"):
        with tempfile.TemporaryDirectory() as folder:
            target = os.path.join(folder, "stripped")
            if stripped_copy(path, target) is None and os.path.getsize(target) < len(content):
                with open(target, "rb") as handle:
                    return handle.read()
    return content


def stripped_copy(path, target):
    """Write ``path`` stripped (``strip --strip-unneeded``) to ``target``; None,
    or why it failed: a warning counts, as strip on a patched object can write a
    broken one and exit 0."""
    result = subprocess.run([shutil.which("strip") or "strip", "--strip-unneeded", "-o", target,
                             path], capture_output=True, text=True, errors="replace")
    if result.returncode != 0 or result.stderr.strip() or not os.path.isfile(target):
        return (result.stderr.strip().splitlines() or ["failed"])[-1]
    if not load_segments_aligned(target):
        return "strip misaligned its load segments (a library patchelf rewrote)"
    return None


def load_segments_aligned(path):
    """Whether each loadable segment of an ELF file sits at a file offset the
    dynamic loader can map at its address (offset and address equal modulo the
    page size and the segment's alignment).  strip rewrites a library that
    patchelf grew (numpy's OpenBLAS, as wheels ship it) into one that fails to
    load ("ELF load command address/offset not page-aligned") and exits 0."""
    with open(path, "rb") as handle:
        elf = _elf_segments(handle)
    if elf is None:
        return False
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    return not any(kind == 1 and any((address - offset) % step
                                     for step in (page, alignment) if step > 1)  # PT_LOAD
                   for kind, offset, address, _, alignment in elf[1])


def linked_names(path):
    """The names of the libraries an ELF shared object links (its ``DT_NEEDED``
    entries), which the dynamic loader finds by name; none for another file."""
    return set(_dynamic_strings(path).get(DT_NEEDED, ()))


def origin_folders(path):
    """The folders an ELF shared object's own search path (``DT_RPATH``,
    ``DT_RUNPATH``) names relative to its folder (``$ORIGIN``, ``${ORIGIN}``):
    where a wheel's repair put the libraries it links (``$ORIGIN/../pillow.libs``)."""
    strings = _dynamic_strings(path)
    origin = os.path.dirname(os.path.abspath(path))
    return [os.path.normpath(entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin))
            for tag in (DT_RPATH, DT_RUNPATH) for value in strings.get(tag, ())
            for entry in value.split(":") if "ORIGIN" in entry]


DT_NEEDED, DT_RPATH, DT_RUNPATH = 1, 15, 29


def _dynamic_strings(path):
    """The string entries of an ELF file's dynamic section: {tag: [strings]};
    empty for another file."""
    import struct

    try:
        with open(path, "rb") as handle:
            elf = _elf_segments(handle)
            if elf is None:
                return {}
            dynamic_entry, segments = elf
            dynamic = [(offset, size) for kind, offset, _, size, _ in segments if kind == 2]
            if not dynamic:
                return {}
            handle.seek(dynamic[0][0])
            entries = list(struct.iter_unpack(dynamic_entry, handle.read(dynamic[0][1])))
            strings = next((value for tag, value in entries if tag == 5), None)  # DT_STRTAB
            if strings is None:
                return {}
            loaded = [(address, offset) for kind, offset, address, size, _ in segments
                      if kind == 1 and address <= strings < address + size]  # PT_LOAD
            if not loaded:
                return {}
            address, offset = loaded[0]
            found = {}
            for tag, value in entries:
                if tag == 0:  # DT_NULL: the end
                    break
                if tag in (DT_NEEDED, DT_RPATH, DT_RUNPATH):  # an offset into the strings
                    handle.seek(offset + strings - address + value)
                    found.setdefault(tag, []).append(
                        handle.read(4096).partition(b"\0")[0].decode("utf-8", "replace"))
            return found
    except (OSError, struct.error):
        return {}


def _elf_segments(handle):
    """(the struct layout of a dynamic-section entry, the program headers as
    (type, file offset, address, size in the file, alignment)) of the ELF file
    open in ``handle``; None for another file."""
    import struct

    header = handle.read(64)
    if len(header) < 52 or header[:4] != b"\x7fELF":
        return None
    order = "<" if header[5] == 1 else ">"
    if header[4] == 2:  # 64-bit
        table, entry_size, count = struct.unpack_from(order + "Q14xHH", header, 32)
        layout, dynamic_entry = order + "I4xQQ8xQ8xQ", order + "qQ"
    else:
        table, entry_size, count = struct.unpack_from(order + "I10xHH", header, 28)
        layout, dynamic_entry = order + "IIIxxxxI4x4xI", order + "iI"
    handle.seek(table)
    return dynamic_entry, [struct.unpack_from(layout, handle.read(entry_size))
                           for _ in range(count)]


def link_identical_files(dist_dir, smallest=4096):
    """Each set of byte-identical files (of at least ``smallest`` bytes) in the
    dist becomes one file and relative symbolic links to it: the loader and
    ``open`` find it either way (kiwisolver's extension module that Nuitka's
    configuration also lists as a library)."""
    by_size = {}
    for path in _files(dist_dir):
        size = os.path.getsize(path)
        if size >= smallest:
            by_size.setdefault(size, []).append(path)
    files, saved = 0, 0
    for size, paths in sorted(by_size.items()):
        by_content = {}
        for path in paths if len(paths) > 1 else ():
            by_content.setdefault(_digest(path), []).append(path)
        for same in by_content.values():
            kept, *copies = sorted(same, key=lambda p: (p.count(os.sep), len(p), p))
            for copy in copies:
                link = copy + ".nuitka-hints-link"
                try:  # the link under another name first: a failure loses no file
                    os.symlink(os.path.relpath(kept, os.path.dirname(copy)), link)
                    os.replace(link, copy)
                except OSError:
                    if os.path.lexists(link):
                        os.unlink(link)
                    continue
                files += 1
                saved += size
    return {"files": files, "saved": saved}


def _files(dist_dir):
    for directory, _, names in os.walk(dist_dir):
        for name in sorted(names):
            path = os.path.join(directory, name)
            if not os.path.islink(path) and os.path.isfile(path):
                yield path


def _shared_objects(dist_dir, binary_name):
    for path in _files(dist_dir):
        name = os.path.basename(path)
        if name != binary_name and is_shared_object(name) and is_elf(path):
            yield path


def is_elf(path):
    with open(path, "rb") as handle:
        return handle.read(4) == b"\x7fELF"


def _digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
