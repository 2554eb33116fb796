from outings.hosting.tests.fixtures import categories, media, nudges

__all__ = ["categories", "media", "nudges"]
