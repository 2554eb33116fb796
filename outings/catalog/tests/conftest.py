from outings.hosting.tests.fixtures import categories, media

__all__ = ["categories", "media"]
