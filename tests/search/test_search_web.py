"""The search web page in a real browser (Debian's headless Chromium driven by Playwright):
type a query, apply a filter, see the passage and its source, open the record."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest

from nexus_platform.search.api import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
KEY = "browser-key-5c2e"

pytestmark = pytest.mark.slow

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("no system Chromium: make install-browser", allow_module_level=True)


class Served:
    """The app on a real socket (uvicorn in a thread), as `nexus serve` runs it."""

    def __init__(self, app):
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.05)

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *_exc):
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def service(engine):
    with Served(create_app(engine)) as url:
        yield url


@pytest.fixture(scope="module")
def locked_service(engine):
    with Served(create_app(engine, api_key=KEY)) as url:
        yield url


def test_search_filter_and_open_the_record(browser, service):
    page = browser.new_page()
    page.goto(service + "/")
    page.wait_for_selector("#file_type option[value='xlsx']", state="attached")
    page.fill("#q", "cement")
    page.select_option("#file_type", "xlsx")
    page.click("#search-button")
    page.wait_for_selector("li.result")
    results = page.locator("li.result")
    first = results.nth(0)
    assert "cement" in first.locator(".passage").inner_text().lower()
    assert first.locator("mark").first.inner_text().lower() == "cement"
    for i in range(results.count()):
        assert results.nth(i).locator(".path").inner_text().endswith(".xlsx")
    assert "row" in first.locator(".loc").inner_text()
    assert "where=file_type%3Dxlsx" in page.url  # the search is a link that can be shared

    passage = first.locator(".passage").inner_text()
    first.locator("a", has_text="record").click()
    page.wait_for_selector("#record .passage")
    assert page.locator("#record .passage").inner_text() == passage
    assert "oekobaudat_materials_excerpt.xlsx" in page.locator("#record dl").inner_text()


def test_annotation_filter_and_the_reason_for_no_results(browser, service):
    page = browser.new_page()
    page.goto(service + "/")
    page.wait_for_selector("#filter-esg_sentiment option[value='negative']", state="attached")
    page.fill("#q", "company was criticised")
    page.select_option("#filter-esg_sentiment", "negative")
    page.click("#search-button")
    page.wait_for_selector("li.result")
    chips = page.locator("li.result .chip").all_inner_texts()
    assert chips and all(c == "esg_sentiment: negative" for c in chips if "sentiment" in c)
    assert page.locator("li.result .path").first.inner_text() == "nlp/sentiment/esg_sentiment.csv"

    page.select_option("#file_type", "pdf")
    page.click("#search-button")
    page.wait_for_function("document.getElementById('status').textContent.includes('no record')")
    assert "together with" in page.locator("#status").inner_text()
    assert page.locator("li.result").count() == 0


def test_the_page_asks_for_the_key_once_and_keeps_it(browser, locked_service):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(locked_service + "/")
    assert response.status == 401
    page.fill("#key-input", KEY)
    page.click("#key-form button")
    page.wait_for_selector("#search-form")
    page.fill("#q", "Kesseltausch")
    page.click("#search-button")
    page.wait_for_selector("li.result")
    assert "Kesseltausch" in page.locator("li.result .passage").first.inner_text()
    # A new page in the same browser needs no key again.
    again = context.new_page()
    assert again.goto(locked_service + "/").status == 200
    context.close()
