"""Take screenshots of a running Odoo for the README.

Logs in through ``/web/session/authenticate``, then drives headless Chromium
over the DevTools protocol with that session cookie, waits for a CSS
selector and saves a PNG::

    python3 tools/screenshot.py --db sop_demo \\
        "/odoo/action-sop_planning.sop_cycle_action" ".o_kanban_record" \\
        docs/screenshots/cycle_kanban.png
"""

import argparse
import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time

import requests
import websocket


def free_port():
    """Return a TCP port free on this machine now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def authenticate(base_url, db, login, password):
    """Return the session id of a logged-in user."""
    response = requests.post(
        f"{base_url}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": db, "login": login, "password": password},
        },
        timeout=30,
    )
    response.raise_for_status()
    if response.json().get("error"):
        raise SystemExit(f"login failed: {response.json()['error']['message']}")
    return response.cookies["session_id"]


class DevTools:
    """A minimal DevTools protocol client over one page's websocket."""

    def __init__(self, port):
        for _ in range(50):
            try:
                pages = requests.get(f"http://127.0.0.1:{port}/json", timeout=2).json()
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        page = next(p for p in pages if p["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"])
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result", {})

    def wait_for(self, selector, timeout):
        deadline = time.time() + timeout
        expression = f"!!document.querySelector({json.dumps(selector)})"
        while time.time() < deadline:
            result = self.call("Runtime.evaluate", expression=expression)
            if result.get("result", {}).get("value"):
                return
            time.sleep(0.3)
        raise SystemExit(f"selector {selector!r} not found after {timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="URL path, e.g. /odoo/action-...")
    parser.add_argument("selector", help="CSS selector to wait for")
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--base-url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="sop_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--size", default="1440,900")
    parser.add_argument("--settle", type=float, default=1.5, help="seconds after")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--click", action="append", default=[], help="selector")
    args = parser.parse_args()

    session_id = authenticate(args.base_url, args.db, args.login, args.password)
    port = free_port()  # never another session's Chromium
    width, height = (int(v) for v in args.size.split(","))
    profile = tempfile.mkdtemp(prefix="sop_shot_")
    browser = subprocess.Popen(
        [
            shutil.which("chromium") or "chromium",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            # newer Chromium refuses DevTools websockets from other origins
            "--remote-allow-origins=*",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        tools = DevTools(port)
        tools.call("Network.enable")
        tools.call(
            "Network.setCookie",
            name="session_id",
            value=session_id,
            url=args.base_url,
        )
        tools.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        tools.call("Page.navigate", url=args.base_url + args.path)
        tools.wait_for(args.selector, args.timeout)
        for selector in args.click:
            tools.wait_for(selector, args.timeout)
            tools.call(
                "Runtime.evaluate",
                expression=f"document.querySelector({json.dumps(selector)}).click()",
            )
            time.sleep(args.settle)
        time.sleep(args.settle)
        shot = tools.call("Page.captureScreenshot", format="png")
        with open(args.out, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
        print(f"wrote {args.out}")
    finally:
        browser.terminate()
        browser.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
