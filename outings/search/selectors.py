"""What other apps read of the search document (the explore query itself is outings.search.engine,
behind outings.search.query)."""

from django.contrib.postgres.search import SearchQueryField
from django.db.models import BooleanField, F, Func, Value


class _Matches(Func):
    arg_joiner = " @@ "
    template = "%(expressions)s"
    output_field = BooleanField()


def document_matches(text: str) -> Func:
    """A condition on listings: their search document (title, category, tags, city, summary,
    description) matches `text` read as a web search in every language of the catalogue
    (`outings_websearch_any`, as explore reads it, without its prefix match on the last word or
    its typo correction). The GIN index on the document answers it, for any number of rows."""
    query = Func(Value(text), function="outings_websearch_any", output_field=SearchQueryField())
    return _Matches(F("search_vector"), query)
