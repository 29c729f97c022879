"""End-to-end: a real headless Chromium (Debian `chromium` + `chromium-driver`, driven by Selenium) against
uvicorn on a free loopback port. Screenshots of every page go to tests/web/artifacts/ (git-ignored).

Skipped, with the reason, when selenium, chromium or chromedriver is missing
(`apt-get install -y chromium chromium-driver`, `pip install selenium`).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")

from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from storyline.web.app import create_app  # noqa: E402

from .test_api import XSS_RECORD, build_kb  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("STORYLINE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("STORYLINE_CHROMEDRIVER", "/usr/bin/chromedriver")
_missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).exists() or shutil.which(p))]
pytestmark = pytest.mark.skipif(
    bool(_missing), reason=f"headless browser not installed ({', '.join(_missing)} missing): "
                           "apt-get install -y chromium chromium-driver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(build_kb(tmp_path_factory.mktemp("webkb")))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="storyline-chromium-")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1280,1400"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(10)  # elements of the next page: wait for them on a loaded machine
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shot(driver: webdriver.Chrome, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def no_alert(driver: webdriver.Chrome) -> None:
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    pytest.fail(f"a JavaScript alert opened: {text!r}")


def test_browse_article_actor_and_search(base_url: str, browser: webdriver.Chrome) -> None:
    browser.get(base_url + "/")
    assert browser.title.startswith("Home")
    shot(browser, "01-home")

    # the example corpus's story page, from the home page's story list, then on to one of its actors
    story = next(a for a in browser.find_elements(By.CSS_SELECTOR, "#home-stories a")
                 if a.text.startswith("Putin, Xi Hail"))
    story.click()
    WebDriverWait(browser, 20).until(EC.url_contains("/story/"))
    assert browser.find_element(By.ID, "story-title").text.startswith("Putin, Xi Hail")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#story-members a[href^='/article/']")) == 2
    assert browser.find_elements(By.CSS_SELECTOR, "#story-summary a.cite")  # cited summary sentences
    assert browser.find_elements(By.CSS_SELECTOR, "#timeline + svg.plot circle")  # the timeline plot
    assert browser.find_elements(By.CSS_SELECTOR, "#story-timeline li")
    shot(browser, "00-story")
    actor = next(a for a in browser.find_elements(By.CSS_SELECTOR, "a.actor-link") if "Putin" in a.text)
    actor.click()
    WebDriverWait(browser, 20).until(EC.url_contains("/actor/"))
    assert "Putin" in browser.find_element(By.TAG_NAME, "h1").text
    shot(browser, "00-story-actor")
    browser.get(base_url + "/")

    # open the Moscow Times article from the home page's list
    link = next(a for a in browser.find_elements(By.CSS_SELECTOR, "ul.articles a")
                if a.text.startswith("Putin, Xi Hail"))
    link.click()
    WebDriverWait(browser, 20).until(EC.url_contains("/article/"))
    text = browser.find_element(By.ID, "article-text")
    assert "Lukashenko" in text.text
    assert browser.find_elements(By.CSS_SELECTOR, "#article-text .hl.qt")
    assert "Removed boilerplate" in browser.find_element(By.ID, "removed").text
    shot(browser, "02-article")

    # follow a highlighted mention to the actor page
    mention = next(a for a in text.find_elements(By.CSS_SELECTOR, "a")
                   if a.get_attribute("href").endswith("/actor/per%3Aalexander-lukashenko"))
    mention.click()
    WebDriverWait(browser, 20).until(EC.url_contains("/actor/"))
    assert browser.find_element(By.ID, "actor-name").text == "Alexander Lukashenko"
    assert browser.find_elements(By.CSS_SELECTOR, "svg.plot")
    shot(browser, "03-actor")

    # run a search from the header box, then refine it on the search page
    box = browser.find_element(By.CSS_SELECTOR, "header form.searchbox input[name=q]")
    box.send_keys("hegemony")
    box.submit()
    WebDriverWait(browser, 20).until(EC.url_contains("/search?"))
    assert "matching article" in browser.find_element(By.ID, "search-count").text
    assert browser.find_elements(By.CSS_SELECTOR, "#results mark")
    shot(browser, "04-search")

    q = browser.find_element(By.ID, "search-q")
    q.clear()
    q.send_keys('"unclosed')
    browser.find_element(By.ID, "search-go").click()
    assert "cannot parse the search query" in browser.find_element(By.ID, "search-error").text
    shot(browser, "05-search-error")


def test_hostile_article_shows_text_and_runs_nothing(base_url: str, browser: webdriver.Chrome) -> None:
    browser.get(base_url + "/outlet/" + quote(XSS_RECORD["outlet"], safe=""))
    no_alert(browser)
    assert browser.find_element(By.ID, "outlet-name").text == XSS_RECORD["outlet"]
    browser.find_element(By.CSS_SELECTOR, "ul.articles a").click()
    time.sleep(0.3)  # give an injected handler (there must be none) the chance to fire
    no_alert(browser)
    assert browser.find_element(By.ID, "title").text == XSS_RECORD["title"]
    body = browser.find_element(By.ID, "article-text").text
    assert "<script>alert(1)</script>" in body and "<img src=x onerror=alert(1)>" in body
    assert "<b>China</b> & friends" in body
    assert not browser.find_elements(By.CSS_SELECTOR, "#article-text img, #article-text script, #article-text b")
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    shot(browser, "06-xss-article")

    # a story page's comparison matrix links to the evidence sentence, marked on the article page
    browser.get(base_url + "/stories")
    next(a for a in browser.find_elements(By.CSS_SELECTOR, "a[href^='/story/']")
         if a.text.startswith("Lukashenko Visits China")).click()
    WebDriverWait(browser, 20).until(EC.url_contains("/story/"))
    no_alert(browser)
    browser.find_element(By.CSS_SELECTOR, "#story-matrix a.evidence").click()
    WebDriverWait(browser, 20).until(EC.url_contains("?hl="))
    assert browser.find_element(By.ID, "hl").text.strip()
    no_alert(browser)
    shot(browser, "06b-evidence")

    browser.get(base_url + "/search?q=" + quote('"img src"'))
    no_alert(browser)
    assert "<img src=x onerror=alert(1)>" in browser.find_element(By.ID, "results").text
    shot(browser, "07-xss-search")
