"""Listing descriptions: Markdown in, sanitised HTML out.

Two layers, so that a mistake in one does not open a hole: markdown-it renders CommonMark with raw
HTML disabled (it is escaped, not passed through) and refuses javascript:/vbscript:/data: links;
then nh3 (ammonia) keeps only the tags and attributes below and only http(s)/mailto URLs. No
script, no event handler attribute and no javascript: URL survives either layer.
"""

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    *("p", "br", "hr", "em", "strong", "code", "pre", "blockquote"),
    *("ul", "ol", "li", "h2", "h3", "h4", "a"),
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
# Photos come through the photo upload, never by URL: ![alt](url) stays a plain link.
_markdown.disable(["image"])


def sanitise_html(html: str) -> str:
    """Keep only harmless markup. Links open as nofollow/ugc."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener ugc",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """The sanitised HTML of a Markdown text (safe to mark as safe in a template)."""
    html = _markdown.render(text)
    # h1 in a description would compete with the listing's title.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html)
