"""Programs nobody here wrote: plain Nuitka vs hinted vs PyInstaller --onedir.

    python benchmarks/realworld.py [--python=3.11] [--methods=hinted,plain,pyinstaller]
                                   [--held-out] [--rows-from=FILE.jsonl] [--list]
                                   [--no-caches] [--markdown] [program ...]

Three kinds of program, none of them written for this project:

- applications from PyPI, run through their own console-script entry points
  (the script pip writes for ``black``, ``pylint``, ``http`` ...), each on at
  least two inputs the benchmark writes into the program's folder;
- the programs of Nuitka's own standalone test suite (``tests/standalone`` of
  Nuitka's source distribution on PyPI, downloaded here, never stored in this
  repository) that run on Linux without a display;
- short programs on libraries whose import machinery is unusual (gevent,
  FastAPI's test client over anyio, OpenCV's loader, metadata asked for by
  other spellings than the distributions' own), or that pick what they load by a locale,
  a region or a country at run time (humanize, pycountry, phonenumbers,
  holidays, tzdata, dateparser, Babel: four inputs each, for ``--held-out``).

- a project from its source distribution, recorded as its README would have it,
  through its own test suite (``hinted_mods.py -m pytest tests``, from the
  project's folder, which holds a ``.env`` with a token), then built from an
  entry script and run on command lines the tests did not record (all held out);
  the row says if a file of the project's folder that must not ship did.

Each program is traced (every run, by ``hinted_mods.py``), then built each way:
``hinted`` is the user's whole flow, ``nuitka_hints.py --verify`` (the build,
the replays, and the rounds in which the binary's misses are learned), ``plain``
is ``python -m nuitka --mode=standalone``, ``pyinstaller`` is ``--onedir``.  Every
binary replays every recorded run (``nuitka_hints.replay``: exit status and
stdout).  One table: size, files, build time, rounds, replays the same.  A build
that fails is a row saying so.  Rows also go to ``realworld.jsonl`` in the work
folder as they come; ``--rows-from`` adds the rows of an earlier run's file to
the table (the plain and PyInstaller builds do not depend on this project's
code: a later run of the hinted method alone can stand beside them);
``--markdown`` prints the table of those rows as Markdown and builds nothing.

``--held-out``: each program with two runs or more is recorded on its first run
only; its other runs are inputs nobody recorded, replayed against every binary
(the ``held-out`` column), for the hinted build as it comes (with its cold
tier), ``hinted-nocold`` (``--hinted-cold=no``), ``hinted-reached``
(``--hinted-cold=reached``, the default until 2026-12-05; asked for by name), ``hinted-safe``
(``--hinted-safe``) and plain Nuitka.  ``hinted-onefile`` (asked for by name) is the
default build in ``--mode=onefile``, sized as the one file.  ``hinted-field`` (asked for by name) is
the hinted build after its user ran the other inputs in the field with
``NUITKA_HINTS_MISSES`` set and learned what the binary lacked
(``hinted_mods.py --learn``), a build after each such run, until the binary
lacks nothing new (at most three).  Each held-out input is also run by the
interpreter, and the row's ``slowest`` is the largest ratio of a binary's wall
time to the interpreter's on the same input.

``--no-caches``: Nuitka's builds (plain and hinted) use none of Nuitka's caches
(ccache's objects, the bytecode of modules kept uncompiled): each does all its
work, so build times of methods compare fairly whichever method ran first.

It makes its own environment, ``benchmarks/.venv-realworld-3.X``, with the
applications, Nuitka, PyInstaller and this project, and runs itself there.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NUITKA_VERSION = "4.3.3"

MESSY_PY = "import os,sys\nx = [1,2,\n 3]\ndef f( a ):\n  unused = 1\n  return a\n"
RISKY_PY = 'import subprocess\nsubprocess.call("ls", shell=True)\npassword = "hunter2"\n'
TYPED_PY = "def f(a: int) -> str:\n    return a\n\nx: list = f(1)\n"
DOC_MD = ("# Title\n\nSome *text*[^1].\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
          "```\ncode\n```\n\n[^1]: A footnote.\n")
DOC_RST = "Title\n=====\n\nSome *text* and ``code``.\n\n.. note:: A note.\n"
QUERY_SQL = "select a, b from t where a=1 and b in (select c from u)\n"
CONF_YAML = "a: 1\nb:   [1,2]\nc: yes\n"
DATA_CSV = "city,people,area\nOslo,709000,454\nBergen,291000,445\nTromso,77000,2521\n"
DATA_JSON = '{"name": "x", "size": [1, 2], "ok": true}\n'
SCHEMA_JSON = json.dumps({
    "title": "Pet", "type": "object", "required": ["name"],
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0},
                   "tags": {"type": "array", "items": {"type": "string"}}}})

# Applications from PyPI: console script -> its distribution, the runs (argument
# lists, or (arguments, stdin)) and the files they read.  Chosen to cover what
# breaks hinted builds: mypyc-compiled packages (black, mypy), plugins found
# through entry points (flake8, markdown, httpie, sqlfluff, bandit, sqlite-utils),
# a linter that finds its checkers at run time (pylint), modules picked by name
# at run time (pygments, docutils, sqlfluff's dialects), packages Nuitka's
# configuration rewrites, and readers of distribution metadata (twine, flask).
APPLICATIONS = {
    "black": ("black", [["--code", "x = [1,2,\n 3]\ndef f( a ):\n  return a\n"],
                        (["-q", "--line-length=30", "-"], MESSY_PY)], {}),
    "isort": ("isort", [(["-"], MESSY_PY), (["--profile=google", "-"], MESSY_PY)], {}),
    "flake8": ("flake8", [["messy.py"], ["--select=E1,W", "--max-line-length=40", "messy.py"]],
               {"messy.py": MESSY_PY}),
    "pylint": ("pylint", [["-sn", "--disable=all", "--enable=unused-import", "messy.py"],
                          ["-sn", "--disable=C", "messy.py"]], {"messy.py": MESSY_PY}),
    "markdown_py": ("markdown", [["-x", "toc", "-x", "tables", "doc.md"],
                                 ["-x", "fenced_code", "-x", "footnotes", "doc.md"]],
                    {"doc.md": DOC_MD}),
    "pygmentize": ("pygments", [["-l", "python", "-f", "html", "messy.py"],
                                ["-l", "json", "-f", "terminal256", "data.json"]],
                   {"messy.py": MESSY_PY, "data.json": DATA_JSON}),
    "docutils": ("docutils", [["--writer=html5", "doc.rst"], ["--writer=pseudoxml", "doc.rst"]],
                 {"doc.rst": DOC_RST}),
    "yamllint": ("yamllint", [["conf.yaml"], ["-d", "relaxed", "conf.yaml"]],
                 {"conf.yaml": CONF_YAML}),
    "http": ("httpie", [["--offline", "--ignore-stdin", "POST", "example.org", "a=1"],
                        ["--offline", "--ignore-stdin", "--form", "GET", "example.org/x", "q==1"]],
             {}),
    "sqlfluff": ("sqlfluff", [["lint", "--dialect", "ansi", "q.sql"],
                              ["parse", "--dialect", "postgres", "q.sql"]],
                 {"q.sql": QUERY_SQL}),
    "bandit": ("bandit", [["-q", "-f", "custom", "--msg-template", "{line}: {test_id}",
                           "risky.py"],
                          ["-q", "-f", "csv", "-s", "B404", "risky.py"]], {"risky.py": RISKY_PY}),
    "pyfiglet": ("pyfiglet", [["hi"], ["-f", "slant", "hi"]], {}),
    "sqlformat": ("sqlparse", [["-r", "-k", "upper", "q.sql"], ["-s", "-i", "upper", "q.sql"]],
                  {"q.sql": QUERY_SQL}),
    "pybabel": ("babel", [["--list-locales"], ["--help"]], {}),
    "jsonschema": ("jsonschema", [["-i", "good.json", "schema.json"],
                                  ["-i", "bad.json", "schema.json"]],
                   {"schema.json": SCHEMA_JSON, "good.json": '{"name": "Rex", "age": 3}',
                    "bad.json": '{"age": -1}'}),
    "datamodel-codegen": ("datamodel-code-generator",
                          [["--input", "schema.json", "--input-file-type", "jsonschema",
                            "--disable-timestamp"],
                           ["--input", "schema.json", "--input-file-type", "jsonschema",
                            "--disable-timestamp", "--output-model-type",
                            "dataclasses.dataclass"]],
                          {"schema.json": SCHEMA_JSON}),
    "sqlite-utils": ("sqlite-utils", [["memory", "data.csv", "select * from data", "--table"],
                                      ["memory", "data.csv", "select count(*) from data",
                                       "--csv"]], {"data.csv": DATA_CSV}),
    "csvstat": ("csvkit", [["data.csv"], ["--count", "data.csv"]], {"data.csv": DATA_CSV}),
    # (twine --help lists its commands in hash order: a different one each run)
    "twine": ("twine", [["--version"], ["check", "--help"]], {}),
    "flask": ("flask", [["--version"], ["--help"]], {}),
    "mypy": ("mypy", [["--cache-dir=/dev/null", "typed.py"],
                      ["--cache-dir=/dev/null", "--strict", "typed.py"]], {"typed.py": TYPED_PY}),
    # Programs that pick modules, data files or folders by name at run time, one
    # recorded input and three others (--held-out): a locale's providers found by
    # listing a package, a framework's commands, per-script tables whose
    # ImportError is caught.
    "faker": ("faker", [["--seed=1", "-l", "en_US", "name"], ["--seed=1", "-l", "de_DE", "name"],
                        ["--seed=1", "-l", "fr_FR", "address"],
                        ["--seed=1", "-l", "ja_JP", "name"]], {}),
    "django-admin": ("django", [["help", "startapp"], ["help", "makemessages"],
                                ["help", "compilemessages"], ["help", "sendtestemail"]], {}),
    # (a file: Nuitka's binaries refuse "-c", as a call of themselves)
    "unidecode": ("unidecode", [["latin.txt"], ["greek.txt"], ["cyrillic.txt"], ["cjk.txt"]],
                  {"latin.txt": "Ünïcödé\n", "greek.txt": "Ελληνικά\n",
                   "cyrillic.txt": "Привет мир\n", "cjk.txt": "北京市\n"}),
}

# Programs on libraries whose import machinery is unusual: name -> (requirements,
# source, runs).
LIBRARY_PROGRAMS = {
    "gevent_echo": (["gevent"], """\
        import sys
        from gevent import monkey
        monkey.patch_all()
        import gevent
        import socket

        def echo(connection):
            data = connection.recv(100)
            connection.sendall(data.upper())
            connection.close()

        left, right = socket.socketpair()
        greenlets = [gevent.spawn(echo, left),
                     gevent.spawn(lambda: right.sendall(sys.argv[1].encode()))]
        gevent.joinall(greenlets)
        print(right.recv(100).decode(), gevent.__version__ > "2")
        """, [["hello"], ["world"]]),
    "fastapi_client": (["fastapi", "httpx"], """\
        import sys
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        app = FastAPI()

        @app.get("/items/{number}")
        def item(number: int, q: str = ""):
            return {"number": number, "q": q}

        client = TestClient(app)
        print(client.get("/items/%s" % sys.argv[1], params={"q": "x"}).json())
        print(client.get("/items/not-a-number").status_code)
        """, [["1"], ["42"]]),
    "opencv_draw": (["opencv-python-headless"], """\
        import sys
        import cv2
        import numpy
        image = numpy.zeros((64, 64, 3), numpy.uint8)
        if sys.argv[1] == "circle":
            cv2.circle(image, (32, 32), 20, (0, 255, 0), -1)
        else:
            image = cv2.GaussianBlur(cv2.rectangle(image, (8, 8), (40, 40), (255, 0, 0), -1),
                                     (5, 5), 0)
        print(sys.argv[1], int(image.sum()), cv2.imencode(".png", image)[1].size > 0)
        """, [["circle"], ["blur"]]),
    # Metadata by other spellings than the distributions' own (python-dateutil,
    # PyYAML, Markdown), computed at run time: Nuitka's runtime compares names
    # only in lower case.
    "metadata_spellings": (["python-dateutil", "pyyaml", "markdown"], """\
        import sys
        from importlib.metadata import metadata, version
        import dateutil, markdown, yaml  # noqa: F401
        for name in sys.argv[1:]:
            print(name, version(name), metadata(name)["Name"])
        """, [["python_dateutil", "PyYAML"], ["Python.Dateutil", "pyyaml", "MARKDOWN"]]),
}

# Projects from their source distributions, recorded through their test suites:
# name -> (distribution, its entry script, command lines, files).
PROJECTS = {
    "sqlparse-project": ("sqlparse", "import sys\nfrom sqlparse.cli import main\n"
                         "sys.exit(main())\n",
                         [["-r", "-k", "upper", "q.sql"], ["-s", "-i", "upper", "q.sql"],
                          ["--language=python", "q.sql"]], {"q.sql": QUERY_SQL}),
}
# What a project's folder holds that must never ship: the benchmark writes it.
PROJECT_SECRET = (".env", "API_TOKEN=not-a-real-token\n")

# Short programs on libraries that pick what they load by a locale, a region or
# a country at run time (--held-out: recorded on the first input only).
LOCALE_PROGRAMS = {
    "humanize_i18n": (["humanize"], """\
        import datetime, sys
        import humanize
        humanize.i18n.activate(sys.argv[1])  # humanize/locale/<lang>/LC_MESSAGES/humanize.mo
        print(humanize.naturaldelta(datetime.timedelta(hours=3)), humanize.intword(12400000))
        """, [["de_DE"], ["fr_FR"], ["ru_RU"], ["ja_JP"]]),
    "pycountry_names": (["pycountry"], """\
        import gettext, sys
        import pycountry
        language = gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                       languages=[sys.argv[1]])
        print(language.gettext(pycountry.countries.get(alpha_2="DE").name))
        """, [["de"], ["fr"], ["es"], ["ja"]]),
    "phonenumbers_format": (["phonenumbers"], """\
        import sys
        import phonenumbers
        from phonenumbers import geocoder
        number = phonenumbers.parse(sys.argv[1], sys.argv[2])  # region data picked by name
        print(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
              phonenumbers.is_valid_number(number), geocoder.description_for_number(number, "en"))
        """, [["030 1234567", "DE"], ["01 42 68 53 00", "FR"], ["03-1234-5678", "JP"],
              ["(11) 3456-7890", "BR"]]),
    "holidays_country": (["holidays"], """\
        import sys
        import holidays
        days = holidays.country_holidays(sys.argv[1], years=2024)  # a country's module by name
        print(len(days), sorted(days.items())[0])
        """, [["DE"], ["FR"], ["JP"], ["US"]]),
    "zoneinfo_tzdata": (["tzdata"], """\
        import datetime, sys, zoneinfo
        zoneinfo.reset_tzpath(to=())  # the tzdata package's zones, not the system's
        moment = datetime.datetime(2024, 7, 1, 12, tzinfo=datetime.timezone.utc)
        print(moment.astimezone(zoneinfo.ZoneInfo(sys.argv[1])).isoformat())
        """, [["Europe/Berlin"], ["Europe/Paris"], ["America/New_York"], ["Asia/Tokyo"]]),
    "dateparser_languages": (["dateparser"], """\
        import sys
        import dateparser
        found = dateparser.parse(sys.argv[1], languages=[sys.argv[2]])  # its data by name
        print(found.date().isoformat())
        """, [["1 May 2024", "en"], ["1 de mayo de 2024", "es"], ["1. Mai 2024", "de"],
              ["1 мая 2024", "ru"]]),
    "babel_dates": (["babel"], """\
        import datetime, sys
        from babel.dates import format_date
        print(format_date(datetime.date(2024, 5, 1), format="full", locale=sys.argv[1]))
        """, [["de_DE"], ["fr_FR"], ["ja_JP"], ["ar_EG"]]),
}

# Short programs that reach their code or data the ways programs nobody here had
# built did (issue 39), each in a way the programs above do not: image-format and
# backend plugins by name, start methods, codecs, compressors and hashes by name,
# optional engines, a locale module per folder, dialects and protocols from
# registries, themes through a group of entry points (--held-out: recorded on the
# first input only).
REACH_PROGRAMS = {
    "pillow_formats": (["pillow"], """\
        import io, sys
        from PIL import Image
        image = Image.new("RGB", (32, 32), (200, 40, 40))
        data = io.BytesIO()
        image.save(data, format=sys.argv[1])  # its plugin (and libraries) picked by name
        data.seek(0)
        again = Image.open(data)
        print(again.format, again.size, again.convert("RGB").getpixel((3, 3)))
        """, [["PNG"], ["WEBP"], ["TIFF"], ["JPEG2000"]]),
    "matplotlib_backends": (["matplotlib"], """\
        import io, sys
        import matplotlib
        matplotlib.use("agg")
        import matplotlib.pyplot as plt
        figure = plt.figure(figsize=(2, 2))
        plt.plot([1, 3, 2])
        data = io.BytesIO()
        figure.savefig(data, format=sys.argv[1])  # the backend picked by the format
        print(sys.argv[1], data.getvalue()[:4])
        """, [["png"], ["svg"], ["pdf"], ["eps"]]),
    "multiprocessing_methods": ([], """\
        import multiprocessing, sys


        def square(number):
            return number * number


        if __name__ == "__main__":
            method = sys.argv[1]
            if method.endswith("-shm"):  # _posixshmem, in the worker too
                from multiprocessing import shared_memory
                block = shared_memory.SharedMemory(create=True, size=8)
                block.buf[:2] = b"ok"
                print(bytes(block.buf[:2]).decode())
                block.close()
                block.unlink()
            with multiprocessing.get_context(method.partition("-")[0]).Pool(2) as pool:
                print(method, sum(pool.map(square, range(10))))
        """, [["fork"], ["spawn"], ["forkserver"], ["spawn-shm"]]),
    "codecs_by_name": ([], """\
        import codecs, sys
        name = sys.argv[1]
        encoded = "Grüße, мир, 東京".encode(name, errors="replace")  # encodings.<name>
        print(name, codecs.lookup(name).name, len(encoded), encoded.decode(name)[:5])
        """, [["utf-8"], ["cp1252"], ["shift_jis"], ["koi8_r"]]),
    "archive_formats": ([], """\
        import os, shutil, sys, tempfile
        folder = tempfile.mkdtemp()
        os.mkdir(os.path.join(folder, "data"))
        with open(os.path.join(folder, "data", "a.txt"), "w") as handle:
            handle.write("hello " * 100)
        archive = shutil.make_archive(os.path.join(folder, "out"), sys.argv[1], folder, "data")
        shutil.unpack_archive(archive, os.path.join(folder, "back"))  # zlib, bz2, lzma
        with open(os.path.join(folder, "back", "data", "a.txt")) as handle:
            print(sys.argv[1], os.path.basename(archive), len(handle.read()))
        shutil.rmtree(folder)
        """, [["zip"], ["gztar"], ["bztar"], ["xztar"]]),
    "hashlib_algorithms": ([], """\
        import hashlib, sys
        digest = hashlib.new(sys.argv[1], b"nuitka-hints")  # _sha3, _blake2, OpenSSL's
        print(sys.argv[1], digest.hexdigest(16) if sys.argv[1].startswith("shake")
              else digest.hexdigest())
        """, [["md5"], ["sha3_256"], ["blake2b"], ["shake_128"]]),
    "pandas_readers": (["pandas", "lxml"], """\
        import io, sys
        import pandas
        texts = {"csv": "a,b\\n1,2\\n3,4\\n", "json": '[{"a": 1, "b": 2}, {"a": 3, "b": 4}]',
                 "xml": "<rows><row><a>1</a><b>2</b></row><row><a>3</a><b>4</b></row></rows>",
                 "html": "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr>"
                         "<tr><td>3</td><td>4</td></tr></table>"}
        kind = sys.argv[1]
        source = io.StringIO(texts[kind])
        frame = pandas.read_html(source)[0] if kind == "html" else \\
            getattr(pandas, "read_" + kind)(source)  # an optional engine: lxml
        print(kind, frame.shape, int(frame["a"].sum()))
        """, [["csv"], ["xml"], ["json"], ["html"]]),
    "pendulum_locales": (["pendulum"], """\
        import sys
        import pendulum
        moment = pendulum.datetime(2024, 5, 1, 12, tz="UTC")  # pendulum/locales/<lang>/locale.py
        print(moment.format("dddd D MMMM YYYY", locale=sys.argv[1]),
              moment.add(days=3).diff_for_humans(moment, locale=sys.argv[1]))
        """, [["en"], ["de"], ["fr"], ["ja"]]),
    "sqlalchemy_dialects": (["sqlalchemy"], """\
        import sys
        from sqlalchemy import Column, Integer, MetaData, String, Table, select
        from sqlalchemy.engine import make_url
        dialect = make_url(sys.argv[1] + "://").get_dialect()()  # from its registry, by name
        table = Table("people", MetaData(), Column("id", Integer), Column("name", String(20)))
        print(dialect.name, " ".join(str(select(table).limit(5).compile(dialect=dialect)).split()))
        """, [["sqlite"], ["postgresql"], ["mysql"], ["mssql"]]),
    "fsspec_protocols": (["fsspec"], """\
        import os, shutil, sys, tarfile, tempfile, zipfile
        import fsspec
        folder = tempfile.mkdtemp()
        plain = os.path.join(folder, "inner.txt")
        with open(plain, "w") as handle:
            handle.write("on disk")
        with zipfile.ZipFile(os.path.join(folder, "a.zip"), "w") as archive:
            archive.write(plain, "inner.txt")
        with tarfile.open(os.path.join(folder, "a.tar"), "w") as archive:
            archive.add(plain, "inner.txt")
        with fsspec.open("memory://inner.txt", "w") as handle:
            handle.write("in memory")
        url = {"memory": "memory://inner.txt", "file": "file://" + plain,  # registry, by name
               "zip": "zip://inner.txt::file://" + os.path.join(folder, "a.zip"),
               "tar": "tar://inner.txt::file://" + os.path.join(folder, "a.tar")}[sys.argv[1]]
        with fsspec.open(url, "rt") as handle:
            print(sys.argv[1], handle.read())
        shutil.rmtree(folder)
        """, [["memory"], ["file"], ["zip"], ["tar"]]),
    "sphinx_themes": (["sphinx", "furo", "sphinx-rtd-theme"], """\
        import os, shutil, sys, tempfile
        from sphinx.cmd.build import build_main
        folder = tempfile.mkdtemp()
        with open(os.path.join(folder, "conf.py"), "w") as handle:
            handle.write("project = 'demo'\\nhtml_theme = %r\\n" % sys.argv[1])  # by entry point
        with open(os.path.join(folder, "index.rst"), "w") as handle:
            handle.write("Demo\\n====\\n\\nHello.\\n")
        status = build_main(["-q", "-b", "html", folder, os.path.join(folder, "_build")])
        with open(os.path.join(folder, "_build", "index.html")) as handle:
            page = handle.read()
        print(sys.argv[1], status, "Hello." in page,
              len(os.listdir(os.path.join(folder, "_build", "_static"))))
        shutil.rmtree(folder)
        """, [["alabaster"], ["furo"], ["sphinx_rtd_theme"], ["classic"]]),
}

# Nuitka's standalone test programs (tests/standalone of its sdist) -> what they
# need installed; those not run here, with the reason.
STANDALONE_TESTS = {
    "BrotliUsing": ["brotli"],
    "CtypesUsing": [],
    "DateutilsUsing": ["python-dateutil"],
    "FlaskUsing": ["flask"],
    "IdnaUsing": ["idna"],
    "LxmlUsing": ["lxml"],
    "MatplotlibUsing": ["matplotlib"],
    "MetadataPackagesUsing": [],
    "ModuleDunderAttributeTest": [],
    "MultiprocessingForkserverUsing32": [],
    "NumpyUsing": ["numpy"],
    "PandasUsing": ["pandas"],
    "PasslibUsing": ["passlib"],
    "PendulumUsing": ["pendulum"],
    "PkgResourcesRequiresUsing": ["lxml", "setuptools"],
    "RsaUsing": ["rsa"],
    "SetuptoolsUsing_311": ["setuptools"],
    "ShlibUsing": [],
    "SocketUsing": [],
    "TextualUsing38": ["textual"],
    "TyroUsing38": ["tyro"],
    "Urllib3Using": ["urllib3"],
}
STANDALONE_NOT_RUN = {
    "GlfwUsing": "needs a display", "GtkUsing": "PyGTK 2 (Python 2)",
    "OpenGLUsing": "needs a display", "PmwUsing": "Tk: needs a display",
    "PyQt5Plugins": "needs a display", "PyQt5SSLSupport": "needs a display",
    "PyQt5Using": "needs a display", "PyQt6Plugins": "needs a display",
    "PyQt6Using": "needs a display", "PySide2Using": "no PySide2 for Python 3.11+",
    "PySide6Plugins": "needs a display", "PySide6Using": "needs a display",
    "PySide6WebEngineFrameworks": "needs a display",
    "TkInterUsing": "Tk: needs a display", "Win32ComUsing": "Windows only",
    "HexEncodingTest_2": "Python 2 only",
}

TOOLS = ["pyinstaller", "pytest"]
# hinted-field: the hinted build, then the held-out inputs run against it "in the
# field" with NUITKA_HINTS_MISSES set, what the binary lacked learned (hinted_mods.py
# --learn) and the program built again, until it lacks nothing new (at most
# FIELD_ROUNDS times): the held-out column after that.
FIELD = "hinted-field"
FIELD_ROUNDS = 3  # field runs learned from, each followed by a build
# The hinted methods: the options each adds to nuitka_hints.py (hinted-nocold: the
# smallest dist, without the cold tier).
HINTED_OPTIONS = {"hinted": [], "hinted-nocold": ["--hinted-cold=no"],
                  "hinted-reached": ["--hinted-cold=reached"],
                  "hinted-onefile": ["--mode=onefile"],
                  "hinted-safe": ["--hinted-safe"], FIELD: []}
METHODS = (*HINTED_OPTIONS, "plain", "pyinstaller")
NO_CACHES = ["--disable-cache=all"]  # --no-caches: no build profits from an earlier one's work
DEFAULT_METHODS = ("hinted", "plain", "pyinstaller")
HELD_OUT_METHODS = ("hinted", "hinted-nocold", "hinted-safe", "plain")


def requirements():
    """Everything the programs need, as pip requirements."""
    needed = {distribution for distribution, _, _ in APPLICATIONS.values()}
    needed.update(r for programs in (LIBRARY_PROGRAMS, LOCALE_PROGRAMS, REACH_PROGRAMS)
                  for needs, _, _ in programs.values() for r in needs)
    needed.update(r for needs in STANDALONE_TESTS.values() for r in needs)
    needed.update(distribution for distribution, _, _, _ in PROJECTS.values())
    return sorted(needed) + TOOLS


def main(argv):
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    options = dict(arg[2:].partition("=")[::2] for arg in argv if arg.startswith("--"))
    names = [arg for arg in argv if not arg.startswith("--")]
    python = options.pop("python", "%d.%d" % sys.version_info[:2])
    if "markdown" not in options and (
            "%d.%d" % sys.version_info[:2] != python or not _in_environment(python)):
        return run_in_environment(python, argv)
    sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]
    held_out = options.pop("held-out", None) is not None
    default = HELD_OUT_METHODS if held_out else DEFAULT_METHODS
    methods = options.pop("methods", ",".join(default)).split(",")
    listing = "list" in options
    options.pop("list", None)
    earlier = options.pop("rows-from", None)
    markdown = options.pop("markdown", None) is not None
    nuitka_options = NO_CACHES if options.pop("no-caches", None) is not None else []
    programs = all_programs()
    unknown = [n for n in names if n not in programs] + [m for m in methods if m not in METHODS]
    unknown += ["--" + name for name in options]
    if unknown:
        sys.exit("realworld.py: error: unknown %s: methods are %s; --list lists the programs"
                 % (", ".join(unknown), ", ".join(METHODS)))
    if listing:
        for name, program in programs.items():
            print("%-34s %-12s %s" % (name, program["kind"], program.get("skip", "")))
        return 0
    rows = []
    if earlier:
        with open(earlier) as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    if markdown:
        print_markdown(rows, programs)
        return 0
    import compare

    work = tempfile.mkdtemp(prefix="nuitka-hints-realworld-")
    print("realworld: work folder %s" % work, flush=True)
    compare.warm_up(work, [])
    every = [n for n, p in programs.items() if "skip" not in p and
             (not held_out or len(p["runs"]) > 1)]
    for name in names or every:
        if "skip" not in programs[name]:  # (named or not: the skipped are listed below)
            rows += measure(name, programs[name], methods, work, held_out, nuitka_options)
    print_table(sorted(rows, key=lambda row: (list(programs).index(row["program"]),
                                              METHODS.index(row["method"]))))
    for name, program in programs.items():
        if "skip" in program:
            print("%-34s %s" % (name, program["skip"]))
    print("versions: Python %s; %s" % (sys.version.split()[0], ", ".join(
        "%s %s" % item for item in versions().items())))
    return 0 if all(row["verify"] == "same" for row in rows if row["method"] == "hinted") else 1


def versions():
    """The installed version of Nuitka, PyInstaller and every program's distribution."""
    from importlib.metadata import version

    return {name: version(name) for name in ["nuitka", *requirements()] if _installed(name)}


def _venv(python, benchmark="realworld"):
    return os.path.join(ROOT, "benchmarks", ".venv-%s-%s" % (benchmark, python))


def _in_environment(python):
    return os.path.realpath(sys.prefix) == os.path.realpath(_venv(python))


def run_in_environment(python, argv):
    """Make the environment of ``python`` with all it needs; run this script there."""
    interpreter = made_environment(_venv(python), python, TOOLS)
    pip = [interpreter, "-m", "pip", "install", "--quiet"]
    if subprocess.run(pip + requirements()).returncode != 0:  # one by one: say which fail
        for requirement in requirements():
            if subprocess.run(pip + [requirement]).returncode != 0:
                print("realworld: %s does not install on Python %s: its programs are not run"
                      % (requirement, python), flush=True)
    return subprocess.call([interpreter, os.path.abspath(__file__), *argv])


def made_environment(venv, python, packages):
    """The interpreter of ``venv`` (made with ``python`` if missing), with this
    project (editable), the Nuitka the benchmarks pin and ``packages`` installed."""
    interpreter = os.path.join(venv, "bin", "python")
    if not os.path.exists(interpreter):
        subprocess.run([_find_python(python), "-m", "venv", venv], check=True)
    pip = [interpreter, "-m", "pip", "install", "--quiet"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + ["--editable", ROOT, "nuitka==%s" % NUITKA_VERSION, *packages],
                   check=True)
    return interpreter


def _find_python(version):
    """python3.X from PATH or pyenv, as dev.sh finds it."""
    found = shutil.which("python" + version)
    if found and subprocess.run([found, "-c", "pass"], capture_output=True).returncode == 0:
        return found  # (a pyenv shim of a version not selected here does not run)
    prefix = subprocess.run(["pyenv", "prefix", version], capture_output=True, text=True)
    if prefix.returncode == 0:
        return os.path.join(prefix.stdout.strip(), "bin", "python" + version)
    sys.exit("realworld.py: error: no python%s on PATH or in pyenv: install it" % version)


def all_programs():
    """Program name -> {kind, runs, write(folder) -> script, [skip]}."""
    programs = {}
    for script, (distribution, runs, files) in APPLICATIONS.items():
        programs[script] = {"kind": "application", "runs": runs, "files": files,
                            "source": console_script_source(script), "needs": [distribution]}
    for name, (needs, source, runs) in {**LIBRARY_PROGRAMS, **LOCALE_PROGRAMS,
                                        **REACH_PROGRAMS}.items():
        programs[name] = {"kind": "library", "runs": runs, "files": {},
                          "source": textwrap.dedent(source), "needs": needs}
    for name, (distribution, source, runs, files) in PROJECTS.items():
        programs[name] = {"kind": "project", "runs": runs, "files": files, "source": source,
                          "needs": [distribution]}
    for name in sorted(STANDALONE_TESTS) + sorted(STANDALONE_NOT_RUN):
        program = {"kind": "nuitka-test", "runs": [[]], "files": {}, "test": name,
                   "needs": STANDALONE_TESTS.get(name, [])}
        if name in STANDALONE_NOT_RUN:
            program["skip"] = "not run: " + STANDALONE_NOT_RUN[name]
        programs[name] = program
    for program in programs.values():
        missing = [n for n in program["needs"] if not _installed(n)]
        if missing and "skip" not in program:
            program["skip"] = "not run: %s does not install on this Python" % ", ".join(missing)
    return programs


def _installed(distribution):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return bool(version(distribution))
    except PackageNotFoundError:
        return False


def console_script_source(name):
    """The script pip writes for console script ``name`` (``sys.argv[0]`` is the
    command's name, as when it is run from PATH)."""
    from importlib.metadata import entry_points

    found = entry_points(group="console_scripts", name=name)
    if not found:
        return None
    entry = next(iter(found))
    module, _, attribute = entry.value.partition(":")
    return ("import sys\nfrom %s import %s\nif __name__ == '__main__':\n"
            "    sys.argv[0] = %r\n    sys.exit(%s())\n"
            % (module, attribute.partition(".")[0], name, attribute))


def write_program(name, program, folder):
    """The program's script and input files in ``folder``; the script's path."""
    if program["kind"] == "project":
        project_sdist(program["needs"][0], folder)
    os.makedirs(folder, exist_ok=True)
    for relative, text in program["files"].items():
        with open(os.path.join(folder, relative), "w", encoding="utf-8") as handle:
            handle.write(text)
    if program["kind"] == "nuitka-test":
        tests = standalone_tests_folder()
        for extra in ("some_module.py", "some_package"):  # ModuleDunderAttributeTest's
            source = os.path.join(tests, extra)
            copy = shutil.copytree if os.path.isdir(source) else shutil.copy
            copy(source, os.path.join(folder, extra))
        script = os.path.join(folder, program["test"] + ".py")
        shutil.copy(os.path.join(tests, program["test"] + ".py"), script)
        return script
    script = os.path.join(folder, name.replace("-", "_") + "_cli.py")  # not the package
    with open(script, "w") as handle:
        handle.write(program["source"])
    return script


def project_sdist(distribution, folder):
    """The source distribution of the installed version of ``distribution``,
    unpacked as ``folder``, with a secret in it (``PROJECT_SECRET``)."""
    from importlib.metadata import version

    download = folder + "-sdist"
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", ":all:", "%s==%s" % (distribution, version(distribution)),
                    "-d", download], check=True)
    archive = os.path.join(download, os.listdir(download)[0])
    with tarfile.open(archive) as sdist:
        sdist.extractall(download, filter="data")
    top = next(n for n in os.listdir(download) if os.path.isdir(os.path.join(download, n)))
    os.rename(os.path.join(download, top), folder)
    with open(os.path.join(folder, PROJECT_SECRET[0]), "w") as handle:
        handle.write(PROJECT_SECRET[1])


def record_test_suite(folder, script):
    """Record the project's tests as the README says, into the entry script's hints."""
    from hints_file import hints_path

    traced = subprocess.run([sys.executable, os.path.join(ROOT, "hinted_mods.py"),
                             "-o", hints_path(script), "-m", "pytest", "-q", "tests"],
                            cwd=folder, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=1800)
    print("realworld: traced the tests of %s: exit %d" % (os.path.basename(folder),
                                                          traced.returncode), flush=True)


def standalone_tests_folder():
    """Nuitka's tests/standalone, from its source distribution on PyPI (downloaded
    once into benchmarks/.nuitka-sdist; Apache-2.0, not part of this project)."""
    target = os.path.join(ROOT, "benchmarks", ".nuitka-sdist")
    folder = os.path.join(target, "Nuitka-%s" % NUITKA_VERSION, "tests", "standalone")
    if not os.path.isdir(folder):
        os.makedirs(target, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", "nuitka==%s" % NUITKA_VERSION, "-d", target],
                       check=True)
        archive = next(os.path.join(target, n) for n in os.listdir(target)
                       if n.lower().startswith("nuitka-") and n.endswith(".tar.gz"))
        with tarfile.open(archive) as sdist:
            members = [m for m in sdist.getmembers() if "/tests/standalone/" in m.name]
            sdist.extractall(target, members=members, filter="data")
        top = next(n for n in os.listdir(target) if os.path.isdir(os.path.join(target, n)))
        if top != "Nuitka-%s" % NUITKA_VERSION:
            os.rename(os.path.join(target, top), os.path.join(target, "Nuitka-%s" % NUITKA_VERSION))
    return folder


def measure(name, program, methods, work, held_out=False, nuitka_options=()):
    """Trace the program's runs, then build and replay it each way: rows.  With
    ``held_out`` only the first run is recorded for the build; the others are
    traced into a file of their own, to be replayed as inputs nobody recorded,
    and timed against the interpreted run (``slowest``: the largest ratio)."""
    import compare
    import nuitka_hints
    from hints_file import Hints, hints_path

    folder = os.path.join(work, name)
    script = write_program(name, program, folder)
    unrecorded = os.path.join(folder, "held-out.json")
    project = program["kind"] == "project"  # its tests recorded: every command line held out
    if project:
        record_test_suite(folder, script)
        held_out = True
    for number, run in enumerate(program["runs"]):
        args, stdin = run if isinstance(run, tuple) else (run, None)
        output = ["-o", unrecorded] if held_out and (number or project) else []
        traced = subprocess.run(
            [sys.executable, os.path.join(ROOT, "hinted_mods.py"), *output, script, *args],
            cwd=folder, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True, text=True, timeout=600)
        print("realworld: traced %s %s: exit %d" % (name, " ".join(args), traced.returncode),
              flush=True)
        if traced.returncode != 0 and program["kind"] == "nuitka-test":  # they exit 0
            print(traced.stderr[-2000:])
            return [{"program": name, "kind": program["kind"], "method": method, "size": 0,
                     "files": 0, "seconds": 0, "verify": "not run",
                     "why": "the interpreted run fails (exit %d)" % traced.returncode}
                    for method in methods]
    hints = Hints.load(hints_path(script))
    interpreted = interpreted_seconds(script, unrecorded) if held_out and not project else []
    rows = []
    for method in methods:
        row = {"program": name, "kind": program["kind"], "method": method}
        try:
            binary, row["seconds"], row["rounds"] = build(method, script, folder,
                                                          nuitka_options=nuitka_options)
        except BuildFailed as failure:
            row.update(verify="build failed", why=str(failure), seconds=0, size=0, files=0)
        else:
            row["size"], row["files"] = compare.shipped_size(binary, method.endswith("-onefile"))
            verdicts = [nuitka_hints.replay(binary, run, script)
                        for run in ([] if project else Hints.load(hints.filename).runs)]
            differing = [explanation for verdict, explanation in verdicts if verdict == "differs"]
            row["verify"] = "same" if not differing else "differs"
            row["why"] = "; ".join(differing[0][:3]) if differing else ""
            if project and os.path.exists(os.path.join(os.path.dirname(binary),
                                                       PROJECT_SECRET[0])):
                row["verify"], row["why"] = "differs", "the project's %s shipped" % (
                    PROJECT_SECRET[0])
            if held_out and method == FIELD:  # the field: the binary notes what it lacked
                misses = os.path.join(folder, FIELD + "-misses.txt")
                row["held_out_before"], _, _ = replay_held_out(binary, script, unrecorded,
                                                               misses)
                binary, seconds, rounds, row["learned"] = learn_from_the_field(
                    binary, script, folder, unrecorded, misses, nuitka_options)
                row["seconds"], row["rounds"] = row["seconds"] + seconds, row["rounds"] + rounds
                row["size"], row["files"] = compare.shipped_size(binary, False)
            if held_out:
                row["held_out"], failed, seconds = replay_held_out(binary, script, unrecorded)
                ratios = [took / base for took, base in zip(seconds, interpreted) if base]
                if ratios:
                    row["slowest"] = max(ratios)
                row["why"] = row["why"] or "; ".join(failed[0][:3]) if failed else row["why"]
        rows.append(row)
        with open(os.path.join(work, "realworld.jsonl"), "a") as handle:
            handle.write(json.dumps(row) + "\n")
        print_table(rows[-1:], header=False)
    return rows


def replay_held_out(binary, script, unrecorded, misses_file=None):
    """Replay the runs nobody recorded (``unrecorded``, a hints file of their own)
    against ``binary``: ('N/M same', the explanations of those that differ, the
    wall time of each run)."""
    import nuitka_hints
    from hints_file import Hints

    others, seconds = [], []
    for run in Hints.load(unrecorded).runs:
        start = time.monotonic()
        others.append(nuitka_hints.replay(binary, run, script, misses_file=misses_file))
        seconds.append(time.monotonic() - start)
    failed = [explanation for verdict, explanation in others if verdict == "differs"]
    return "%d/%d same" % (len(others) - len(failed), len(others)), failed, seconds


def interpreted_seconds(script, unrecorded):
    """The wall time of each run nobody recorded, run by this Python from the
    script as recorded (arguments, stdin, folder), None for a run it cannot
    replay: what a binary's run is held to."""
    import nuitka_hints
    from hints_file import Hints

    seconds = []
    for run in Hints.load(unrecorded).runs:
        start = time.monotonic()
        ran, _ = nuitka_hints.run_as_recorded([sys.executable, script], run, script)
        seconds.append(time.monotonic() - start if ran else None)
    return seconds


def learn_from_the_field(binary, script, folder, unrecorded, misses, nuitka_options):
    """Learn what ``binary`` lacked in the field (its ``misses`` file) into the
    method's hints (``hinted_mods.py --learn``) and build again; run the inputs
    nobody recorded against the new binary the same way, up to FIELD_ROUNDS
    builds, until it lacks nothing new: (binary, seconds, rounds, what was
    learned)."""
    import hints_file

    hints, first_misses = os.path.join(folder, "%s.json" % FIELD), misses
    seconds, rounds, learned = 0, 0, []
    for number in range(FIELD_ROUNDS):
        if not os.path.exists(misses):  # it lacked nothing: nothing to learn
            break
        before = hints_file.Hints.load(hints)
        result = subprocess.run([sys.executable, os.path.join(ROOT, "hinted_mods.py"),
                                 "--learn", hints, misses], capture_output=True, text=True,
                                timeout=600)
        print("realworld: %s" % result.stdout.strip(), flush=True)
        after = hints_file.Hints.load(hints)
        new = sorted(set(after.learned) - set(before.learned)) + sorted(
            name for where, files in after.learned_files.items() for name in files
            if name not in before.learned_files.get(where, {}))
        if not new:
            break
        learned += new
        binary, took, built = build(FIELD, script, folder, keep_hints=True,
                                    nuitka_options=nuitka_options)
        seconds, rounds = seconds + took, rounds + built
        misses = "%s.%d" % (first_misses, number + 1)  # the next field run's own file
        replay_held_out(binary, script, unrecorded, misses)
    return binary, seconds, rounds, learned


class BuildFailed(Exception):
    """A build that stopped; its message is the last line it printed."""


def build(method, script, folder, keep_hints=False, nuitka_options=()):
    """Build ``script`` by ``method`` into ``folder``/``method``: (binary, seconds,
    rounds of the hinted flow).  A hinted method learns into a copy of the
    recorded hints of its own, made anew unless ``keep_hints``; Nuitka's builds
    take ``nuitka_options`` too."""
    import compare
    import nuitka_hints

    out = os.path.join(folder, method)
    stem = os.path.splitext(os.path.basename(script))[0]
    label = "%s %s" % (method, stem)
    if method == "pyinstaller":
        command, binary = compare.pyinstaller_for(script, out,
                                                  os.path.join(folder, "pyinstaller-work"))
    elif method == "plain":
        command = [sys.executable, "-m", "nuitka", "--mode=standalone", *nuitka_options,
                   "--output-dir=%s" % out, script]
        binary = nuitka_hints.nuitka_settings(command[3:-1], script).result()
    else:
        from hints_file import hints_path

        hints = os.path.join(folder, "%s.json" % method)
        if not keep_hints:
            shutil.copy(hints_path(script), hints)
        command = [sys.executable, os.path.join(ROOT, "nuitka_hints.py"), "--verify",
                   *HINTED_OPTIONS[method], *nuitka_options,
                   "--hints=%s" % hints, "--output-dir=%s" % out, script]
        binary = nuitka_hints.nuitka_settings(command[3:-1], script).result()
    seconds, stamped, _ = compare.run_logged(command, folder, label)
    log = "".join(line for _, line in stamped)
    if not os.path.isfile(binary):
        last = [line for line in log.splitlines() if line.strip()][-1:] or ["no output"]
        raise BuildFailed(last[0].strip()[:300])
    rounds = log.count("nuitka-hints: running ") if method.startswith("hinted") else 1
    return binary, seconds, rounds


def print_markdown(rows, programs):
    """The table of ``rows`` as Markdown: a line per program, the methods side by
    side, then the ratios of hinted to plain and to PyInstaller."""
    by_program = {}
    for row in rows:
        by_program.setdefault(row["program"], {})[row["method"]] = row
    methods = [m for m in METHODS if any(m in of for of in by_program.values())]

    def cell(row):
        if row is None:
            return "not built"
        if row["verify"] in ("build failed", "not run"):
            return "**%s**" % row["verify"]
        rounds = ", %d builds" % row["rounds"] if row.get("rounds", 1) > 1 else ""
        verdict = row["verify"] if row["verify"] == "same" else "**%s**" % row["verify"]
        held = ", held-out %s" % row["held_out"] if "held_out" in row else ""
        held += " (slowest %.1fx python)" % row["slowest"] if "slowest" in row else ""
        if "held_out_before" in row:
            held += " (%s before learning %s from the field)" % (
                row["held_out_before"], ", ".join(row["learned"]) or "nothing")
        return "%.1f MB, %d files, %.0f s%s, %s%s" % (
            row["size"] / 1e6, row["files"], row["seconds"], rounds, verdict, held)

    print("| program | kind | %s | hinted / plain: size, build | hinted / PyInstaller: "
          "size, build |" % " | ".join(methods))
    print("| --- | --- | %s--- | --- |" % ("--- | " * len(methods)))
    for name in sorted(by_program, key=list(programs).index):
        of = by_program[name]
        ratios = []
        for base in ("plain", "pyinstaller"):
            hinted, other = of.get("hinted"), of.get(base)
            ratios.append("%.2f, %.2f" % (hinted["size"] / other["size"],
                                          hinted["seconds"] / other["seconds"])
                          if hinted and other and hinted["size"] and other["size"] else "")
        print("| %s | %s | %s | %s |" % (name, programs[name]["kind"], " | ".join(
            cell(of.get(method)) for method in methods), " | ".join(ratios)))


def print_table(rows, header=True):
    line = "%-34s %-12s %-12s %10s %6s %8s %6s %12s  %s"
    if header:
        print()
        print(line % ("program", "kind", "method", "dist size", "files", "build", "rounds",
                      "held-out", "recorded runs replayed"))
    for row in rows:
        print(line % (row["program"], row["kind"], row["method"], "%.1f MB" % (row["size"] / 1e6),
                      row["files"], "%.0f s" % row["seconds"], row.get("rounds", ""),
                      row.get("held_out", "") + (" %.1fx" % row["slowest"]
                                                 if "slowest" in row else ""),
                      row["verify"] + (": " + row["why"] if row.get("why") else "")), flush=True)
    if not header:
        return
    by_program = {}
    for row in rows:
        by_program.setdefault(row["program"], {})[row["method"]] = row
    print()
    for name, methods in by_program.items():
        hinted = methods.get("hinted")
        for base in ("plain", "pyinstaller"):
            other = methods.get(base)
            if hinted and other and hinted["size"] and other["size"]:
                print("%-34s hinted/%s: size %.2f, files %.2f, build time %.2f" % (
                    name, base, hinted["size"] / other["size"], hinted["files"] / other["files"],
                    hinted["seconds"] / other["seconds"]))
    counts = {}
    for row in rows:
        counts.setdefault(row["method"], []).append(row)
    for method, of_method in counts.items():
        print("%s: %d of %d programs replay every recorded run the same" % (
            method, sum(row["verify"] == "same" for row in of_method), len(of_method)))
        held_out = [row["held_out"] for row in of_method if "held_out" in row]
        if held_out:
            print("%s: %d of %d programs behave the same on every input nobody recorded" % (
                method, sum(h.split("/")[0] == h.split("/")[1].split()[0] for h in held_out),
                len(held_out)))
        timed = sorted((row["slowest"], row["program"]) for row in of_method if "slowest" in row)
        if timed:
            print("%s: an input nobody recorded took at most %.1f times the interpreter's time"
                  " (%s); over 3 times: %s" % (method, timed[-1][0], timed[-1][1], ", ".join(
                      name for ratio, name in timed if ratio > 3) or "none"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
