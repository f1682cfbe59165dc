import email
import stat
from typing import ClassVar

from readtoearn.accounts import email as mail
from readtoearn.config import Settings


def test_the_default_backend_writes_to_the_outbox(tmp_path) -> None:
    backend = mail.make_email_backend(Settings(data_dir=tmp_path, base_url="https://news.example"))
    assert isinstance(backend, mail.FileEmailBackend)
    backend.send(mail.OutgoingEmail(to="ann@example.org", subject="Hello", body="Café au lait\n"))
    files = list((tmp_path / "outbox").iterdir())
    assert len(files) == 1 and files[0].suffix == ".eml"
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    message = email.message_from_bytes(files[0].read_bytes())
    assert message["To"] == "ann@example.org"
    assert message["From"] == "no-reply@news.example"
    assert message.get_payload(decode=True).decode() == "Café au lait\n"


class FakeSMTP:
    instances: ClassVar[list["FakeSMTP"]] = []

    def __init__(self, host, port, timeout):
        self.host, self.port = host, port
        self.calls: list[tuple] = []
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append(("quit",))

    def starttls(self, context):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.calls.append(("send", message["To"], message["From"], message["Subject"]))


def test_smtp_when_configured(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    settings = Settings(
        data_dir=tmp_path,
        smtp_host="smtp.example",
        smtp_port=2525,
        smtp_user="mailer",
        smtp_password="hunter2-but-longer",
        smtp_from="news@example.org",
    )
    backend = mail.make_email_backend(settings)
    assert isinstance(backend, mail.SmtpEmailBackend)
    backend.send(mail.OutgoingEmail(to="ann@example.org", subject="Hi", body="Body"))
    smtp = FakeSMTP.instances[-1]
    assert (smtp.host, smtp.port) == ("smtp.example", 2525)
    assert smtp.calls == [
        ("starttls",),
        ("login", "mailer", "hunter2-but-longer"),
        ("send", "ann@example.org", "news@example.org", "Hi"),
        ("quit",),
    ]
    assert not (tmp_path / "outbox").exists()
    assert "hunter2" not in repr(settings)
