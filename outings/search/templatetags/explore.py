from django import template

from outings.catalog.models import CATEGORY_NAMES

register = template.Library()


@register.filter
def category_name(slug: str) -> str:
    return str(CATEGORY_NAMES.get(slug, slug))
