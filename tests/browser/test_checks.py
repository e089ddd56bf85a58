"""The checks themselves: a suite whose checker never fires would pass on anything."""
from __future__ import annotations

import pytest

from .site import assert_accessible


def test_axe_reports_a_violation(site):
    site.visit("/")
    site.page.evaluate("""() => {
      const img = document.createElement('img');
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
      document.querySelector('main').append(img);
    }""")
    with pytest.raises(AssertionError, match=r"image-alt \(critical\).*\n\s+img"):
        assert_accessible(site.page)


def test_a_request_to_another_origin_is_caught(site):
    site.visit("/")
    # Our pages' CSP would block a fetch before any request is made, so use a page
    # without one: what is tested is that the context-wide recorder sees the request.
    site.page.set_content('<img alt="" src="http://cdn.example.invalid/x.png">')
    with pytest.raises(AssertionError, match="cdn.example.invalid"):
        site.assert_same_origin()
