"""The search section's parts (bench/sections/search.py runs them).

- catalogue: the bench catalogue, a database of its own (`outings_bench`) built once from the
  real catalogue replicated in place and time, and reused between runs;
- mix: the query mix and the autocomplete prefixes, drawn (seeded) from that catalogue's words,
  places and dates, and the wrk scripts that cycle through them;
- capture: run each query of the mix through the engine in a Django process on that database,
  recording the SQL it sends and its time, and EXPLAIN the slowest statements;
- replay: the captured statements straight through psycopg (the denominator of the ratio);
- settings: the search server's settings (bench.settings with a cache that holds the mix).
"""
