import pytest

from outings.catalog.markdown import render_markdown, sanitise_html


def test_markdown_becomes_html():
    assert render_markdown("# Meet\n\nBring *water*.\n\n- a\n- b") == (
        "<h2>Meet</h2>\n<p>Bring <em>water</em>.</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
    )


def test_links_are_kept_and_marked_as_user_content():
    html = render_markdown("[map](https://example.org/map)")

    assert html == (
        '<p><a href="https://example.org/map" rel="nofollow noopener ugc">map</a></p>\n'
    )


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "hello <script src=https://evil.example/x.js></script>",
        "<SCRIPT>alert(1)</SCRIPT>",
    ],
)
def test_no_script_survives(text):
    assert "<script" not in render_markdown(text).lower()
    assert "<script" not in sanitise_html(text).lower()


@pytest.mark.parametrize(
    "text",
    [
        '<img src=x onerror="alert(1)">',
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        '<p onmouseover="alert(1)">hover</p>',
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_no_event_handler_survives(text):
    assert "onerror=" not in sanitise_html(text)
    assert "onclick=" not in sanitise_html(text)
    assert "onmouseover=" not in sanitise_html(text)
    assert "onload=" not in sanitise_html(text)
    assert "<img" not in render_markdown(text)  # raw HTML in Markdown is escaped, not rendered


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "<javascript:alert(1)>",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_no_javascript_url_survives_markdown(text):
    assert 'href="javascript' not in render_markdown(text).lower()
    assert 'href="data' not in render_markdown(text).lower()


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
    ],
)
def test_no_javascript_url_survives_sanitising(html):
    cleaned = sanitise_html(html)

    assert "script:" not in cleaned.lower()
    assert "href" not in cleaned
