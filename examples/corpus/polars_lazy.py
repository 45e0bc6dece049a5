"""polars: a lazy join, a group-by and a window function; no numpy, no torch.

polars looks up torch, numpy and pandas (``find_spec``) to offer conversions; with
them installed and unused, none of them belongs in the build.
"""

import sys

import polars as pl

orders = pl.LazyFrame({
    "order": [1, 2, 3, 4, 5, 6],
    "customer": ["ann", "bob", "ann", "cid", "bob", "ann"],
    "amount": [30.0, 12.5, 7.5, 99.0, 20.0, 15.0],
})
customers = pl.LazyFrame({
    "customer": ["ann", "bob", "cid"],
    "city": ["Oslo", "Lima", "Oslo"],
})
joined = orders.join(customers, on="customer", how="left")
if sys.argv[1:] == ["by-city"]:
    query = joined.group_by("city").agg(
        pl.col("amount").sum().alias("total"), pl.len().alias("orders")).sort("city")
else:
    query = joined.with_columns(
        pl.col("amount").cum_sum().over("customer").alias("running")).sort("order")
print(query.collect())
print(sorted(name for name in ("torch", "numpy", "pandas") if name in sys.modules))
