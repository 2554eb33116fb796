"""Review (session 23): autocomplete decided whether its starts found "fewer than ten" by
counting labels, where it shows each country's place of a shared name apart ("Paris, FR",
"Paris, US", since session 22), so ten starts with two places of one name read the words
inside titles and the trigram fill-up for nothing; and the words part took its rows before
it took each title once, where a title has a row for each of its words that starts so, so
that a few titles with many such words filled its rows and fewer than ten suggestions came
back although more titles had the word."""

from typing import Any

import pytest
from django.db import connection

from outings.search.related import autocomplete
from outings.search.services import refresh_lexicon
from outings.search.tests.test_review_session22_autocomplete import _plan

pytestmark = pytest.mark.django_db


def test_titles_with_many_words_of_the_prefix_leave_room_for_the_others(
    make_listing: Any,
) -> None:
    # Nine titles that weigh more (each carried by three listings), each with six words
    # that start with "wal", and three lighter ones with one: 57 words, ten titles to offer.
    heavy = [f"Old town {n}: walks, walls, walled walkways, wall art, walnuts" for n in range(9)]
    for title in heavy:
        for _ in range(3):
            make_listing(title)
    light = [f"A long evening by the harbour {n} and a walkabout" for n in range(3)]
    for title in light:
        make_listing(title)
    refresh_lexicon()

    labels = [c.label for c in autocomplete(prefix="wal")]

    # The heavy ones first (in no order of their own: they weigh the same and their last
    # word of "wal" is as long), then a light one.
    assert len(labels) == 10
    assert set(labels[:9]) == set(heavy)
    assert labels[9] in light


def test_ten_starts_with_two_places_of_one_name_read_nothing_more(make_listing: Any) -> None:
    """Ten suggestions start with "par": Paris, FR and Paris, US, and eight titles. Counted by
    label they were nine, and the words inside titles and the close spellings were read too."""
    make_listing("Louvre at night", city="Paris", country_code="FR", latitude=48.9, longitude=2.3)
    make_listing("Eiffel replica", city="Paris", country_code="US", latitude=33.7, longitude=-95.6)
    parades = [f"Parade {n}" for n in range(8)]
    for title in parades:
        make_listing(title)
    make_listing("A harbour parade")  # "par" inside: an eleventh, after the ten
    refresh_lexicon()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_suggestion")
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = _plan(cursor, "par")
        finally:
            cursor.execute("RESET enable_seqscan")

    assert sorted(c.label for c in autocomplete(prefix="par")) == sorted(
        ["Paris, FR", "Paris, US", *parades]
    )
    # The words inside titles, and the close spellings (`%`), are in the plan, never run.
    assert not _runs(plan, "suggestion_word_prefix")
    assert not _runs(plan, "(normalized)::text % 'par'::text")


def _runs(plan: str, text: str) -> bool:
    """Whether a node of the plan that `text` is in (its line or one of its conditions) ran:
    an InitPlan's gate leaves a node never executed. AssertionError if no node has it."""
    lines = plan.splitlines()
    nodes = [
        next(lines[j] for j in range(i, -1, -1) if "->" in lines[j])
        for i, line in enumerate(lines)
        if text in line
    ]
    assert nodes, f"{text} is not in the plan:\n{plan}"
    return any("(never executed)" not in node for node in nodes)
