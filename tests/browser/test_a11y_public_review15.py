"""Two public-page accessibility defects, in a real browser.

A person who answered "Ja, ik heb nu hulp nodig" and missed a field gets the form back with the
112/113 block first and the error summary after it. Focus went to the summary, so a
screen-reader or keyboard user started reading below the block (its role="alert" was there at
load, so it was not read out either): now focus lands on the block, the summary right after.

The language link in the header is white on navy; focused by keyboard it takes the focus
style's yellow background, and kept its white text (about 1.3:1): now dark text on yellow."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# What a screen reader has at the focused element: its text and what it is described by.
SAID_AT_FOCUS = """() => {
  const f = document.activeElement;
  const described = (f.getAttribute('aria-describedby') || '').split(/\\s+/)
    .map(id => document.getElementById(id)).filter(Boolean)
    .map(e => e.textContent).join(' ');
  return f.textContent + ' ' + described;
}"""


def refused(open_page: Callable[..., Page], *, javascript: bool, crisis: bool) -> Page:
    """Send the form with only "do you need help now" answered; return the page sent back."""
    page = open_page("/contact", javascript=javascript)
    page.wait_for_timeout(300)  # chat.js (defer) in place
    page.locator("#urgent-2" if crisis else "#urgent-0").check()  # "Ja, ik heb nu hulp nodig"
    page.get_by_role("button", name="Verstuur", exact=True).click()
    page.wait_for_load_state()
    page.wait_for_timeout(300)
    return page


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_focus_after_a_refused_crisis_form_lands_on_the_112_113_notice(
    open_page: Callable[..., Page], javascript: bool
) -> None:
    page = refused(open_page, javascript=javascript, crisis=True)
    crisis = page.locator("#crisis-now")
    expect(crisis).to_be_visible()
    expect(crisis).to_be_focused()
    said = page.evaluate(SAID_AT_FOCUS)
    assert "112" in said and "113" in said, said
    # The error summary comes right after it, whole and linked to its fields.
    assert page.evaluate("""() => document.getElementById('crisis-now')
        .nextElementSibling === document.getElementById('error-summary')""")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Kies wie je bent.")
    summary.get_by_role("link", name="Kies wie je bent.").click()
    assert page.evaluate("location.hash") == "#who-0"  # the question's first choice


def test_without_a_crisis_focus_still_goes_to_the_error_summary(
    open_page: Callable[..., Page],
) -> None:
    page = refused(open_page, javascript=True, crisis=False)
    expect(page.locator("#crisis-now")).to_have_count(0)
    expect(page.locator("#error-summary")).to_be_focused()


def luminance(rgb: str) -> float:
    """Return the relative luminance of a CSS rgb()/rgba() colour (WCAG 2)."""
    parts = [int(p) for p in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    chans = [c / 255 for c in parts]
    chans = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
    return 0.2126 * chans[0] + 0.7152 * chans[1] + 0.0722 * chans[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("path", ["/", "/contact"])
def test_the_focused_language_link_is_readable(
    open_page: Callable[..., Page], path: str
) -> None:
    page = open_page(path)
    in_switch = "document.activeElement.closest('.lang-switch') !== null"
    for _ in range(6):  # skip link, brand, then the language link
        page.keyboard.press("Tab")
        if page.evaluate(in_switch):
            break
    assert page.evaluate(in_switch)
    link = page.locator(".lang-switch a")
    colour = link.evaluate("e => getComputedStyle(e).color")
    background = link.evaluate("e => getComputedStyle(e).backgroundColor")
    assert contrast(colour, background) >= 4.5, (colour, background)
