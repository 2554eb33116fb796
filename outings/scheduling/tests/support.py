"""Helpers the schedule tests of several apps share."""

from typing import Any

from django.db.models import Model


def stored(*models: type[Model]) -> dict[str, list[Any]]:
    """Every row of each model as stored, by id: equal before and after means nothing changed."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values()) for model in models
    }
