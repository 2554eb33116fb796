"""Review, session 24: the explore page read a date, a time zone and a language more loosely
than GET /api/v1/search, which answers 400 for the same URL: `date_from=2027-1-5` (strptime's
`%m` and `%d` take one digit, and a space before it) and ` 2027-01-05` (the field stripped it)
searched from January 5th, ` Europe/Berlin` in Berlin's days and ` de` for German, where the
API says each is malformed. Now the page names them as the API does."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2027-1-5"},
        {"date_from": "2027-01- 5"},
        {"date_from": " 2027-01-05"},
        {"date_from": "2027-01-05 "},
        {"date_to": "2027-1-05"},
        {"date_to": "2027-01-05\n"},
        {"tz": " Europe/Berlin"},
        {"tz": "Europe/Berlin "},
        {"language": " de"},
        {"language": "de\n"},
    ],
    ids=repr,
)
def test_what_the_api_refuses_the_page_names(rates, params):
    client = Client(raise_request_exception=False)

    api = client.get("/api/v1/search", params)
    page = client.get("/explore/", params)

    assert (api.status_code, page.status_code) == (400, 400)
    assert page.context["page"] is None
    assert [problem.split(":")[0] for problem in page.context["problems"]] == [
        page.context["form"].fields[name].label for name in params
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2027-01-05"},
        {"date_to": "2027-01-05"},
        {"date_from": "2027-01-05", "date_to": "2027-01-06"},
        {"tz": "Europe/Berlin"},
        {"language": "de"},
        {"date_from": "", "date_to": "", "tz": "", "language": ""},  # the form's empty fields
    ],
    ids=repr,
)
def test_what_both_read_the_page_searches(rates, params):
    client = Client()

    page = client.get("/explore/", params)

    assert page.status_code == 200
    if all(params.values()):
        assert client.get("/api/v1/search", params).status_code == 200
