"""matplotlib (Agg): draw a line or bar chart, save it as PNG, report the file.

    python mpl_plot.py line|bar
"""

import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

kind = sys.argv[1] if len(sys.argv) > 1 else "line"
fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
xs = list(range(10))
if kind == "bar":
    ax.bar(xs, [x * x for x in xs], color="tab:orange")
else:
    ax.plot(xs, [x * x for x in xs], marker="o")
ax.set_title("squares (%s)" % kind)
ax.set_xlabel("x")
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "chart.png")
    fig.savefig(path)
    with open(path, "rb") as handle:
        header = handle.read(24)
print("PNG", header[:8] == b"\x89PNG\r\n\x1a\n", "size", int.from_bytes(header[16:20], "big"),
      "x", int.from_bytes(header[20:24], "big"))
