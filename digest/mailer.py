"""Sending a newsletter over SMTP, once: newsletters/sent.yaml records every message sent.

The password comes from the environment (DIGEST_SMTP_PASSWORD), never from config.yaml. A send that
fails records nothing and can simply be run again; a message recorded as sent is refused unless forced.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from digest import yamlfile
from digest.config import Config, Smtp
from digest.errors import Problem, SiteError, display_path
from digest.newsletter import FOLDER, PASSWORD_VARIABLE, Newsletter, address_of, config_problem
from digest.output import write_atomically

SENT_FILE = "sent.yaml"
TIMEOUT = 60.0  # seconds to wait for the server at each step
SENT_HEADER = "# Newsletters sent by `digest newsletter --send`: commit this file, so that no edition is sent twice.\n"


@dataclass(frozen=True)
class Sent:
    message_id: str
    lang: str
    edition: str
    time: str  # ISO 8601, in the site time zone (older records: UTC)
    recipients: tuple[str, ...]
    line: int | None = None  # in sent.yaml


def sent_file(config: Config) -> Path:
    return config.root / FOLDER / SENT_FILE


def check_sending(config: Config, password: str | None, config_file: Path) -> Smtp:
    """Everything --send needs from config and environment, checked before any work is done."""
    settings = config.newsletter
    if settings is None:
        raise config_problem(config_file, "--send needs a 'newsletter' section (from, to, smtp: see the README)")
    if settings.smtp is None:
        raise config_problem(config_file, "--send needs 'newsletter.smtp' (host, port, security, username)")
    if settings.smtp.username and not password:
        raise config_problem(config_file, f"'newsletter.smtp.username' is set but {PASSWORD_VARIABLE} is not: "
                                     "put the SMTP password in that environment variable")
    return settings.smtp


def read_sent(config: Config) -> list[Sent]:
    """The messages sent so far; SiteError (with its line) if the file is not what digest writes."""
    path = sent_file(config)
    shown = display_path(path, Path.cwd())
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise SiteError([Problem(shown, None, f"cannot read the record of sent newsletters: {error}")]) from None
    try:
        data = yamlfile.parse(text)
    except yamlfile.YamlSyntaxError as error:
        raise SiteError([Problem(shown, error.line, error.message)]) from None
    lines = yamlfile.line_finder(text)
    if data is None:
        return []
    if not isinstance(data, list):
        raise SiteError([Problem(shown, 1, "must be a list of sent messages (as digest writes it)")])
    records = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(key), str)
                                                  for key in ("message_id", "lang", "edition", "time")):
            raise SiteError([Problem(shown, lines((index,)), "each entry needs message_id, lang, edition and time "
                                                             "as text (as digest writes them)")])
        recipients = entry.get("recipients") or []
        records.append(Sent(message_id=entry["message_id"], lang=entry["lang"], edition=entry["edition"],
                            time=entry["time"], line=lines((index,)),
                            recipients=tuple(str(r) for r in recipients) if isinstance(recipients, list) else ()))
    return records


def send(config: Config, newsletter: Newsletter, password: str | None, force: bool = False,
         now: datetime | None = None, config_file: Path | None = None) -> Sent:
    """Send the message to newsletter.to, then record it; raises SiteError (one line) on any failure."""
    smtp = check_sending(config, password, config_file or config.root / "config.yaml")
    records = read_sent(config)
    earlier = [r for r in records if r.lang == newsletter.lang and r.edition == newsletter.name]
    if earlier and not force:
        last = earlier[-1]
        to = f" to {', '.join(last.recipients)}" if last.recipients else ""
        raise SiteError([Problem(display_path(sent_file(config), Path.cwd()), last.line,
                                 f"the '{newsletter.lang}' edition {newsletter.name} was already sent on "
                                 f"{site_time(config, last.time)}"
                                 f"{to}; --force sends it again")])
    assert config.newsletter is not None
    accepted = deliver(smtp, password, newsletter, address_of(config.newsletter.sender))
    record = Sent(message_id=newsletter.message_id, lang=newsletter.lang, edition=newsletter.name,
                  time=(now or datetime.now(UTC)).astimezone(config.tzinfo).isoformat(timespec="seconds"),
                  recipients=accepted)
    _record(config, record)
    refused = [r for r in newsletter.recipients if r not in accepted]
    if refused:  # sent to the others (and recorded): say who did not get it
        raise SiteError([Problem(_server(smtp), None, f"sent, but the server refused {', '.join(refused)}")])
    return record


def deliver(smtp: Smtp, password: str | None, newsletter: Newsletter, sender: str) -> tuple[str, ...]:
    """Hand the message to the SMTP server; the recipients it accepted. SiteError with one line otherwise."""
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.username:
                client.login(smtp.username, password or "")
            refused: Mapping[str, Any] = client.sendmail(sender, list(newsletter.recipients), newsletter.data)
    except Exception as error:  # every failure becomes one line; nothing is recorded
        raise SiteError([Problem(_server(smtp), None, f"not sent: {_reason(error, smtp)}")]) from None
    return tuple(r for r in newsletter.recipients if r not in refused)


def site_time(config: Config, text: str) -> str:
    """A recorded time as the editors read it: in the site time zone (records of older versions are UTC)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return moment.astimezone(config.tzinfo).isoformat(timespec="seconds") if moment.tzinfo else text


def _server(smtp: Smtp) -> str:
    return f"smtp://{smtp.host}:{smtp.port}"


def _reason(error: Exception, smtp: Smtp) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the server refused " + "; ".join(f"{to} ({_reply(*reply)})" for to, reply in error.recipients.items())
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"authentication failed for user {smtp.username!r} ({_reply(error.smtp_code, error.smtp_error)})"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"the server does not offer {'STARTTLS' if smtp.security == 'starttls' else 'that'} " \
               f"({error}); check newsletter.smtp.security"
    if isinstance(error, smtplib.SMTPSenderRefused):
        return f"the server refused the sender {error.sender} ({_reply(error.smtp_code, error.smtp_error)})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the server answered {_reply(error.smtp_code, error.smtp_error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection ({error or 'no reason given'})"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (are the host and port right, and is the server up?)"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return f"no answer within {TIMEOUT:.0f} s"
    if isinstance(error, ssl.SSLError):
        return f"TLS error: {error.reason or error}"
    if isinstance(error, socket.gaierror):
        return f"unknown host {smtp.host!r} ({error.strerror})"
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return f"{type(error).__name__}: {error}"


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}"


def _record(config: Config, record: Sent) -> None:
    """Append the record to sent.yaml (what the file already holds, comments too, is kept as it is)."""
    path = sent_file(config)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = SENT_HEADER
    if text and not text.endswith("\n"):
        text += "\n"
    entry = {"message_id": record.message_id, "lang": record.lang, "edition": record.edition, "time": record.time,
             "recipients": list(record.recipients)}
    text += yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, default_flow_style=False)
    write_atomically(path, text.encode("utf-8"))
