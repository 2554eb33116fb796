"""The test SMTP server (smtp_sink.SmtpSink) waited 0.2 s in every stop(), to answer 421 to a
mail under way, also at the end of each of the ~170 tests using the `sink` fixture, when none
is. It now waits only while a mail is under way: its MAIL accepted, its DATA not answered."""

import smtplib
import threading
import time

import pytest

from outings.notifications.tests.smtp_sink import SmtpSink


@pytest.fixture
def client(sink: SmtpSink) -> smtplib.SMTP:
    connection = smtplib.SMTP("127.0.0.1", sink.port, timeout=10)
    connection.ehlo()
    return connection


def test_a_mail_is_under_way_from_its_mail_command_until_its_data_is_answered(
    sink: SmtpSink, client: smtplib.SMTP
) -> None:
    assert client.mail("from@example.org")[0] == 250
    assert client.rcpt("to@example.org")[0] == 250
    assert sink.recorder.mails_under_way()

    assert client.data(b"Subject: hi\r\n\r\nhello\r\n")[0] == 250

    assert not sink.recorder.mails_under_way()  # the connection stays open, idle
    client.quit()


@pytest.mark.parametrize("ending", ["rset", "quit"])
def test_a_mail_given_up_is_no_longer_under_way(
    ending: str, sink: SmtpSink, client: smtplib.SMTP
) -> None:
    client.mail("from@example.org")

    getattr(client, ending)()

    assert not sink.recorder.mails_under_way()


def test_a_mail_under_way_when_the_server_stops_is_answered_421(
    sink: SmtpSink, client: smtplib.SMTP
) -> None:
    client.mail("from@example.org")
    client.rcpt("to@example.org")
    stopping = threading.Thread(target=sink.stop)
    stopping.start()
    deadline = time.monotonic() + 10
    while not sink.recorder.closing:  # it answers 421 from now on, for 0.2 s at most
        assert time.monotonic() < deadline
        time.sleep(0.001)

    code, _ = client.data(b"Subject: hi\r\n\r\nhello\r\n")
    stopping.join(timeout=10)

    assert code == 421
    assert not sink.recorder.messages
