"""Staff's moderation views of other apps' models, as proxies (no tables of their own): the
admin lists them under "Hosting" with actions that go through the services, so every staff
decision is audited."""

from django.utils.translation import gettext_lazy as _

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing


class ListingReview(Listing):
    class Meta:
        proxy = True
        verbose_name = _("listing to review")
        verbose_name_plural = _("listings to review")


class HostModeration(HostProfile):
    class Meta:
        proxy = True
        verbose_name = _("host moderation")
        verbose_name_plural = _("host moderation")
