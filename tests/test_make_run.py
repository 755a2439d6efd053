"""`make run` delivers (issue 15): the launcher runs the tick beside the server, a public
registration's confirmation is written within seconds with links on the served port,
and stopping the launcher leaves no process behind. PORT sets the default BASE_URL."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.live import free_port

ROOT = Path(__file__).resolve().parent.parent
LINUX = sys.platform.startswith("linux")


def _config_value(env_updates: dict, name: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "BASE_URL", "LABAPP_ENV")}
    env.update(env_updates)
    done = subprocess.run([sys.executable, "-c", f"import config; print(config.Config.{name})"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_port_sets_the_default_base_url_and_base_url_still_wins():
    assert _config_value({}, "BASE_URL") == "http://127.0.0.1:5000"
    assert _config_value({"PORT": "5100"}, "BASE_URL") == "http://127.0.0.1:5100"
    assert _config_value({"PORT": "5100", "BASE_URL": "https://lab.example.fr/"},
                         "BASE_URL") == "https://lab.example.fr"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_passes_port_to_every_step():
    done = subprocess.run(["make", "-n", "run", "PORT=5123"], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    lines = done.stdout.splitlines()
    launcher = [line for line in lines if "scripts/devserver.py" in line]
    assert launcher and "PORT=5123" in launcher[0]
    assert any("seed-demo --if-empty" in line and "PORT=5123" in line for line in lines)


# --- the launcher, for real ----------------------------------------------------------------

def _flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def _processes_with(marker: str) -> list[int]:
    """Ids of the live processes whose environment holds `marker` (ours: a unique path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


class Browser:
    """urllib with a cookie jar: the CSRF token of a form goes with its session cookie."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")
        except OSError:
            return 0, ""

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=10) as response:
            return response.status, response.read().decode("utf-8")


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def _register_somewhere(browser: Browser, email: str) -> None:
    """Register on the public form of the first upcoming session with a free seat."""
    _, agenda = browser.get("/agenda")
    for session_id in dict.fromkeys(re.findall(r'href="/agenda/sessions/(\d+)"', agenda)):
        path = f"/agenda/sessions/{session_id}"
        _, page = browser.get(path)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', page)
        if not token or f'action="{path}/inscription"' not in page or "est complète" in page:
            continue
        status, answer = browser.post(path + "/inscription", {
            "csrf_token": token.group(1), "name": "Zoé Nouvelle", "email": email,
            "organisation": "Préfecture du Nord", "consent": "y"})
        assert status == 200 and "Votre inscription est confirmée" in answer, answer[:2000]
        return
    raise AssertionError("no upcoming demo session open to a public registration")


def _confirmation(mail_dir: Path, email: str):
    for path in sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if email in str(message["To"]) and str(message["Subject"]).startswith("Inscription"):
            return message
    return None


@pytest.mark.skipif(not LINUX, reason="looks for leftover processes in /proc (Linux)")
def test_make_run_writes_the_confirmation_of_a_public_registration(tmp_path):
    port = free_port()
    mail_dir = tmp_path / "mail"
    env = {k: v for k, v in os.environ.items() if k not in ("BASE_URL", "LABAPP_ENV")}
    env.update({"PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path / 'labapp.db'}",
                "MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(mail_dir),
                "TICK_INTERVAL_SECONDS": "2", "SECRET_KEY": "test-secret"})
    _flask(env, "db", "upgrade")  # as `make run` does
    _flask(env, "seed-demo", "--if-empty")
    log = open(tmp_path / "launcher.log", "wb")
    launcher = subprocess.Popen([sys.executable, "scripts/devserver.py"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        _wait(lambda: browser.get("/healthz")[0] == 200, 20, "the server answers")
        email = "zoe.nouvelle@exemple.fr"
        _register_somewhere(browser, email)
        message = _wait(lambda: _confirmation(mail_dir, email), 20, "the confirmation e-mail")
        text = message.get_body(preferencelist=("plain",)).get_content()
        links = re.findall(r"https?://[^\s>]+", text)
        assert links and all(link.startswith(f"http://127.0.0.1:{port}/") for link in links), links
        assert len(_processes_with(str(mail_dir))) >= 2  # the launcher and its server
    finally:
        launcher.send_signal(signal.SIGINT)  # Ctrl-C, to the launcher alone
        try:
            launcher.wait(15)
        finally:
            if launcher.poll() is None:
                launcher.kill()
            log.close()
    assert launcher.returncode == 0, (tmp_path / "launcher.log").read_text()
    _wait(lambda: not _processes_with(str(mail_dir)), 5, "no server or tick left running")


# --- the launcher's loop, with stand-in processes ---------------------------------------------

@pytest.fixture
def devserver(monkeypatch):
    """scripts/devserver.py, its `flask` replaced by stand-ins: `server` and `tick` scripts."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("devserver", ROOT / "scripts" / "devserver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    started = []
    scripts = {}

    def fake_flask(*args, **kwargs):
        kind = "server" if args[0] == "run" else "tick"
        process = subprocess.Popen([sys.executable, "-c", scripts[kind]], **kwargs)
        started.append((kind, process))
        return process

    monkeypatch.setattr(module, "flask", fake_flask)
    module.scripts, module.started = scripts, started
    return module


def test_launcher_goes_on_after_a_failing_tick_and_stops_with_the_server(devserver, capsys):
    devserver.scripts.update(server="import time; time.sleep(2.5)",
                             tick="import sys; print('boom'); sys.exit(3)")
    assert devserver.run("5999", 0.5) == 0
    ticks = [p for kind, p in devserver.started if kind == "tick"]
    assert len(ticks) >= 3 and all(p.poll() is not None for p in ticks)
    err = capsys.readouterr().err
    assert err.count("tick en échec (code 3)") >= 2 and "boom" in err


def test_launcher_stops_a_running_tick_when_the_server_exits(devserver):
    devserver.scripts.update(server="import sys, time; time.sleep(1); sys.exit(4)",
                             tick="import time; time.sleep(60)")
    started = time.monotonic()
    assert devserver.run("5999", 60) == 4  # the server's failure is the launcher's
    assert time.monotonic() - started < 10
    (tick,) = [p for kind, p in devserver.started if kind == "tick"]
    assert tick.poll() is not None  # stopped, not left running for its 60 s
