"""Bench-only views, mounted by bench.urls (never by config.urls)."""

import os

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404

from outings.catalog.models import Listing


def hello(request: HttpRequest) -> JsonResponse:
    """The least a Django view can do: the whole middleware stack, no database, a small body."""
    return JsonResponse({"status": "ok"})


def pid(request: HttpRequest) -> JsonResponse:
    """Which worker answered: the bench server is ready once every worker has."""
    return JsonResponse({"pid": os.getpid()})


def listing(request: HttpRequest, pk: int) -> JsonResponse:
    """One indexed query per request: a primary-key lookup through the ORM and the pool."""
    found = get_object_or_404(Listing, pk=pk)
    return JsonResponse({"id": found.pk, "title": found.title})
