"""`recommend --format html`: one self-contained report page for a portfolio.

The first tests read the generated file as data (rows against the JSON answers of the same inputs,
escaping, what the file holds at each size, the rule set's fingerprint). The browser tests open it in
real headless Chromium, driven by selenium: nothing is fetched, nothing is logged as an error, the
table sorts and filters, a detail view opens, hostile names stay text, and the screenshot is a page.
They skip where Chromium or chromedriver is not installed (apt-get install chromium chromium-driver).

UPDATE_SCREENSHOT=1 also writes the screenshot to docs/report.png (the README shows it).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT
from deploy_advisor.engine.render.html import DETAILS_ALL, DETAILS_BEYOND, fingerprint
from deploy_advisor.main import main

XSS = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")


# --- the generated file as data --------------------------------------------------------------


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    """The examples, two workloads with hostile names, and a broken input."""
    folder = tmp_path_factory.mktemp("portfolio")
    for example in sorted(EXAMPLES.glob("*.yaml")):
        shutil.copy(example, folder / example.name)
    needs = (EXAMPLES / "payments-api.yaml").read_text(encoding="utf-8").split("needs:", 1)[1]
    (folder / "xss.yaml").write_text(f"name: {json.dumps(XSS)}\nneeds:{needs}", encoding="utf-8")
    (folder / "img.yaml").write_text(f"name: {json.dumps(IMG)}\ndescription: '</details></section>'\nneeds:{needs}",
                                     encoding="utf-8")
    (folder / "broken.yaml").write_text("name: Broken\nneeds:\n  latency: [oops\n", encoding="utf-8")
    return folder


def recommend(*argv: str) -> int:
    return main(["recommend", "--no-progress", *argv])


@pytest.fixture(scope="module")
def report(tmp_path_factory, portfolio) -> tuple[Path, list[dict]]:
    """The HTML report of the portfolio (with --explain) and the JSON answers of the same inputs."""
    folder = tmp_path_factory.mktemp("report")
    page, answers = folder / "report.html", folder / "answers.json"
    here = os.getcwd()
    os.chdir(portfolio.parent)  # input paths relative, as a user would type them (and the screenshot shows)
    try:
        assert recommend("--explain", "--format", "html", "-o", str(page), portfolio.name) == 1  # the broken input
        assert recommend("--format", "json", "-o", str(answers), portfolio.name) == 1
    finally:
        os.chdir(here)
    return page, json.loads(answers.read_text(encoding="utf-8"))


class Page(HTMLParser):
    """The parts of the report the tests read: the table's rows, the detail views, every tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, str]] = []
        self.details: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._cell: list[str] | None = None
        self._in_table = self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "table" and attributes.get("id") == "wl":
            self._in_table = True
        elif tag == "tr" and self._in_table and "data-c" in attributes:
            self.rows.append({"o": attributes["data-o"] or "", "c": attributes["data-c"] or "", "cells": []})
        elif tag == "td" and self._in_table and self.rows:
            self._cell = []
        elif tag == "details":
            self.details.append(attributes.get("id") or "")
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1]["cells"].append("".join(self._cell))
            self._cell = None
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in_script:
            self.scripts[-1] += data


def parsed(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def expected_confidence(answer: dict) -> str:
    if "error" in answer:
        return "error"
    if answer["recommendation"] is None and answer["conflicts"]:
        return "conflict"
    return answer["confidence"]


def test_every_answer_is_a_row_in_input_order(report):
    page_file, answers = report
    page = parsed(page_file)
    assert len(page.rows) == len(answers) == 17
    for row, answer in zip(page.rows, answers):
        assert row["c"] == expected_confidence(answer)
        if "error" in answer:
            assert row["cells"][0].startswith(answer["source"]["file"])
        else:
            assert row["cells"][0] == answer["name"]
            assert row["o"] == (answer["recommendation"] or "none")
            assert row["cells"][4] == ("-" if answer["recommendation"] is None else
                                       "only option" if answer["margin"] is None else str(answer["margin"]))
    assert len(page.details) == len(answers) - 1  # all but the broken input: a small portfolio has them all
    assert '<table id="wl" class="wl nolabels">' in page_file.read_text(encoding="utf-8")  # no labels: no column


def test_header_counts_and_charts_follow_the_answers(report):
    page_file, answers = report
    text = page_file.read_text(encoding="utf-8")
    assert f'<b id="n-total">{len(answers)}</b>: {len(answers) - 1} answered, 1 input error' in text
    for confidence in ("clear", "close", "qualified", "tie", "no_basis", "conflict"):
        count = sum(expected_confidence(a) == confidence for a in answers)
        assert f'<span class="badge c-{confidence}">{confidence}</span> {count}</li>' in text
    assert text.count("<svg") >= 2 + (len(answers) - 1)  # two charts, and score bars in every detail view
    assert "What would change it" in text  # --explain


def test_user_text_is_escaped_never_markup(report):
    page_file, _ = report
    text = page_file.read_text(encoding="utf-8")
    page = parsed(page_file)
    assert XSS not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert [t for t, _ in page.tags].count("script") == 1  # the page's own, at the end
    assert not [t for t, _ in page.tags if t == "img"]
    assert any(row["cells"][0] == XSS for row in page.rows)  # shown as the text it is
    assert any(row["cells"][0] == IMG for row in page.rows)
    assert len(page.details) == [t for t, _ in page.tags].count("details")  # no description closed one early


def test_the_page_fetches_nothing_and_runs_only_its_own_script(report):
    page_file, _ = report
    page = parsed(page_file)
    for tag, attributes in page.tags:
        assert "src" not in attributes, tag
        assert tag not in ("link", "iframe", "object", "embed", "img", "base")
        href = attributes.get("href")
        assert href is None or href.startswith("#"), href
    text = page_file.read_text(encoding="utf-8")
    assert "url(" not in text and "@import" not in text
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
    assert "default-src 'none'" in policy
    digest = base64.b64encode(hashlib.sha256(page.scripts[0].encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy  # the inline script's own hash: no other runs


def test_every_input_error_is_listed_with_its_location(report, portfolio):
    page_file, answers = report
    errors = [a["error"] for a in answers if "error" in a]
    text = page_file.read_text(encoding="utf-8")
    section = text.split('id="errors"', 1)[1].split("</table>", 1)[0]
    for error in errors:
        assert f"<code>{portfolio.name}/broken.yaml:{error['line']}:{error['column']}</code>" in section
        assert f"<code>{error['code']}</code>" in section


def test_fingerprint_is_of_the_rule_files_contents(tmp_path, report):
    shipped = ROOT / "rules"
    copy = shutil.copytree(shipped, tmp_path / "rules")
    assert fingerprint(str(copy)) == fingerprint(str(shipped))
    (copy / "cost.yaml").write_text((copy / "cost.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert fingerprint(str(copy)) != fingerprint(str(shipped))
    (copy / "cost.test.yaml").write_text("# a rule test is not part of the rule set\n", encoding="utf-8")
    (copy / "cost.yaml").write_bytes((shipped / "cost.yaml").read_bytes())
    assert fingerprint(str(copy)) == fingerprint(str(shipped))
    page_file, _ = report
    assert f"sha256:{fingerprint(str(shipped))}" in page_file.read_text(encoding="utf-8")


def test_labels_are_shown_when_a_workload_has_them(advisor):
    """Workloads may carry labels (team, environment): the table shows them when any answer has them."""
    import io

    from deploy_advisor.engine.render.formats import FORMATS

    result = advisor.recommend({"latency": "critical"})
    if not getattr(result, "labels", None):  # until inputs carry labels, the attribute a Result will have
        result = result._replace(labels={"team": "payments <core>", "env": "prod"})
    fmt = FORMATS["html"](advisor.ruleset)
    out = io.StringIO()
    writer = fmt.writer(out)
    writer.add(fmt.piece(result))
    writer.close()
    text = out.getvalue()
    assert '<table id="wl" class="wl">' in text  # the labels column shown (hidden when no answer has labels)
    assert '<span class="tag">team=payments &lt;core&gt;</span>' in text


def corpus(path: Path, count: int, ruleset, seed: int = 15) -> Path:
    """Workloads over the whole catalogue, seeded: most criteria answered, any values."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            needs = {}
            for criterion in ruleset.catalogue.criteria:
                if rng.random() < 0.3:
                    continue
                values = criterion.value_ids
                needs[criterion.id] = ([v for v in values if rng.random() < 0.4] or [rng.choice(values)]
                                       if criterion.many else rng.choice(values))
            out.write(json.dumps({"name": f"w{number}", "needs": needs}) + "\n")
    return path


LARGE = DETAILS_ALL + 300


@pytest.fixture(scope="module")
def large(tmp_path_factory, ruleset) -> tuple[Path, Path]:
    """A portfolio above DETAILS_ALL workloads, reported with --jobs 1 and with --jobs 2."""
    folder = tmp_path_factory.mktemp("large")
    inputs = corpus(folder / "many.jsonl", LARGE, ruleset)
    one, two = folder / "one.html", folder / "two.html"
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"  # the same date in both
    try:
        assert recommend("--format", "html", "-o", str(one), str(inputs)) == 0
        assert recommend("--format", "html", "--jobs", "2", "-o", str(two), str(inputs)) == 0
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before
    return one, two


def test_a_large_portfolio_keeps_every_row_and_details_for_the_unclear(large):
    """Above DETAILS_ALL workloads: a detail view only for results that are not clear (the first
    DETAILS_BEYOND), and the page says so; the same bytes with --jobs 2."""
    one, two = large
    assert one.read_bytes() == two.read_bytes()
    page = parsed(one)
    assert len(page.rows) == LARGE
    unclear = [i for i, row in enumerate(page.rows) if row["c"] != "clear"]  # rows' confidences: see the first test
    assert 0 < len(unclear) < LARGE
    assert page.details == [f"w{i}" for i in unclear[:DETAILS_BEYOND]]
    text = one.read_text(encoding="utf-8")
    assert f"{min(len(unclear), DETAILS_BEYOND)} here" in text and "detail views only for results that are not" in text
    linked = re.findall(r'<td class="name"><a href="#(w\d+)">', text)
    assert linked == page.details  # a row links to its detail view exactly when the file holds one
    assert text.count('class="later"') == LARGE - 1000  # shown a page at a time (or all, without script)


# --- in a real browser -----------------------------------------------------------------------


def start_chromium(profile: Path, script: bool = True):
    """Headless Chromium under chromedriver, a fresh profile, its console and network logged."""
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip("Chromium is not installed: apt-get install chromium chromium-driver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed: pip install -e '.[test]'")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1800"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if not script:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture
def opened(browser, report):
    """The report freshly loaded; the logs read so far are drained."""
    page_file, answers = report
    browser.get("about:blank")
    browser.get_log("browser"), browser.get_log("performance")
    browser.get(page_file.as_uri())
    return browser, page_file, answers


def visible_names(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#wl tbody tr')).filter(r => !r.hidden)"
        ".map(r => r.cells[0].textContent)")


def test_browser_loads_the_file_alone_without_errors(opened):
    driver, page_file, _ = opened
    requested = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested == [page_file.as_uri()]
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    assert driver.find_element("id", "controls").is_displayed()  # the script ran (the policy let it)


def test_browser_sorts_by_any_column(opened):
    driver, _, answers = opened
    names = [a["name"] if "error" not in a else None for a in answers]
    heads = driver.find_elements("css selector", "#wl thead th")
    heads[0].click()
    shown = visible_names(driver)
    assert [n.lower() for n in shown] == sorted(n.lower() for n in shown)
    assert heads[0].get_attribute("aria-sort") == "ascending"
    heads[0].click()
    assert [n.lower() for n in visible_names(driver)] == sorted((n.lower() for n in shown), reverse=True)
    heads[4].click()  # margin: numbers, the only option counting as the largest
    keys = driver.execute_script("return Array.from(document.querySelectorAll('#wl tbody tr'))"
                                 ".map(r => Number(r.cells[4].dataset.k))")
    assert keys == sorted(keys) and len(keys) == len(names)
    heads[3].click()  # confidence, in the order clear, close, qualified, tie, no_basis, conflict, error
    order = driver.execute_script("return Array.from(document.querySelectorAll('#wl tbody tr')).map(r => r.dataset.c)")
    rank = ["clear", "close", "qualified", "tie", "no_basis", "conflict", "error"]
    assert [rank.index(c) for c in order] == sorted(rank.index(c) for c in order)


def test_browser_filters_by_text_option_and_confidence(opened):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver, _, answers = opened
    box = driver.find_element("id", "q")
    box.send_keys("payments")
    WebDriverWait(driver, 5).until(lambda d: len(visible_names(d)) < len(answers))
    assert visible_names(driver) == ["Payments API"]
    box.clear()
    box.send_keys(" ")  # an input event with an empty filter: every row again
    WebDriverWait(driver, 5).until(lambda d: len(visible_names(d)) == len(answers))
    Select(driver.find_element("id", "f-option")).select_by_value("vm")
    expected = [a["name"] for a in answers if a.get("recommendation") == "vm"]
    assert visible_names(driver) == expected and expected
    Select(driver.find_element("id", "f-conf")).select_by_value("close")
    assert visible_names(driver) == [a["name"] for a in answers if a.get("recommendation") == "vm"
                                     and expected_confidence(a) == "close"]
    assert driver.find_element("id", "shown").text.endswith(f"of {len(answers)}")


def test_browser_opens_a_detail_view(opened):
    driver, _, answers = opened
    first = driver.find_element("css selector", "#wl tbody tr td.name a")
    target = first.get_attribute("href").split("#", 1)[1]
    detail = driver.find_element("id", target)
    assert detail.get_attribute("open") is None and not detail.find_element("css selector", ".dbody").is_displayed()
    from selenium.webdriver.support.ui import WebDriverWait

    first.click()
    # the page opens and scrolls to it from the click's handler: wait for both, as a reader would
    in_view = "const r = arguments[0].getBoundingClientRect(); return r.top >= -1 && r.top < innerHeight"
    WebDriverWait(driver, 5).until(lambda d: detail.get_attribute("open") is not None and d.execute_script(in_view, detail))
    body = detail.find_element("css selector", ".dbody")
    assert body.is_displayed() and "reasons, option by option" in body.text.lower() and "sources" in body.text.lower()


def test_browser_shows_hostile_names_as_text(opened):
    from selenium.common.exceptions import NoAlertPresentException

    driver, _, _ = opened
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 (the property raises when no alert is open)
    names = visible_names(driver)
    assert XSS in names and IMG in names
    assert driver.execute_script("return document.images.length") == 0
    assert XSS in driver.find_element("tag name", "body").text


def test_browser_prints_without_the_controls(opened):
    driver, _, _ = opened
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not driver.find_element("id", "controls").is_displayed()
        pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})["data"])
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 3


COUNT_COLOURS = """
const done = arguments[arguments.length - 1];
const image = new Image();
image.onload = () => {
  const canvas = document.createElement('canvas');
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, image.width, image.height).data;
  const colours = new Set();
  for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  done([colours.size, colours.has(0x2e7d32), colours.has(0xef8f00)]);
};
image.onerror = () => done(null);
image.src = 'data:image/png;base64,' + arguments[0];
"""


def test_browser_screenshot_is_a_page_not_a_blank(opened, tmp_path):
    driver, _, _ = opened
    png = driver.get_screenshot_as_png()
    assert png.startswith(b"\x89PNG")
    if os.environ.get("UPDATE_SCREENSHOT"):
        (ROOT / "docs" / "report.png").write_bytes(png)
    driver.get("about:blank")  # decode it in the browser: a page of its own, no policy in the way
    colours, green, amber = driver.execute_async_script(COUNT_COLOURS, base64.b64encode(png).decode())
    assert colours > 200 and green and amber  # text, badges and the charts' colours (clear, close)


def test_browser_pages_a_large_table(browser, large):
    """Rows beyond the first 1,000 wait behind "Show 1,000 more"; sorting and filtering page the
    rows that match."""
    from selenium.webdriver.support.ui import Select

    one, _ = large
    browser.get(one.as_uri())
    assert len(visible_names(browser)) == 1000
    more = browser.find_element("id", "more")
    assert more.is_displayed()
    more.click()
    assert len(visible_names(browser)) == LARGE and not more.is_displayed()
    browser.find_elements("css selector", "#wl thead th")[0].click()
    names = visible_names(browser)
    assert len(names) == LARGE and names == sorted(names, key=str.lower)
    Select(browser.find_element("id", "f-conf")).select_by_value("close")
    close = browser.execute_script("return document.querySelectorAll('#wl tbody tr[data-c=close]').length")
    assert 0 < close and len(visible_names(browser)) == min(close, 1000)
    shown = browser.execute_script("return Array.from(document.querySelectorAll('#wl tbody tr')).filter(r => !r.hidden)"
                                   ".map(r => r.dataset.c)")
    assert set(shown) == {"close"}


def test_browser_without_javascript_shows_every_row(large, tmp_path):
    """With scripts turned off the page still reads: every row shown, no controls that do nothing."""
    one, _ = large
    driver = start_chromium(tmp_path / "profile", script=False)
    try:
        driver.get(one.as_uri())
        counts = driver.execute_script(  # the browser's own evaluation: not the page's script, which is off
            "const rows = Array.from(document.querySelectorAll('#wl tbody tr'));"
            "return [rows.length, rows.filter(r => r.offsetParent !== null).length]")
        assert counts == [LARGE, LARGE]
        assert not driver.find_element("id", "controls").is_displayed()
        assert "paged" not in driver.find_element("id", "wl").get_attribute("class")
    finally:
        driver.quit()
