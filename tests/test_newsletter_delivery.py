"""`digest newsletter --send` against SMTP servers that misbehave, scripted on 127.0.0.1.

The message is delivered when the server answers 250 after DATA: what happens after (a 421 to QUIT, a dropped
connection) does not undo it, and no answer at all leaves it uncertain. Each case must never lead to a second copy
on a plain re-run.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import yaml
from test_newsletter import ARTICLES, NEWSLETTER_CONFIG, newsletter, newsletter_ok

from digest import mailer

from helpers import BASE_CONFIG, Site

TWO = ("a@example.org", "b@example.org")


@dataclass
class Script:
    """How the server answers. `after_data`: a reply, "silent" (never answers) or "drop" (hangs up without
    answering); `hang_up_after_data`: close the connection right after that reply; `quit`: a reply or "drop";
    `greeting` and `rcpt` replies may be "silent" too."""

    rcpt: dict[str, str] = field(default_factory=dict)  # recipient -> reply other than 250
    after_data: str = "250 2.0.0 Ok: queued as 4F2C1"
    hang_up_after_data: bool = False
    quit: str = "221 2.0.0 Bye"
    greeting: str = "220 mx.example.org ESMTP"
    received: list[tuple[list[str], bytes]] = field(default_factory=list)


class Session(socketserver.StreamRequestHandler):
    script: Script

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        script = self.server.script  # type: ignore[attr-defined]
        if script.greeting == "silent":
            self.rfile.readline()  # until the client gives up and closes
            return
        self.reply(script.greeting)
        recipients: list[str] = []
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 mx.example.org")
            elif verb == b"MAIL":
                recipients = []
                self.reply("250 2.1.0 Ok")
            elif verb == b"RCPT":
                address = line.decode().split("<", 1)[1].split(">", 1)[0]
                answer = script.rcpt.get(address, "250 2.1.5 Ok")
                if answer == "silent":
                    self.rfile.readline()  # until the client gives up and closes
                    return
                if answer.startswith("250"):
                    recipients.append(address)
                self.reply(answer)
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                if script.after_data == "silent":
                    self.rfile.readline()  # until the client gives up and closes
                    return
                if script.after_data == "drop":
                    return
                if script.after_data.startswith("250"):
                    script.received.append((recipients, data))
                self.reply(script.after_data)
                if script.hang_up_after_data:
                    return
            elif verb == b"QUIT":
                if script.quit != "drop":
                    self.reply(script.quit)
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")


@contextmanager
def scripted_server(script: Script) -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
    server.daemon_threads = True
    server.script = script  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def config_for(port: int, recipients: tuple[str, ...] = ("lecteurs@lists.example.org",)) -> str:
    return (BASE_CONFIG + NEWSLETTER_CONFIG.replace("[lecteurs@lists.example.org]", f"[{', '.join(recipients)}]")
            + f"  smtp: {{host: 127.0.0.1, port: {port}, security: none}}\n")


def sent_records(site: Site) -> list[dict[str, object]]:
    return yaml.safe_load((site.root / "newsletters/sent.yaml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mailer, "TIMEOUT", 1.0)


@pytest.fixture
def site_at(make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Site]:
    def make(port: int, recipients: tuple[str, ...] = ("lecteurs@lists.example.org",)) -> Site:
        site = make_site(ARTICLES, config=config_for(port, recipients))
        monkeypatch.chdir(site.root)
        return site
    return make


@pytest.mark.parametrize("script", [
    Script(quit="421 4.3.2 Service shutting down"),
    Script(hang_up_after_data=True),
    Script(quit="drop"),
], ids=["421-to-quit", "hang-up-after-250", "no-answer-to-quit"])
def test_delivered_at_the_250_after_data_whatever_follows(site_at: Callable[..., Site], script: Script) -> None:
    with scripted_server(script) as port:
        site = site_at(port)
        result = newsletter_ok(site, "--lang", "fr", "--edition", "2024-07-16", "--send")
        assert result.output.startswith("sent <2024-07-16.fr.newsletter.")
        assert [recipients for recipients, _ in script.received] == [["lecteurs@lists.example.org"]]
        (record,) = sent_records(site)
        assert record["recipients"] == ["lecteurs@lists.example.org"] and "status" not in record

        again = newsletter(site, "--lang", "fr", "--edition", "2024-07-16", "--send")
        assert again.exit_code == 1
        assert "was already sent on" in again.output and "--force sends it again" in again.output
        assert len(script.received) == 1  # no second copy


@pytest.mark.parametrize(("script", "why"), [
    (Script(after_data="silent"), "no answer within 1 s after the message was transmitted"),
    (Script(after_data="drop"), "the server closed the connection after the message was transmitted, "
                                "without answering"),
], ids=["silent-after-data", "hang-up-before-answering"])
def test_no_answer_after_data_is_uncertain_and_needs_force(site_at: Callable[..., Site], script: Script,
                                                           why: str) -> None:
    with scripted_server(script) as port:
        site = site_at(port)
        result = newsletter(site, "--lang", "fr", "--edition", "2024-07-16", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"smtp://127.0.0.1:{port}: not known whether sent: {why}; recorded as uncertain in newsletters/sent.yaml: "
        "check whether lecteurs@lists.example.org received it; --force sends it again"]
    (record,) = sent_records(site)
    assert record["status"] == "uncertain" and record["recipients"] == ["lecteurs@lists.example.org"]

    working = Script()
    with scripted_server(working) as port:
        site.write("config.yaml", config_for(port))
        again = newsletter(site, "--lang", "fr", "--edition", "2024-07-16", "--send")
        assert again.exit_code == 1
        assert again.output.splitlines() == [
            f"newsletters/sent.yaml:2: the 'fr' edition 2024-07-16 may have been sent on {record['time']} to "
            "lecteurs@lists.example.org (the server did not confirm it): check whether it arrived; "
            "--force sends it again"]
        assert working.received == []
        newsletter_ok(site, "--lang", "fr", "--edition", "2024-07-16", "--send", "--force")
        assert len(working.received) == 1
    assert [r.get("status", "sent") for r in sent_records(site)] == ["uncertain", "sent"]


@pytest.mark.parametrize("script", [Script(greeting="silent"), Script(rcpt={"lecteurs@lists.example.org": "silent"})],
                         ids=["silent-greeting", "silent-at-rcpt"])
def test_a_time_out_before_data_is_not_sent_and_says_so(site_at: Callable[..., Site], script: Script) -> None:
    with scripted_server(script) as port:
        site = site_at(port)
        result = newsletter(site, "--lang", "fr", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"smtp://127.0.0.1:{port}: not sent: no answer within 1 s"]
    assert not (site.root / "newsletters").exists()


def test_one_recipient_refused_with_451_gets_it_on_a_plain_rerun(site_at: Callable[..., Site]) -> None:
    refusing = Script(rcpt={"b@example.org": "451 4.2.0 Mailbox temporarily unavailable"})
    with scripted_server(refusing) as port:
        site = site_at(port, TWO)
        result = newsletter(site, "--lang", "fr", "--edition", "2024-07-16", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"smtp://127.0.0.1:{port}: sent, but the server refused b@example.org "
        "(451 4.2.0 Mailbox temporarily unavailable); run it again to send to them only"]
    assert [recipients for recipients, _ in refusing.received] == [["a@example.org"]]
    assert sent_records(site)[0]["recipients"] == ["a@example.org"]

    working = Script()
    with scripted_server(working) as port:
        site.write("config.yaml", config_for(port, TWO))
        result = newsletter_ok(site, "--lang", "fr", "--edition", "2024-07-16", "--send")
        assert result.output.rstrip().endswith("to b@example.org")
        assert [recipients for recipients, _ in working.received] == [["b@example.org"]]
        assert working.received[0][1] == refusing.received[0][1]  # the same message
        assert [r["recipients"] for r in sent_records(site)] == [["a@example.org"], ["b@example.org"]]

        again = newsletter(site, "--lang", "fr", "--edition", "2024-07-16", "--send")
        assert again.exit_code == 1
        assert "was already sent on" in again.output and "to a@example.org, b@example.org;" in again.output
        assert len(working.received) == 1


def test_a_damaged_record_stops_a_forced_send_too(site_at: Callable[..., Site]) -> None:
    script = Script()
    with scripted_server(script) as port:
        site = site_at(port)
        site.write("newsletters/sent.yaml", "- message_id: <x@y>\n  lang: fr\n- [not, a, record]\n")
        result = newsletter(site, "--lang", "fr", "--send", "--force")
    assert result.exit_code == 1
    assert result.output.splitlines() == ["newsletters/sent.yaml:1: each entry needs message_id, lang, edition "
                                          "and time as text (as digest writes them)"]
    assert script.received == []


def test_a_refusal_after_data_is_not_sent_and_shows_the_code(site_at: Callable[..., Site]) -> None:
    script = Script(after_data="554 5.7.1 Message rejected as spam")
    with scripted_server(script) as port:
        site = site_at(port)
        result = newsletter(site, "--lang", "fr", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"smtp://127.0.0.1:{port}: not sent: the server answered "
                                          "554 5.7.1 Message rejected as spam"]
    assert script.received == [] and not (site.root / "newsletters").exists()
