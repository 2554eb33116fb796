from django.db import models


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
