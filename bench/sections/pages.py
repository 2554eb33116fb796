"""Anonymous pages from the page cache against the same pages rendered (docs/caching.md).

Two gunicorn servers side by side (WSGI, 4 sync workers each, one database and one Redis): one
with bench.settings, whose anonymous pages come from the page cache once rendered, and one with
bench.settings_rendered, whose `pages` cache is Django's dummy cache, so that every page is
rendered. Anonymous GETs of random listing pages (LISTINGS of the published ones, so that the
warm-up renders each) and of the home page, at 1 connection (timed one at a time) and at 16
(wrk). A cached page still reads the catalogue version (one query) and passes through every
middleware; pages expire with their 120 s time window, so a run that crosses a window's end
renders them again and that is counted. DESIGN.md section 8 measured Django's `cache_page` at
~1,800 req/s, 1.4 times the page it cached.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench import wrk
from bench.measure import BenchError, Plan, Ratio
from bench.registry import Context, section
from bench.sections.api import lua_random_path
from bench.sequential import SequentialProbe

WORKERS = 4
LISTINGS = 200
LISTING_PREFIX = "/things-to-do/"
DESIGN_CACHE_PAGE_RPS = 1_800


@section(
    name="pages",
    summary="anonymous listing and home pages: from the page cache vs rendered (1 and 16 conns)",
    order=25,
    requires=("baseline",),
)
def pages(ctx: Context) -> Iterator[Plan]:
    import tempfile
    from pathlib import Path

    from django.db import connection

    from bench import fixtures
    from bench.server import gunicorn
    from outings.catalog.models import Listing

    executable = wrk.find()
    fixtures.ensure_schema()
    ids = list(Listing.objects.public().order_by("?").values_list("pk", flat=True)[:LISTINGS])
    if not ids:
        raise BenchError("no published listing in the catalogue: no listing page to serve")
    print(f"bench | pages: listing pages over {len(ids)} random published listings", flush=True)
    connection.close()
    listing_paths = [f"{LISTING_PREFIX}{i}/" for i in ids]
    with tempfile.TemporaryDirectory(prefix="outings-bench-pages-") as scratch:
        script = Path(scratch) / "random-listing.lua"
        script.write_text(lua_random_path(LISTING_PREFIX, ids, suffix="/"))
        with (
            gunicorn(settings_module="bench.settings", workers=WORKERS) as cached,
            gunicorn(settings_module="bench.settings_rendered", workers=WORKERS) as rendered,
        ):
            probes = []
            for name, server in (("cached", cached), ("rendered", rendered)):
                probes += [
                    SequentialProbe(
                        key=f"listing_{name}_c1",
                        label=f"listing page, {name}",
                        concurrency=1,
                        host=server.host,
                        port=server.port,
                        paths=listing_paths,
                        server_cpu=server.cpu_seconds,
                    ),
                    wrk.WrkProbe(
                        key=f"listing_{name}_c16",
                        label=f"listing page, {name}",
                        concurrency=16,
                        reference_rps=DESIGN_CACHE_PAGE_RPS if name == "cached" else None,
                        url=server.url("/"),
                        executable=executable,
                        script=script,
                        server_cpu=server.cpu_seconds,
                    ),
                    wrk.WrkProbe(
                        key=f"home_{name}_c16",
                        label=f"home page, {name}",
                        concurrency=16,
                        reference_rps=DESIGN_CACHE_PAGE_RPS if name == "cached" else None,
                        url=server.url("/"),
                        executable=executable,
                        server_cpu=server.cpu_seconds,
                    ),
                ]
            yield Plan(
                probes=probes,
                ratios=[
                    Ratio(
                        label="listing page: cached / rendered (16)",
                        numerator="pages.listing_cached_c16",
                        denominator="pages.listing_rendered_c16",
                    ),
                    Ratio(
                        label="home page: cached / rendered (16)",
                        numerator="pages.home_cached_c16",
                        denominator="pages.home_rendered_c16",
                    ),
                    Ratio(
                        label="listing page, cached / bare view (16)",
                        numerator="pages.listing_cached_c16",
                        denominator="baseline.bare_c16",
                    ),
                    Ratio(
                        label="CPU per request: listing page, cached / rendered (16)",
                        numerator="pages.listing_cached_c16",
                        denominator="pages.listing_rendered_c16",
                        metric="cpu_ms",
                    ),
                ],
            )
