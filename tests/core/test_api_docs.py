"""The API documentation is served by the service itself: Swagger UI's files come from our
static path (drf-spectacular-sidecar), never from a CDN, and the page's Content-Security-Policy
allows exactly what it loads (scripts and styles from our origin, no inline code)."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

STATIC_URL = "/static/"


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.inline_scripts, self.inline_styles = [], [], 0, 0
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
            else:
                self._in = "script"
        elif tag == "link" and attrs.get("rel") == "stylesheet":
            self.styles.append(attrs["href"])
        elif tag == "style":
            self._in = "style"

    def handle_data(self, data):
        if self._in == "script" and data.strip():
            self.inline_scripts += 1
        if self._in == "style" and data.strip():
            self.inline_styles += 1

    def handle_endtag(self, tag):
        self._in = None


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def page(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assets = _Assets()
    assets.feed(response.content.decode())
    return response, assets


def test_swagger_ui_loads_its_files_from_our_static_path(page):
    _response, assets = page
    bundle = [src for src in assets.scripts if src.startswith(STATIC_URL)]
    assert any(src.endswith("swagger-ui-bundle.js") for src in bundle), assets.scripts
    assert any(src.endswith("swagger-ui.css") for src in assets.styles), assets.styles
    for url in assets.scripts + assets.styles:
        assert not re.match(r"^(https?:)?//", url), f"loaded from another origin: {url}"
        if url.startswith(STATIC_URL):
            assert finders.find(url.removeprefix(STATIC_URL)), f"no static file for {url}"
    assert assets.inline_scripts == 0 and assets.inline_styles == 0


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_the_static_files_are_served(page):
    _response, assets = page
    client = Client()
    for url in [u for u in assets.scripts + assets.styles if u.startswith(STATIC_URL)]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 0


def test_the_policy_allows_what_the_page_loads_and_nothing_inline(page):
    response, assets = page
    policy = _policy(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]  # the schema, and "Try it out"
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    start = [src for src in assets.scripts if "script" in src.split("?", 1)[-1]]
    assert len(start) == 1 and start[0].startswith("/api/docs/?")  # same origin


def test_the_start_script_is_javascript_naming_our_schema(db):
    response = Client().get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()
