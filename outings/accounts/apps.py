from allauth.core.internal import ratelimit
from django.apps import AppConfig
from django.core.cache import caches
from django.utils.connection import ConnectionProxy


class AccountsConfig(AppConfig):
    name = "outings.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Register the account outbox handlers (mail, a host off the site) in every process.
        from outings.accounts import handlers, mail  # noqa: F401

        # allauth's rate limits read and write `django.core.cache.cache`, the default cache,
        # with no error handling and no setting to name another: with Redis down every log-in,
        # sign-up, reset and re-authentication was a 500. They count in the "ratelimits" cache
        # instead, which lets every attempt through while it is down (outings.common.cache,
        # RateLimitRedisCache). allauth names no public hook for this; a test
        # (test_review_session21_redis_down) fails if an upgrade stops reading this attribute.
        ratelimit.cache = ConnectionProxy(caches, "ratelimits")
