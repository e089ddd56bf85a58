"""A browser tab on the live server that checks every page it reaches.

``Site.visit`` and ``Site.submit`` wait for the page, then run axe-core at WCAG 2.1
A and AA and check that nothing was fetched from another origin. Tests drive pages
through these, so a page cannot be reached without being checked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import pyotp
from playwright.sync_api import Browser, BrowserContext, Page, Response

#: axe-core as packaged in axe-playwright-python: nothing is downloaded at test time.
AXE_SOURCE = (resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                     "wcag21aa"]},
               "resultTypes": ["violations"]}
#: Runs in the page. ``evaluate`` is not subject to the page's Content-Security-Policy,
#: so the policy stays exactly as served (no ``bypass_csp``).
RUN_AXE = """async options => {
  const results = await axe.run(document, options);
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ")),
  }));
}"""

from youth_app.i18n import LANGUAGE_NAMES as LANGUAGE_BUTTONS, RTL, html_lang  # noqa: E402


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """No axe violation at WCAG 2.1 A or AA on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(RUN_AXE, AXE_OPTIONS)
    assert not violations, f"axe on {page.url}:\n{describe(violations)}"


@dataclass
class Site:
    context: BrowserContext
    page: Page
    #: ``http://127.0.0.1:<port>``, without a trailing slash.
    origin: str
    #: Every URL any page of this context requested, in order.
    requests: list[str] = field(default_factory=list)
    #: The path of every page checked so far, in order.
    checked: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, browser: Browser, origin: str, **options) -> "Site":
        options.setdefault("locale", "sv-SE")  # Accept-Language decides the first page
        context = browser.new_context(base_url=origin, **options)
        context.set_default_timeout(10_000)
        site = cls(context, context.new_page(), origin)
        context.on("request", lambda request: site.requests.append(request.url))
        return site

    def close(self) -> None:
        self.context.close()

    def visit(self, path: str, status: int = 200) -> Response:
        response = self.page.goto(path)
        assert response.status == status, f"{path}: {response.status}"
        self.check()
        return response

    def submit(self, form: str = "main form", status: int = 200) -> Response:
        """Press the form's submit button and check the page it leads to."""
        with self.page.expect_navigation() as navigation:
            self.page.locator(f"{form} button[type=submit]").click()
        response = navigation.value
        assert response.status == status, f"{response.url}: {response.status}"
        self.check()
        return response

    def check(self) -> None:
        """axe, and no request outside our origin, on the page shown now."""
        self.page.wait_for_load_state("load")
        assert_accessible(self.page)
        self.assert_same_origin()
        self.checked.append(self.path)

    def assert_same_origin(self) -> None:
        """No CDN, font service or tracker: every request went to the app itself.

        ``data:`` URLs (allowed for images by the CSP) never leave the browser."""
        foreign = [url for url in self.requests
                   if not url.startswith((self.origin + "/", "data:"))]
        assert not foreign, f"requests outside {self.origin}: {foreign}"

    @property
    def path(self) -> str:
        return self.page.url.removeprefix(self.origin)

    def html_lang_dir(self) -> tuple[str, str]:
        return tuple(self.page.evaluate(
            "() => [document.documentElement.lang, document.documentElement.dir]"))

    def switch_language(self, code: str) -> None:
        """Press the language button in the header, as a user would.

        Selected by ``lang`` rather than by its text, so the same call works whatever
        language the page is in now."""
        button = self.page.locator(f'.language-switch button[data-language="{code}"]')
        assert button.inner_text() == LANGUAGE_BUTTONS[code]
        with self.page.expect_navigation() as navigation:
            button.click()
        assert navigation.value.status == 200, navigation.value.url
        self.check()
        assert self.html_lang_dir() == (html_lang(code), "rtl" if code in RTL else "ltr")

    def log_in(self, email: str, password: str, totp_secret: str | None = None) -> None:
        """Log in through the form; staff then give their authenticator code (the demo
        staff's secrets are known, others pass ``totp_secret``)."""
        self.visit("/login")
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(password)
        self.submit()
        if "/login/code" in self.page.url:
            from youth_app import demo

            secret = totp_secret or {demo.LOGINS[r]: s for r, s in demo.TOTP_SECRETS.items()}[email]
            self.page.locator("#code").fill(pyotp.TOTP(secret).now())
            self.submit()

    def log_out(self) -> None:
        self.submit("form[action$='/logout']")
