from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a background component proved it was alive (read by /health)."""

    name = models.CharField(max_length=40, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Milestone(models.Model):
    """A one-time step that has happened (e.g. the demo catalogue was imported), so that
    `make run` never repeats it."""

    name = models.CharField(max_length=60, primary_key=True)
    reached_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """A side effect that a committed transaction promised: written in that transaction by
    `outings.common.outbox.enqueue`, delivered afterwards by the relay
    (see docs/background-work.md).

    pending → running (claimed: attempts + 1, a PostgreSQL advisory lock held by the claimer's
    session) → done | pending again with a later due time (retryable failure) | parked (gave up;
    staff retry it from the admin)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        PARKED = "parked", _("Parked")

    kind = models.CharField(_("kind"), max_length=80)
    queue = models.CharField(_("queue"), max_length=20)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The relay's claim and the sweep read only these rows: small, hot indexes.
            models.Index(
                fields=["queue", "due_at", "id"],
                name="outbox_pending_due",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["id"], name="outbox_running", condition=Q(status="running")),
            models.Index(fields=["status", "finished_at"], name="outbox_status_finished"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} ({self.status})"


class UsedFormToken(models.Model):
    """A page form's one-time token (outings.common.formtokens), spent by the submission that
    made something with it: the same form sent again (a double click, a resend, the page Back
    restored) is answered with what the first made (`made_id`) instead of making it twice."""

    user = models.ForeignKey(  # used_form_token_once in Meta leads with it
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    token = models.CharField(max_length=64)
    kind = models.CharField(max_length=40)
    made_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("used form token")
        verbose_name_plural = _("used form tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="used_form_token_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.made_id}"
