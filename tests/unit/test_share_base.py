"""The share link's address: a colleague's browser must open the page, never 'Page not found'."""

from __future__ import annotations

import pytest

from ui.state import page_base


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://host:8501/overview?v=1&preset=x", "http://host:8501/"),
        ("http://host:8501/overview/", "http://host:8501/"),
        ("https://planner.example/app/overview?v=1", "https://planner.example/app/"),
        ("http://host:8501/latency?v=1&preset=x", "http://host:8501/latency"),
        ("http://host:8501/?v=1", "http://host:8501/"),
        ("http://host:8501/", "http://host:8501/"),
        ("http://host:8501/myoverview?v=1", "http://host:8501/myoverview"),
        ("", ""),
    ],
)
def test_default_page_links_to_the_root(url: str, expected: str) -> None:
    assert page_base(url) == expected
