"""Drives the Borealis web console in a real headless Chromium (Debian's chromium and
chromium-driver) with selenium, through the page's data-test hooks, as a user would click.
tests/console.rs runs it and checks what it did with the aws CLI and the mysql client.

Usage: console_drive.py URL [--key K --secret S] [--screenshot PNG] STEP...

Steps (run in order, in one browser session):
  login-refused:SECRET           sign in with the right key and a wrong secret: the page
                                 must show the API's refusal (prints it)
  clone:SOURCE:NAME:PORT:HOURS   Clone on SOURCE's row, fill the form, submit, wait for the
                                 outcome; then wait until NAME's row says available
  backtrack:CLUSTER:ISO_TIME     Backtrack on CLUSTER's row, type the time, submit, wait
  restore:SOURCE:NAME:ISO_TIME   Restore on SOURCE's row: a new cluster NAME (with a writer)
                                 as of the time; wait until NAME's row says available
  delete:CLUSTER                 Delete on CLUSTER's row, confirm; wait until the row is gone
  create:NAME:USER:PASSWORD      Create cluster (with a writer); wait until its row is available
  add-reader:CLUSTER             on CLUSTER's page, Add reader; wait until it is available
A step written !STEP must be refused: it prints the page's error instead of failing.
Each step prints one line `STEP: outcome`. Exit status 1 with the page's error otherwise.
"""

import argparse
import sys

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 60


def css(driver, sel):
    return driver.find_elements(By.CSS_SELECTOR, sel)


def wait_for(driver, what, fn, timeout=WAIT):
    def probe(d):
        try:
            return fn(d)
        except StaleElementReferenceException:
            return None

    try:
        return WebDriverWait(driver, timeout).until(probe)
    except TimeoutException:
        fail(driver, f"timed out waiting for {what}")


def fail(driver, msg):
    banner = [e.text for e in css(driver, "[data-test=banner]") if e.text]
    errors = [e.text for e in css(driver, "[data-test=dialog-error]") if e.text]
    invalid = driver.execute_script(
        "return Array.from(document.querySelectorAll('dialog[open] :invalid'))"
        ".map(e => `${e.dataset.test}: ${e.validationMessage}`)"
    )
    errors += [f"invalid field {v}" for v in invalid or []]
    logs = []
    try:
        logs = [entry["message"] for entry in driver.get_log("browser")]
    except Exception:  # noqa: BLE001 - the log is a debugging aid only
        pass
    print(f"FAILED: {msg}", file=sys.stderr)
    for line in banner + errors + logs:
        print(f"  page: {line}", file=sys.stderr)
    driver.quit()
    sys.exit(1)


def click(driver, sel, what):
    """Clicks the element `sel`, finding it again if a redraw replaced it."""

    def go(d):
        found = css(d, sel)
        if not found or not found[0].is_enabled():
            return None
        found[0].click()
        return True

    wait_for(driver, what, go)


def typed(driver, sel, value):
    el = wait_for(driver, sel, lambda d: (css(d, sel) or [None])[0])
    el.clear()
    el.send_keys(value)


def row(cluster):
    return f'tr[data-test="cluster-row"][data-cluster-id="{cluster}"]'


def sign_in(driver, key, secret):
    typed(driver, "[data-test=login-key]", key)
    typed(driver, "[data-test=login-secret]", secret)
    click(driver, "[data-test=login-submit]", "the sign-in button")


def outcome(driver, what, refused=False):
    """Waits for the open dialog's outcome: its done text, or fails with its error (with
    `refused`, the other way round: the error text, or fail when it succeeds)."""
    def done(d):
        err = css(d, "dialog[open] [data-test=dialog-error]")
        if err and err[0].text:
            if refused:
                return err[0].text
            fail(d, f"{what}: the page says {err[0].text}")
        ok = css(d, "dialog[open] [data-test=dialog-done]")
        if refused and ok and ok[0].text:
            fail(d, f"{what} should have been refused: the page says {ok[0].text}")
        ok = css(d, "dialog[open] [data-test=dialog-done]")
        return ok[0].text if ok and ok[0].text else None

    text = wait_for(driver, f"the outcome of {what}", done)
    click(driver, "dialog[open] [data-test=dialog-close]", "the dialog's close button")
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--key")
    ap.add_argument("--secret")
    ap.add_argument("--screenshot")
    ap.add_argument("steps", nargs="+")
    a = ap.parse_args()

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--disable-gpu", "--window-size=1500,900", "--no-first-run"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.get(a.url)
    page = wait_for(
        driver,
        "the clusters table or the sign-in form",
        lambda d: "login" if css(d, "[data-test=login-key]")
        else "clusters" if css(d, "[data-test=clusters]") else None,
    )
    for step in a.steps:
        refused = step.startswith("!")
        step = step.lstrip("!")
        kind = step.split(":", 1)[0]
        splits = {"backtrack": 2, "restore": 3, "create": 3, "login-refused": 1}
        args = step.split(":", splits.get(kind, 4))[1:]
        if kind == "login-refused":
            if page != "login":
                fail(driver, "the console did not ask for keys")
            sign_in(driver, a.key, args[0])
            msg = wait_for(driver, "the refusal",
                           lambda d: (css(d, "[data-test=login-error]") or [None])[0].text or None)
            print(f"{step}: {msg}")
            continue
        if page == "login":
            if not a.key:
                fail(driver, "the console asks for keys and none were given")
            sign_in(driver, a.key, a.secret)
            page = "clusters"
        wait_for(driver, "the clusters table", lambda d: css(d, "[data-test=clusters]"))
        if kind == "clone":
            source, name, port, hours = args
            click(driver, f"{row(source)} [data-test=action-clone]", f"Clone on {source}'s row")
            typed(driver, "[data-test=clone-name]", name)
            typed(driver, "[data-test=clone-port]", port)
            typed(driver, "[data-test=clone-backtrack-hours]", hours)
            click(driver, "[data-test=clone-submit]", "Create clone")
            text = outcome(driver, "the clone", refused)
            if refused:
                print(f"!{step}: {text}")
                continue
            wait_for(driver, f"{name}'s row to say available",
                     lambda d: any(e.text == "available" for e in
                                   css(d, f"{row(name)} [data-test=cluster-status]")))
            print(f"{step}: {text}")
        elif kind == "backtrack":
            cluster, when = args
            click(driver, f"{row(cluster)} [data-test=action-backtrack]",
                  f"Backtrack on {cluster}'s row")
            typed(driver, "[data-test=backtrack-time]", when)
            click(driver, "[data-test=backtrack-submit]", "Backtrack")
            print(f"{step}: {outcome(driver, 'the backtrack')}")
        elif kind == "restore":
            source, name, when = args
            click(driver, f"{row(source)} [data-test=action-restore]", f"Restore on {source}'s row")
            typed(driver, "[data-test=restore-name]", name)
            click(driver, "[data-test=restore-latest]", "the latest-time box")
            typed(driver, "[data-test=restore-time]", when)
            click(driver, "[data-test=restore-submit]", "Restore")
            text = outcome(driver, "the restore")
            wait_for(driver, f"{name}'s row to say available",
                     lambda d: any(e.text == "available" for e in
                                   css(d, f"{row(name)} [data-test=cluster-status]")))
            print(f"{step}: {text}")
        elif kind == "delete":
            (cluster,) = args
            click(driver, f"{row(cluster)} [data-test=action-delete]", f"Delete on {cluster}'s row")
            typed(driver, "[data-test=delete-confirm]", cluster)
            click(driver, "[data-test=delete-submit]", "Delete")
            text = outcome(driver, "the delete")
            wait_for(driver, f"{cluster}'s row to go", lambda d: not css(d, row(cluster)))
            print(f"{step}: {text}")
        elif kind == "create":
            name, user, password = args
            click(driver, "[data-test=action-create-cluster]", "Create cluster")
            typed(driver, "[data-test=create-name]", name)
            typed(driver, "[data-test=create-user]", user)
            typed(driver, "[data-test=create-password]", password)
            click(driver, "[data-test=create-submit]", "Create cluster's submit")
            text = outcome(driver, "the new cluster", refused)
            if refused:
                print(f"!{step}: {text}")
                continue
            wait_for(driver, f"{name}'s row to say available",
                     lambda d: any(e.text == "available" for e in
                                   css(d, f"{row(name)} [data-test=cluster-status]")))
            print(f"{step}: {text}")
        elif kind == "add-reader":
            (cluster,) = args
            click(driver, f"{row(cluster)} [data-test=cluster-link]", f"{cluster}'s name")
            wait_for(driver, f"{cluster}'s page",
                     lambda d: css(d, f'[data-test=cluster-page][data-cluster-id="{cluster}"]'))
            click(driver, "[data-test=action-add-instance]", "Add reader")
            click(driver, "[data-test=instance-submit]", "Add instance")
            text = outcome(driver, "the new reader")
            wait_for(driver, "the reader to be available",
                     lambda d: sum("available" in e.text for e in
                                   css(d, "[data-test=instance-row]")) >= 2)
            click(driver, "[data-test=back]", "All clusters")
            print(f"{step}: {text}")
        else:
            fail(driver, f"unknown step {step}")
    if a.screenshot:
        # Wait for a poll after the last action so the picture shows the final state.
        wait_for(driver, "the clusters table", lambda d: css(d, "[data-test=clusters]"))
        driver.save_screenshot(a.screenshot)
    driver.quit()


if __name__ == "__main__":
    main()
