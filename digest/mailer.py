"""Sending a newsletter over SMTP, once: newsletters/sent.yaml records every message sent.

The password comes from the environment (DIGEST_SMTP_PASSWORD), never from config.yaml. A message is delivered
when the server answers 250 to its DATA: it is recorded then, per recipient, whatever happens after (a 421 to QUIT,
a dropped connection). A send refused before that records nothing and can simply be run again (to the recipients
not reached yet). When no answer comes after the whole message was transmitted, nobody knows whether it was
delivered: it is recorded as uncertain, and sending it again needs --force.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from digest import yamlfile
from digest.config import Config, Smtp
from digest.errors import Problem, SiteError, display_path
from digest.newsletter import FOLDER, PASSWORD_VARIABLE, Newsletter, address_of, config_problem
from digest.records import write_atomically

SENT_FILE = "sent.yaml"
TIMEOUT = 60.0  # seconds to wait for the server at each step
UNCERTAIN = "uncertain"  # the status of a message whose delivery is not known (no answer after its DATA)
SENT_HEADER = "# Newsletters sent by `digest newsletter --send`: commit this file, so that no edition is sent twice.\n"


@dataclass(frozen=True)
class Sent:
    message_id: str
    lang: str
    edition: str
    time: str  # ISO 8601, in the site time zone (older records: UTC)
    recipients: tuple[str, ...]
    line: int | None = None  # in sent.yaml
    status: str = "sent"  # or UNCERTAIN


@dataclass(frozen=True)
class Delivery:
    """What the SMTP server said: the recipients it took, those it refused (with its reply), and whether
    the message was accepted (250 after DATA), refused, or left without an answer (`uncertain`)."""

    accepted: tuple[str, ...]
    refused: dict[str, str] = field(default_factory=dict)  # recipient -> "451 4.2.0 try later"
    uncertain: str | None = None  # why delivery is not known


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
                            recipients=tuple(str(r) for r in recipients) if isinstance(recipients, list) else (),
                            status=UNCERTAIN if entry.get("status") == UNCERTAIN else "sent"))
    return records


def send(config: Config, newsletter: Newsletter, password: str | None, force: bool = False,
         now: datetime | None = None, config_file: Path | None = None) -> Sent:
    """Send the message to the recipients of newsletter.to not reached yet (all with force), then record it;
    raises SiteError (one line) on any failure, after recording what was delivered or may have been."""
    smtp = check_sending(config, password, config_file or config.root / "config.yaml")
    records = read_sent(config)  # a damaged record stops the send, forced or not: it is appended to
    recipients = newsletter.recipients if force else _not_reached(config, newsletter, records)
    assert config.newsletter is not None
    delivery = deliver(smtp, password, newsletter, address_of(config.newsletter.sender), recipients)
    time = (now or datetime.now(UTC)).astimezone(config.tzinfo).isoformat(timespec="seconds")
    record = Sent(message_id=newsletter.message_id, lang=newsletter.lang, edition=newsletter.name, time=time,
                  recipients=delivery.accepted, status=UNCERTAIN if delivery.uncertain else "sent")
    _record(config, record)
    if delivery.uncertain:
        raise SiteError([Problem(_server(smtp), None, f"not known whether sent: {delivery.uncertain}; recorded as "
                                 f"uncertain in {display_path(sent_file(config), Path.cwd())}: check whether "
                                 f"{', '.join(delivery.accepted)} received it; --force sends it again")])
    if delivery.refused:  # sent to the others (and recorded): say who did not get it
        raise SiteError([Problem(_server(smtp), None, "sent, but the server refused "
                                 + "; ".join(f"{to} ({reply})" for to, reply in delivery.refused.items())
                                 + "; run it again to send to them only")])
    return record


def _not_reached(config: Config, newsletter: Newsletter, records: list[Sent]) -> tuple[str, ...]:
    """The recipients this edition was not sent to yet; SiteError when it was sent to all, or may have been."""
    earlier = [r for r in records if r.lang == newsletter.lang and r.edition == newsletter.name]
    shown = display_path(sent_file(config), Path.cwd())
    uncertain = [r for r in earlier if r.status == UNCERTAIN]
    if uncertain:
        last = uncertain[-1]
        raise SiteError([Problem(shown, last.line, f"the '{newsletter.lang}' edition {newsletter.name} may have been "
                                 f"sent on {site_time(config, last.time)} to {', '.join(last.recipients)} "
                                 "(the server did not confirm it): check whether it arrived; --force sends it again")])
    reached = {to for r in earlier for to in r.recipients}
    left = tuple(to for to in newsletter.recipients if to not in reached)
    if earlier and not left:
        last = earlier[-1]
        to = f" to {', '.join(to for to in newsletter.recipients if to in reached)}" if reached else ""
        raise SiteError([Problem(shown, last.line, f"the '{newsletter.lang}' edition {newsletter.name} was already "
                                 f"sent on {site_time(config, last.time)}{to}; --force sends it again")])
    return left


def deliver(smtp: Smtp, password: str | None, newsletter: Newsletter, sender: str,
            recipients: tuple[str, ...] | None = None) -> Delivery:
    """Hand the message to the SMTP server for `recipients` (default: all of newsletter.to).

    The server takes responsibility for the message when it answers 250 after DATA: from then on nothing
    that goes wrong (a 421 to QUIT, a dropped connection) undoes it. Every failure before that is one line
    (SiteError), and nothing was delivered."""
    recipients = newsletter.recipients if recipients is None else recipients
    context = ssl.create_default_context()
    refused: dict[str, tuple[int, bytes]] = {}
    transmitted = False  # the whole message, with its final ".", went out: only the server's answer is missing
    client: smtplib.SMTP | None = None
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, password or "")
        client.ehlo_or_helo_if_needed()
        code, reply = client.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        for to in recipients:
            code, reply = client.rcpt(to)
            if code not in (250, 251):
                refused[to] = (code, reply)
        if len(refused) == len(recipients):
            raise smtplib.SMTPRecipientsRefused(refused)
        code, reply = client.docmd("DATA")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        client.send(_dot_stuffed(newsletter.data))
        transmitted = True
        code, reply = client.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
    except Exception as error:  # nothing delivered (or not known): one line
        _close(client, quit=False)
        # After the whole message, no answer (a time-out, a hang-up) leaves it unknown; a reply refused it.
        if transmitted and isinstance(error, OSError) and not isinstance(error, smtplib.SMTPResponseException):
            return _delivery(recipients, refused, _lost(error))
        raise SiteError([Problem(_server(smtp), None, f"not sent: {_reason(error, smtp)}")]) from None
    _close(client, quit=True)
    return _delivery(recipients, refused, None)


def _delivery(recipients: tuple[str, ...], refused: dict[str, tuple[int, bytes]], uncertain: str | None) -> Delivery:
    return Delivery(tuple(to for to in recipients if to not in refused),
                    {to: _reply(*reply) for to, reply in refused.items()}, uncertain)


def _dot_stuffed(data: bytes) -> bytes:
    """The message as sent after DATA (RFC 5321 4.5.2): lines starting with "." doubled, ended by "."."""
    body = re.sub(rb"(?m)^\.", b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


def _close(client: smtplib.SMTP | None, quit: bool) -> None:
    """Say goodbye if asked; whatever the server answers (421, nothing), the connection is closed."""
    if client is None:
        return
    if quit:
        with contextlib.suppress(OSError):  # smtplib's errors are OSErrors too
            client.quit()
    client.close()


def _lost(error: Exception) -> str:
    """Why no answer came after the message was transmitted."""
    if _timed_out(error):
        return f"no answer within {TIMEOUT:g} s after the message was transmitted"
    return "the server closed the connection after the message was transmitted, without answering"


def _timed_out(error: BaseException) -> bool:
    # smtplib turns a time-out while reading a reply into SMTPServerDisconnected("... timed out").
    return isinstance(error, (TimeoutError, socket.timeout)) or isinstance(error.__context__, TimeoutError)


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
    if _timed_out(error):
        return f"no answer within {TIMEOUT:g} s"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection ({error or 'no reason given'})"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (are the host and port right, and is the server up?)"
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
    entry: dict[str, Any] = {"message_id": record.message_id, "lang": record.lang, "edition": record.edition,
                             "time": record.time, "recipients": list(record.recipients)}
    if record.status == UNCERTAIN:
        entry["status"] = UNCERTAIN
    text += yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, default_flow_style=False)
    write_atomically(path, text.encode("utf-8"))
