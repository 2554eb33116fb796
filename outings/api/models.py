from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One caller's use of an `Idempotency-Key`: claimed by an INSERT that the unique constraint
    arbitrates, then completed with the response to replay. See outings.api.idempotency."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", _("In flight")
        DONE = "done", _("Done")

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    # The language the response was written in (its Content-Language), which its replays say
    # too, whatever the retry asks for. A default in the database as well: the claim's INSERT
    # leaves it out.
    response_language = models.CharField(max_length=16, blank=True, default="", db_default="")
    # Encrypted at rest: a replayed body may carry a secret (a new API token).
    response_body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_scope_key"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires_at")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} ({self.state})"
