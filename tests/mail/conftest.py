"""Mail tests: documents and private files in a temporary directory, a mail key of the test's
own, and a builder of RFC 5322 messages."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet


@pytest.fixture(autouse=True)
def mail_roots(settings, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    settings.RUBRICA_PRIVATE_ROOT = str(tmp_path / "private")
    monkeypatch.setenv("RUBRICA_MAIL_KEY", Fernet.generate_key().decode())
    return root


def make_message(
    *,
    sender: str = "Ada Lovelace <ada@example.com>",
    to: str = "member@example.org",
    cc: str = "",
    subject: str = "Engines",
    body: str = "Hello, about the engine.",
    message_id: str | None = "<m1@example.com>",
    in_reply_to: str = "",
    references: str = "",
    date: str = "2026-11-30T10:00:00+00:00",
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bytes:
    import datetime as dt

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.fromisoformat(date))
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message.set_content(body)
    for name, data, content_type in attachments or []:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


# A private Dovecot on loopback ---------------------------------------------------------------

DOVECOT = "/usr/sbin/dovecot"

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    root: Path

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        import imaplib

        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            client.login(self.user, self.password)
            if folder != "INBOX":
                client.create(folder)
            typ, data = client.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            client.logout()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accounts() -> tuple[str, str, str, int, int]:
    """(login user, internal user, internal group, mail uid, mail gid): this user's own, or
    Dovecot's unprivileged accounts when the tests run as root (Dovecot refuses root there)."""
    import grp
    import pwd

    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        return me, me, group, os.geteuid(), os.getegid()

    def exists(name: str) -> bool:
        try:
            pwd.getpwnam(name)
        except KeyError:
            return False
        return True

    login = "dovenull" if exists("dovenull") else "nobody"
    internal = "dovecot" if exists("dovecot") else "nobody"
    internal_group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
    nobody = pwd.getpwnam("nobody")
    return login, internal, internal_group, nobody.pw_uid, nobody.pw_gid


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A private Dovecot (Debian's dovecot-imapd) on a free loopback port, with its own
    configuration, state and one passwd-file user in a temporary directory; skipped only when the
    binary is not installed."""
    if not os.path.exists(DOVECOT):
        pytest.skip("dovecot is not installed (Debian package dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="rubrica-dovecot-"))
    root.chmod(0o755)  # its unprivileged processes read the passwd file and sockets here
    for name in ("run", "state"):
        (root / name).mkdir()
    for name in ("mail", "home"):
        (root / name).mkdir(mode=0o777)
        (root / name).chmod(0o777)
    (root / "passwd").write_text("alice:{PLAIN}s3cret-pass::::::\n")
    (root / "passwd").chmod(0o644)
    login, internal, group, uid, gid = _accounts()
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(
        _CONFIG.format(
            root=root,
            login_user=login,
            internal_user=internal,
            internal_group=group,
            uid=uid,
            gid=gid,
            port=port,
        )
    )
    subprocess.run([DOVECOT, "-c", str(config)], check=True, timeout=30)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                raise RuntimeError(f"dovecot did not start:\n{log}")
            time.sleep(0.1)
        yield Dovecot("127.0.0.1", port, "alice", "s3cret-pass", root)
    finally:
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(root, ignore_errors=True)


# An SMTP server on loopback (aiosmtpd) ---------------------------------------------------------


@dataclass
class Smtp:
    host: str
    port: int
    received: list[tuple[str, list[str], bytes]]


@pytest.fixture
def smtp_port() -> int:
    """A loopback port nothing listens on yet (the server may be started later on it)."""
    return _free_port()


@pytest.fixture
def smtp_settings(settings, smtp_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return settings


@pytest.fixture
def start_smtp(smtp_settings, smtp_port) -> Iterator[Callable[[], Smtp]]:
    """Start an aiosmtpd server on the chosen port when called; stopped after the test."""
    from aiosmtpd.controller import Controller

    controllers = []

    class Handler:
        def __init__(self, server: Smtp) -> None:
            self.server = server

        async def handle_DATA(self, server, session, envelope):
            self.server.received.append(
                (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
            return "250 OK"

    def start() -> Smtp:
        server = Smtp("127.0.0.1", smtp_port, [])
        controller = Controller(Handler(server), hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append(controller)
        return server

    yield start
    for controller in controllers:
        controller.stop()
