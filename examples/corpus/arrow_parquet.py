"""pyarrow: build a table, write it as Parquet with the codec named on the command
line, read it back, filter and aggregate with ``pyarrow.compute``; no pandas.

    python arrow_parquet.py zstd|snappy

pyarrow's compression codecs live in its C++ libraries; its Python side offers
pandas and numpy conversions that this program never asks for.
"""

import os
import sys
import tempfile

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

codec = sys.argv[1] if len(sys.argv) > 1 else "zstd"
table = pa.table({
    "city": ["Oslo", "Lima", "Oslo", "Pune", "Lima", "Oslo"],
    "year": pa.array([2020, 2020, 2021, 2021, 2022, 2022], pa.int16()),
    "rain_mm": [760.0, 6.4, 812.5, 722.1, 9.8, 701.0],
})
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "rain.parquet")
    pq.write_table(table, path, compression=codec)
    metadata = pq.read_metadata(path)
    back = pq.read_table(path)
print(metadata.num_rows, metadata.row_group(0).column(0).compression)
wet = back.filter(pc.greater(back["rain_mm"], 100.0))
by_city = wet.group_by("city").aggregate([("rain_mm", "mean"), ("year", "count")])
print(by_city.sort_by("city").to_pylist())
print(sorted(name for name in ("numpy", "pandas") if name in sys.modules))
