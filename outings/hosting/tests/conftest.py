from outings.hosting.tests.fixtures import categories, host, host_client, listing, media, slot

__all__ = ["categories", "host", "host_client", "listing", "media", "slot"]
