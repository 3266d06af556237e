"""A real browser (Debian's chromium, driven by Playwright) reviews a finished run in `tfpipe ui`.

Screenshots go to $TFPIPE_TEST_ARTIFACTS/mlflow-ui (CI keeps them), else to pytest's tmp dir.
"""
from __future__ import annotations

import importlib.util
import os

import pytest

from tfpipe.local_run import run_task

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
FAST = ["model=dense", "units=32", "window_size=12", "epochs=40", "patience=8",
        "batch_size=16"]
COMPONENTS = ["ingest", "transform", "train", "evaluate", "push"]
WAIT_MS = 180_000  # the page's first answer can take minutes on a busy machine


def browser_missing() -> str:
    """Why the browser test cannot run here, or '' when it can."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} not installed (.ci/run installs Debian's chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright not installed (pip install -e '.[test]')"
    return ""


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> str:
    root = os.environ.get("TFPIPE_TEST_ARTIFACTS")
    folder = (os.path.join(root, "mlflow-ui") if root
              else str(tmp_path_factory.mktemp("screenshots")))
    os.makedirs(folder, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, services) -> tuple[str, dict]:
    """A blessed forecasting run on a tiny series, pushed as version 1 (alias champion)."""
    if browser_missing():
        message = browser_missing()
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs both: a missing one is a broken setup
        pytest.skip(message)
    root = tmp_path_factory.mktemp("ui")
    data = services.sine_series(str(root))
    workdir = str(root / "w")
    result = run_task("forecasting", data, None, FAST, workdir, [], quiet=True)
    assert result["blessed"] and result["pushed_version"] == 1, result["reason"]
    return workdir, result


@pytest.fixture(scope="module")
def ui_url(finished_run, services):
    """`tfpipe ui` as a user starts it; the URL it prints once MLflow answers."""
    workdir, _ = finished_run
    process, url, _ = services.start_ui(workdir)
    try:
        yield url
    finally:
        services.stop_ui(process)


@pytest.fixture(scope="module")
def page(ui_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1800, "height": 1100})
        tab.set_default_timeout(WAIT_MS)
        yield tab
        browser.close()


def wait_for_texts(page, texts: list[str]) -> None:
    """Wait until the page shows every text (parts of a page load one after another);
    on timeout, name the ones missing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("texts => texts.every(t => document.body.innerText.includes(t))",
                               arg=texts, timeout=WAIT_MS)
    except PlaywrightTimeout:
        body = page.inner_text("body")
        pytest.fail(f"not on the page within {WAIT_MS // 1000} s: "
                    f"{[t for t in texts if t not in body]}")


def base_of(url: str) -> str:
    return url.split("/#/")[0]


def experiment_of(url: str) -> str:
    return url.split("/experiments/")[1].split("/")[0]


def test_the_runs_table_shows_the_parent_with_five_nested_runs_and_the_metrics(
        page, ui_url, finished_run, screenshots):
    _, result = finished_run
    page.goto(ui_url)
    parent = page.locator(f"[role=row][row-id='{result['run_id']}']").first
    parent.wait_for()
    body = page.inner_text("body")
    # Model training mode: runs and the model registry, not GenAI's evaluation pages.
    assert "Model registry" in body and "Evaluation runs" not in body
    headers = " ".join(page.locator("[role=columnheader]").all_inner_texts())
    for column in ("mae/candidate", "mae/naive", "mae/moving_average", "Dataset"):
        assert column in headers, headers
    parent.locator("button[data-component-id*='runnamecellrenderer']").first.click()
    for name in COMPONENTS:
        page.locator("[role=row] [col-id='attributes.`Run Name`']").get_by_text(
            name, exact=True).first.wait_for()
    row_ids = {row.get_attribute("row-id") for row in page.locator("[role=row][row-id]").all()}
    assert len(row_ids) == 1 + len(COMPONENTS)  # ag-grid repeats a row per pinned section
    assert "series.csv (" in page.inner_text("body")  # the Dataset column: name (digest)
    page.screenshot(path=os.path.join(screenshots, "runs-table.png"), full_page=True)


def test_the_parent_run_page_shows_the_decision_and_the_registered_version(
        page, ui_url, finished_run, screenshots):
    _, result = finished_run
    base, experiment = base_of(ui_url), experiment_of(ui_url)
    page.goto(f"{base}/#/experiments/{experiment}/runs/{result['run_id']}"
              "?workflowType=machine_learning")
    page.get_by_text("Child runs").first.wait_for()
    for name in COMPONENTS:  # the child-run links load after the heading: wait for each
        page.get_by_role("link", name=name, exact=True).first.wait_for()
    wait_for_texts(page, ["mae/candidate", "mae/naive", "mae/moving_average",
                          "blessing/blessed", "check/", "tfpipe.blessed", "Blessed",
                          "Registered models", "forecasting", "series.csv"])
    body = page.inner_text("body")
    candidate = f"{result['metrics']['candidate']['mae']:.6g}"
    assert candidate in body  # the decision table in the description
    page.screenshot(path=os.path.join(screenshots, "parent-run.png"), full_page=True)


def test_the_forecast_plot_renders_from_the_evaluate_run(page, ui_url, finished_run,
                                                          screenshots):
    workdir, result = finished_run
    from tfpipe.mlflow_artifacts import client_for

    client = client_for(f"sqlite:///{workdir}/mlflow.db", os.path.join(workdir, "mlartifacts"))
    evaluate = client.search_runs(
        [experiment_of(ui_url)], f"tags.mlflow.parentRunId = '{result['run_id']}' "
                                 "and attributes.run_name = 'evaluate'")[0].info.run_id
    page.goto(f"{base_of(ui_url)}/#/experiments/{experiment_of(ui_url)}/runs/{evaluate}"
              "/artifacts?workflowType=machine_learning")
    page.get_by_text("plots", exact=True).first.click()
    page.get_by_text("forecast_vs_actual.png", exact=True).first.click()
    image = page.locator("img[src^='blob:']").first
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") >= 1000
    page.screenshot(path=os.path.join(screenshots, "forecast-plot.png"), full_page=True)


def test_the_registered_model_has_the_champion_alias(page, ui_url, screenshots):
    page.goto(f"{base_of(ui_url)}/#/models/forecasting/versions/1?workflowType=machine_learning")
    page.get_by_text("Aliases").first.wait_for()
    page.get_by_text("champion").first.wait_for()  # the aliases load after the page
    wait_for_texts(page, ["Version 1", "serving_version"])
    page.screenshot(path=os.path.join(screenshots, "model-version.png"), full_page=True)
