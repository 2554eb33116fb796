"""One module per benchmark section; each registers itself with `bench.registry.section`."""
