"""The SMTP backend's faster flattening writes what the standard library writes."""

import random
import re
from collections.abc import Buffer
from email.generator import BytesGenerator
from email.policy import compat32
from io import BytesIO

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.notifications import emails, smtp
from outings.notifications.tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db
COMPAT32 = compat32.clone(linesep="\r\n")
BOUNDARY = re.compile(rb"={15}\d{19}==(?:\.\d+)?")
DATE = re.compile(rb"Date: [^\r]+")
NAMES = st.sampled_from(["Subject", "To", "Message-ID", "List-Unsubscribe", "X-A-Long-Name"])
# Printable ASCII with runs of spaces and tabs, non-ASCII and line breaks now and then: values
# that take the fast path and values that must not.
VALUES = st.lists(
    st.sampled_from([*"abcXYZ09<>@.:;=?_-/", " ", "  ", "\t", "é", "·", "\n "]), max_size=120
).map("".join)


# No deadline and no "too slow" health check: what is checked is the folding, not its time
# (Hypothesis's 200 ms deadline, and its check that input generation is not slow, each failed the
# test now and then on a busy machine, which says nothing of the code).
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAMES, value=VALUES)
def test_headers_are_folded_exactly_as_compat32_folds_them(name, value):
    assert smtp._POLICY.fold_binary(name, value) == COMPAT32.fold_binary(name, value)


def test_short_plain_headers_take_the_fast_path_and_long_ones_are_still_folded():
    assert smtp._POLICY.fold_binary("To", "a@example.com") == b"To: a@example.com\r\n"
    long_value = " ".join(["word"] * 30)

    folded = smtp._POLICY.fold_binary("Subject", long_value)

    assert folded == COMPAT32.fold_binary("Subject", long_value)
    assert b"\r\n " in folded


@override_settings(SITE_URL="https://outings.example")
def test_a_whole_mail_is_flattened_as_the_standard_library_flattens_it():
    user = UserFactory.create(first_name="Jörg", preferred_language="de", time_zone="UTC")
    message = emails.send_email(
        to=user.email,
        template="notification",
        context={"kind": "listing.approved", "data": {"listing": "Führung über den Hafen " * 4}},
        user_id=user.pk,
        topic="listings",
    )
    mail = emails.build(OutboxMessage.objects.get(pk=message.pk))
    assert mail is not None

    standard = BytesIO()  # what Django's as_bytes does
    BytesGenerator(standard, mangle_from_=False).flatten(mail.message(), linesep="\r\n")
    ours = smtp.as_bytes(mail.message())

    def comparable(flattened: bytes) -> bytes:
        return DATE.sub(b"Date: D", BOUNDARY.sub(b"B", flattened))

    assert comparable(ours) == comparable(standard.getvalue())
    assert b"List-Unsubscribe: " in ours  # long: takes the folding path
    assert b"\r\nSubject: \r\n =?utf-8?q?Angebot_freigegeben=3A_F=C3=BChrung" in ours


def test_a_boundary_that_occurs_in_the_text_is_not_used(monkeypatch):
    monkeypatch.setattr(random, "randrange", lambda _: 7)
    taken = "=" * 15 + f"{7:019d}" + "=="

    assert smtp._Generator._make_boundary(b"body\r\n--" + taken.encode() + b"\r\n") == (
        taken + ".0"
    )
    assert smtp._Generator._make_boundary(b"nothing like it") == taken


def test_the_final_dot_goes_out_with_the_body_then_the_seal_runs_before_the_reply_is_read():
    """Written apart, the 3-byte "." waited for the server's delayed acknowledgement of the body
    (Nagle): about 40 ms per mail. One write, as smtplib's own `data` does."""
    events: list[object] = []

    class Recording(smtp.SealingSMTP):
        def send(self, s: Buffer | str) -> None:
            events.append(bytes(s) if not isinstance(s, str) else s)
            super().send(s)

        def getreply(self) -> tuple[int, bytes]:
            reply = super().getreply()
            events.append(("reply", reply[0]))
            return reply

    sink = SmtpSink()
    sink.start()
    try:
        connection = Recording("127.0.0.1", sink.port)
        connection.at_end_of_data = lambda: events.append("sealed")
        connection.sendmail("from@example.org", ["to@example.org"], b"Subject: hi\r\n\r\n.dot\r\n")
        connection.quit()
    finally:
        sink.stop()

    sealed = events.index("sealed")
    written = events[sealed - 1]
    assert written == b"Subject: hi\r\n\r\n..dot\r\n.\r\n"  # the whole body, its dot doubled
    assert events[sealed + 1] == ("reply", 250)
