import factory
from factory.declarations import LazyAttribute, LazyFunction, Sequence

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Category, Listing


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = Sequence(lambda n: f"guest{n}")
    email = LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Ada"
    password = "!"  # unusable; tests log in with force_login


class ListingFactory(factory.django.DjangoModelFactory[Listing]):
    class Meta:
        model = Listing

    host = LazyFunction(
        lambda: HostProfile.objects.create(user=UserFactory.create(), display_name="Host")
    )
    category = LazyFunction(lambda: Category.objects.get_or_create(slug="tours")[0])
    status = Listing.Status.PUBLISHED
    title = Sequence(lambda n: f"Harbour walk {n}")
