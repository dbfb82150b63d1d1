"""`digest newsletter`: the e-mail edition, parsed back with the email package and lxml."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner, Result
from lxml import html as lxml_html
from PIL import Image as PILImage

from digest.cli import main

from helpers import BASE_CONFIG, Site, article

NEWSLETTER_CONFIG = """\
newsletter:
  from: "Revue de test <digest@example.org>"
  to: [lecteurs@lists.example.org]
  reply_to: redaction@example.org
  unsubscribe: https://example.org/unsubscribe
"""


def photo(width: int = 1200, height: int = 800) -> bytes:
    buffer = BytesIO()
    PILImage.new("RGB", (width, height), (40, 90, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


ARTICLES = {
    "fr/drones.md": article("Irak : une base visée par des drones", "2024-07-16T14:30:00+03:00",
                            section="International", source="{name: Press TV, url: 'https://www.presstv.ir/x'}",
                            image="{src: base.jpg, caption: Vue de la base, credit: AFP, alt: Vue aérienne}",
                            summary="Deux drones ont visé la base."),
    "fr/base.jpg": photo(),
    "fr/marche.md": article("Le marché du port rouvre", "2024-07-16T09:00:00+02:00", section="Local",
                            source="Ouest Valbrune", summary="Les étals reviennent sur le quai."),
    "fr/sans-rubrique.md": article("Une brève sans rubrique", "2024-07-16T08:00:00+02:00"),
    "fr/train.md": article("Le train de nuit repart", "2024-07-17T10:00:00+02:00", section="Transports",
                           image="{src: train.png, caption: Le train en gare}"),
    "fr/train.png": photo(300, 200),
    "fr/semaine-suivante.md": article("Un article de la semaine suivante", "2024-07-22T10:00:00+02:00"),
    "en/drones.md": article("Iraq: a base targeted by drones", "2024-07-16T14:30:00+03:00",
                            translation_key="drones", section="World"),
    "ar/drones.md": article("العراق: طائرات مسيّرة تستهدف قاعدة", "2024-07-17T14:30:00+03:00",
                            section="دولي", summary="استهدفت طائرتان مسيّرتان القاعدة."),
}


def newsletter(site: Site, *args: str) -> Result:
    return CliRunner().invoke(main, ["newsletter", "--config", str(site.root / "config.yaml"), *args])


def newsletter_ok(site: Site, *args: str) -> Result:
    result = newsletter(site, *args)
    assert result.exit_code == 0, result.output
    return result


def read_message(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    # Parts travel with CRLF line ends (RFC 5322); compare them as text.
    return plain.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n")


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site(ARTICLES, config=BASE_CONFIG + NEWSLETTER_CONFIG)


def test_day_edition_is_a_multipart_alternative_message(site: Site) -> None:
    result = newsletter_ok(site, "--lang", "fr", "--edition", "2024-07-16")
    eml = site.root / "newsletters/fr/2024-07-16.eml"
    html_file = site.root / "newsletters/fr/2024-07-16.html"
    assert result.output.splitlines() == [str(eml), str(html_file)] or \
        [Path(line).name for line in result.output.splitlines()] == ["2024-07-16.eml", "2024-07-16.html"]
    message = read_message(eml)

    assert message.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in message.iter_parts()]
    assert types == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    assert message["Subject"] == "Revue de test – 16 juillet 2024"
    assert message["From"] == "Revue de test <digest@example.org>"
    assert message["To"] == "lecteurs@lists.example.org"
    assert message["Reply-To"] == "redaction@example.org"
    assert message["Date"].datetime.isoformat() == "2024-07-16T13:30:00+02:00"  # the edition's newest article
    assert re.fullmatch(r"<2024-07-16\.fr\.[^@\s]+@example\.org>", message["Message-ID"])
    assert message["List-Unsubscribe"] == "<https://example.org/unsubscribe>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    text, html = parts(message)
    assert html_file.read_text(encoding="utf-8").strip() == html.strip()  # the HTML part, beside the message
    assert len(html.encode("utf-8")) < 102_000
    page = lxml_html.fromstring(html)
    assert page.get("lang") == "fr" and page.get("dir") == "ltr"
    # Grouped by rubric as on the edition page, articles without one last.
    assert [" ".join(h.text_content().split()) for h in page.xpath("//h2")] == \
        ["International", "Local", "Autres actualités"]
    titles = {" ".join(a.text_content().split()): a.get("href") for a in page.xpath("//h3/a")}
    assert titles == {
        "Irak : une base visée par des drones": "https://example.org/sub/fr/2024/07/drones/",
        "Le marché du port rouvre": "https://example.org/sub/fr/2024/07/marche/",
        "Une brève sans rubrique": "https://example.org/sub/fr/2024/07/sans-rubrique/",
    }
    assert "Le train de nuit repart" not in html  # another day
    body = " ".join(page.text_content().split())
    assert "Press TV" in body and "Ouest Valbrune" in body and "Deux drones ont visé la base." in body
    assert "Photo : AFP" in body.replace("\u202f", " ").replace("\xa0", " ")
    assert page.xpath("//a[@href='https://www.presstv.ir/x']")
    # The photo: absolute, a resized copy sharp enough for the thumbnail, with its size and alt.
    image, *cards = page.xpath("//img")
    assert image.get("src") == "https://example.org/sub/fr/2024/07/drones/base-480w.jpg"
    assert (image.get("width"), image.get("height"), image.get("alt")) == ("120", "80", "Vue aérienne")
    # The articles without a photo show their social card instead.
    assert [(card.get("src"), card.get("width"), card.get("height"), card.get("alt")) for card in cards] == [
        ("https://example.org/sub/fr/2024/07/marche/social.png", "120", "63", "Le marché du port rouvre"),
        ("https://example.org/sub/fr/2024/07/sans-rubrique/social.png", "120", "63", "Une brève sans rubrique")]
    # "View in the browser", the other languages' editions of that day (ar has none on the 16th).
    assert page.xpath("//a[@href='https://example.org/sub/fr/2024/07/16/']")
    assert [(a.get("hreflang"), a.get("href")) for a in page.xpath("//a[@hreflang]")] == \
        [("en", "https://example.org/sub/en/2024/07/16/")]
    assert page.xpath("//a[@href='https://example.org/unsubscribe']")
    # E-mail HTML: nothing that needs a browser, layout inline, tables no wider than 600 px.
    assert not page.xpath("//script | //form | //iframe | //link | //object | //embed")
    assert "@font-face" not in html and "@import" not in html
    for link in page.xpath("//a/@href | //img/@src"):
        assert link.startswith(("https://", "http://", "mailto:")), link
    assert page.xpath("//table") and all(int(t.get("width", "100%").rstrip("%")) <= 600
                                         for t in page.xpath("//table") if not t.get("width", "").endswith("%"))
    assert all(int(w) <= 600 for w in re.findall(r"(?<![-\w])width:\s*(\d+)px", html))
    assert "max-width: 600px" in page.xpath("//table[@width='600']")[0].get("style")
    assert page.xpath("//h3/a")[0].get("style")  # CSS inlined by css-inline
    assert page.xpath("//*[contains(@class, 'preheader')]")[0].text_content().startswith("Irak : une base")

    # The text part: the same content, each link as its URL.
    assert "Irak : une base visée par des drones" in text
    assert "https://example.org/sub/fr/2024/07/drones/" in text
    assert "https://example.org/sub/fr/2024/07/16/" in text
    assert "https://example.org/sub/en/2024/07/16/" in text
    assert "<a " not in text and "&amp;" not in text
    assert text.index("INTERNATIONAL") < text.index("LOCAL") < text.index("AUTRES ACTUALITÉS")


def test_same_input_same_bytes_and_a_stable_message_id(site: Site, tmp_path: Path) -> None:
    newsletter_ok(site, "--lang", "fr")  # the newest edition
    eml = site.root / "newsletters/fr/2024-07-22.eml"
    first = eml.read_bytes()
    first_html = eml.with_suffix(".html").read_bytes()
    newsletter_ok(site, "--lang", "fr", "--edition", "2024-07-22")
    assert eml.read_bytes() == first and eml.with_suffix(".html").read_bytes() == first_html
    newsletter_ok(site, "--lang", "fr", "--output", str(tmp_path / "copy.eml"))
    assert (tmp_path / "copy.eml").read_bytes() == first
    assert (tmp_path / "copy.html").read_bytes() == first_html
    # The Message-ID stays the same for the same language and edition, even when an article changes.
    message_id = read_message(eml)["Message-ID"]
    site.write("content/fr/semaine-suivante.md", article("Un titre corrigé", "2024-07-22T10:00:00+02:00"))
    newsletter_ok(site, "--lang", "fr")
    assert eml.read_bytes() != first
    assert read_message(eml)["Message-ID"] == message_id
    newsletter_ok(site, "--lang", "en", "--edition", "2024-07-16")
    assert read_message(site.root / "newsletters/en/2024-07-16.eml")["Message-ID"] != message_id


def test_arabic_reads_right_to_left(site: Site) -> None:
    newsletter_ok(site, "--lang", "ar")
    message = read_message(site.root / "newsletters/ar/2024-07-17.eml")
    text, html = parts(message)
    page = lxml_html.fromstring(html)
    assert page.get("lang") == "ar" and page.get("dir") == "rtl"
    assert message["Subject"] == "موجز الاختبار – 17 يوليو 2024"
    assert message["Content-Language"] == "ar"
    assert "العراق: طائرات مسيّرة تستهدف قاعدة" in text
    assert [h.text_content() for h in page.xpath("//h2")] == ["دولي"]
    assert [a.get("hreflang") for a in page.xpath("//a[@hreflang]")] == ["fr"]  # fr has the 17th, en not


def test_a_week_of_several_days(site: Site) -> None:
    result = newsletter_ok(site, "--lang", "fr", "--week", "2024-W29")
    assert Path(result.output.splitlines()[0]).name == "2024-W29.eml"
    message = read_message(site.root / "newsletters/fr/2024-W29.eml")
    assert message["Subject"] == "Revue de test – Semaine du 15 juillet 2024"
    assert re.fullmatch(r"<2024-W29\.fr\.[^@\s]+@example\.org>", message["Message-ID"])
    text, html = parts(message)
    page = lxml_html.fromstring(html)
    # Day by day, oldest first, each day linking to its edition page.
    days = [(" ".join(a.text_content().split()), a.get("href")) for a in page.xpath("//h2/a")]
    assert days == [("16 juillet 2024", "https://example.org/sub/fr/2024/07/16/"),
                    ("17 juillet 2024", "https://example.org/sub/fr/2024/07/17/")]
    titles = [" ".join(a.text_content().split()) for a in page.xpath("//h4/a")]
    assert titles == ["Irak : une base visée par des drones", "Le marché du port rouvre", "Une brève sans rubrique",
                      "Le train de nuit repart"]
    assert "semaine suivante" not in html and "semaine suivante" not in text
    assert text.index("16 juillet 2024") < text.index("17 juillet 2024")
    # PNG smaller than twice the thumbnail: the original is used, at its own proportions.
    image = page.xpath("//img[contains(@src, 'train')]")[0]
    assert (image.get("src"), image.get("width"), image.get("height")) == \
        ("https://example.org/sub/fr/2024/07/train/train.png", "120", "80")
    assert (site.root / "newsletters/fr/2024-W29.html").is_file()


def test_a_large_edition_stays_under_gmails_limit(make_site: Callable[..., Site]) -> None:
    summary = "Un résumé assez long pour peser dans le message. " * 12
    articles = {f"fr/a{n:03}.md": article(f"Article numéro {n}", f"2024-07-16T{8 + n % 12:02}:{n % 60:02}:00+02:00",
                                          section=f"Rubrique {n % 5}", summary=repr(summary))
                for n in range(150)}
    site = make_site(articles, config=BASE_CONFIG + NEWSLETTER_CONFIG)
    newsletter_ok(site, "--lang", "fr")
    text, html = parts(read_message(site.root / "newsletters/fr/2024-07-16.eml"))
    assert 80_000 < len(html.encode("utf-8")) < 102_000
    page = lxml_html.fromstring(html)
    shown = len(page.xpath("//h3/a"))
    assert 10 < shown < 150
    more = page.xpath("//a[contains(., 'autres articles sur le site')]")
    assert len(more) == 1 and more[0].get("href") == "https://example.org/sub/fr/2024/07/16/"
    assert more[0].text_content().startswith(f"{150 - shown} ")
    assert f"{150 - shown} autres articles sur le site" in text


def test_without_newsletter_config_the_message_has_no_addresses(make_site: Callable[..., Site]) -> None:
    site = make_site(ARTICLES)
    newsletter_ok(site, "--lang", "en")
    message = read_message(site.root / "newsletters/en/2024-07-16.eml")
    assert message["From"] is None and message["To"] is None and message["List-Unsubscribe"] is None
    assert message["Subject"] == "Test Digest – 16 July 2024"


def test_custom_subject_and_mailto_unsubscribe(make_site: Callable[..., Site]) -> None:
    config = BASE_CONFIG + NEWSLETTER_CONFIG.replace("https://example.org/unsubscribe", "mailto:stop@example.org") \
        + '  subject: "{date} | {title}"\n'
    site = make_site(ARTICLES, config=config)
    newsletter_ok(site, "--lang", "en")
    message = read_message(site.root / "newsletters/en/2024-07-16.eml")
    assert message["Subject"] == "16 July 2024 | Test Digest"
    assert message["List-Unsubscribe"] == "<mailto:stop@example.org>"
    assert message["List-Unsubscribe-Post"] is None


def test_site_templates_override_the_newsletter(site: Site) -> None:
    site.write("templates/newsletter.txt", "{{ site_title }} & {{ days|length }} day(s): {{ view_url }}\n")
    newsletter_ok(site, "--lang", "fr", "--edition", "2024-07-16")
    text, html = parts(read_message(site.root / "newsletters/fr/2024-07-16.eml"))
    assert text == "Revue de test & 1 day(s): https://example.org/sub/fr/2024/07/16/\n"  # plain text: no escaping
    assert "<table" in html


@pytest.mark.parametrize(("args", "message"), [
    (["--lang", "de"], "config.yaml: unknown language 'de' (languages: fr, en, ar)"),
    (["--lang", "fr", "--edition", "2024-07-18"],
     "content/fr/: no 'fr' edition on 2024-07-18 (the newest is 2024-07-22)"),
    (["--lang", "fr", "--week", "2024-W40"],
     "content/fr/: no 'fr' edition in week 2024-W40 (2024-09-30 to 2024-10-06)"),
])
def test_bad_input_is_one_line_and_writes_nothing(site: Site, args: list[str], message: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site.root)
    result = newsletter(site, *args)
    assert result.exit_code == 1
    assert result.output.splitlines() == [message]
    assert not (site.root / "newsletters").exists()


def test_a_language_without_any_article(make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"fr/x.md": article("X")})
    monkeypatch.chdir(site.root)
    result = newsletter(site, "--lang", "en")
    assert result.exit_code == 1
    assert result.output.splitlines() == ["content/en/: no 'en' article published yet: no edition to send"]
    assert not (site.root / "newsletters").exists()


@pytest.mark.parametrize("args", [
    ["--lang", "fr", "--edition", "16/07/2024"],
    ["--lang", "fr", "--edition", "2024-02-30"],
    ["--lang", "fr", "--week", "2024-29"],
    ["--lang", "fr", "--week", "2023-W53"],
    ["--lang", "fr", "--edition", "2024-07-16", "--week", "2024-W29"],
])
def test_malformed_options_are_usage_errors(site: Site, args: list[str]) -> None:
    result = newsletter(site, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not (site.root / "newsletters").exists()


@pytest.mark.parametrize(("snippet", "line", "message"), [
    ("newsletter:\n  from: a@example.org\n  to: b@example.org\n  smtp: {host: h, prot: 25}\n", 4,
     "unknown key 'newsletter.smtp.prot' (did you mean 'port'?)"),
    ("newsletter:\n  from: a@example.org\n  too: b@example.org\n", 3,
     "unknown key 'newsletter.too' (did you mean 'to'?)"),
    ("newsletter:\n  from: a@example.org\n  to: 42\n", 3,
     "'newsletter.to' must be an e-mail address or a list of them, not a number"),
    ("newsletter:\n  from: a@example.org\n  to: [b@example.org, not an address]\n", 3,
     "'newsletter.to' must list e-mail addresses, not 'not an address'"),
    ("newsletter:\n  from: [a@example.org]\n  to: b@example.org\n", 2,
     "'newsletter.from' must be an e-mail address, not a list"),
    ("newsletter:\n  from: a@example.org\n", 1, "missing required key 'newsletter.to'"),
    ("newsletter: yes\n", 1, "'newsletter' must be a mapping such as {from: ..., to: [...]}, not a boolean"),
    ("newsletter:\n  from: a@example.org\n  to: b@example.org\n  unsubscribe: http://example.org/u\n", 4,
     "'newsletter.unsubscribe' must be a mailto: or https: URL, not 'http://example.org/u'"),
    ("newsletter:\n  from: a@example.org\n  to: b@example.org\n  subject: '{title} {day}'\n", 4,
     "'newsletter.subject' has an unknown field {day} (known: {title}, {date})"),
    ("newsletter:\n  from: a@example.org\n  to: b@example.org\n  smtp: {host: h, security: tls}\n", 4,
     "'newsletter.smtp.security' must be starttls, ssl or none, not 'tls'"),
    ("newsletter:\n  from: a@example.org\n  to: b@example.org\n  smtp: {host: h, port: '25'}\n", 4,
     "'newsletter.smtp.port' must be a port number, not a string"),
])
def test_newsletter_config_is_validated(make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch,
                                        snippet: str, line: int, message: str) -> None:
    site = make_site(ARTICLES, config=BASE_CONFIG + snippet)
    monkeypatch.chdir(site.root)
    result = newsletter(site, "--lang", "fr")
    assert result.exit_code == 1
    offset = BASE_CONFIG.count("\n")
    lines = result.output.splitlines()
    assert f"config.yaml:{offset + line}: {message}" in lines
    assert all(re.match(r"config\.yaml:\d+: ", line) for line in lines)  # a misspelt key is also a missing one
    assert not (site.root / "newsletters").exists()
    assert site.build().exit_code == 1  # the same check for every command


def test_newsletter_config_does_not_change_the_site(make_site: Callable[..., Site]) -> None:
    plain = make_site(ARTICLES)
    plain.build_ok()
    before = plain.files()
    plain.write("config.yaml", BASE_CONFIG + NEWSLETTER_CONFIG)
    plain.build_ok()
    assert plain.files() == before


# --- Sending: through a real SMTP server (aiosmtpd) on 127.0.0.1 ---


class Mailbox:
    """An aiosmtpd handler that keeps what it receives and refuses some recipients."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse = refuse
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(mailbox: Mailbox, **options: Any) -> Iterator[int]:
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def sending_config(port: int, username: str | None = None) -> str:
    user = f", username: {username}" if username else ""
    return BASE_CONFIG + NEWSLETTER_CONFIG + f"  smtp: {{host: 127.0.0.1, port: {port}, security: none{user}}}\n"


def test_send_once_then_refused_then_forced(make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        site = make_site(ARTICLES, config=sending_config(port))
        monkeypatch.chdir(site.root)
        result = newsletter_ok(site, "--lang", "fr", "--edition", "2024-07-16", "--send")
        assert len(mailbox.received) == 1
        sender, recipients, data = mailbox.received[0]
        assert sender == "digest@example.org" and recipients == ["lecteurs@lists.example.org"]
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        text, html = parts(message)
        assert "Irak : une base visée par des drones" in text and "Irak : une base visée par des drones" in html
        assert message["Subject"] == "Revue de test – 16 juillet 2024"
        message_id = message["Message-ID"]
        assert message_id in result.output and "lecteurs@lists.example.org" in result.output
        assert not (site.root / "newsletters/fr").exists()  # sent, not written

        sent = yaml.safe_load((site.root / "newsletters/sent.yaml").read_text(encoding="utf-8"))
        assert len(sent) == 1
        assert {k: v for k, v in sent[0].items() if k != "time"} == {
            "message_id": message_id, "lang": "fr", "edition": "2024-07-16",
            "recipients": ["lecteurs@lists.example.org"]}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", sent[0]["time"])  # Europe/Paris

        # The same language and edition again: refused, with when it was sent; nothing sent or recorded.
        record = (site.root / "newsletters/sent.yaml").read_bytes()
        again = newsletter(site, "--lang", "fr", "--edition", "2024-07-16", "--send")
        assert again.exit_code == 1
        assert again.output.splitlines() == [
            f"newsletters/sent.yaml:2: the 'fr' edition 2024-07-16 was already sent on {sent[0]['time']} "
            "to lecteurs@lists.example.org; --force sends it again"]
        assert len(mailbox.received) == 1
        assert (site.root / "newsletters/sent.yaml").read_bytes() == record

        # Another edition or language is sent; --force sends the same one again, recorded twice.
        newsletter_ok(site, "--lang", "en", "--edition", "2024-07-16", "--send")
        newsletter_ok(site, "--lang", "fr", "--edition", "2024-07-16", "--send", "--force")
        assert len(mailbox.received) == 3
        assert mailbox.received[2][2] == mailbox.received[0][2]  # the same message, byte for byte
        sent = yaml.safe_load((site.root / "newsletters/sent.yaml").read_text(encoding="utf-8"))
        assert [(e["lang"], e["edition"]) for e in sent] == [("fr", "2024-07-16"), ("en", "2024-07-16"),
                                                             ("fr", "2024-07-16")]
        assert (site.root / "newsletters/sent.yaml").read_text(encoding="utf-8").startswith("# ")


def test_a_week_is_recorded_by_its_week(make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        site = make_site(ARTICLES, config=sending_config(port))
        newsletter_ok(site, "--lang", "fr", "--week", "2024-W29", "--send")
        newsletter_ok(site, "--lang", "fr", "--edition", "2024-07-16", "--send")  # a day is another edition
        assert newsletter(site, "--lang", "fr", "--week", "2024-W29", "--send").exit_code == 1
    sent = yaml.safe_load((site.root / "newsletters/sent.yaml").read_text(encoding="utf-8"))
    assert [e["edition"] for e in sent] == ["2024-W29", "2024-07-16"]
    assert len(mailbox.received) == 2


def test_a_refused_recipient_records_nothing(make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch) -> None:
    mailbox = Mailbox(refuse=("lecteurs@lists.example.org",))
    with smtp_server(mailbox) as port:
        site = make_site(ARTICLES, config=sending_config(port))
        result = newsletter(site, "--lang", "fr", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"smtp://127.0.0.1:{port}: not sent: the server refused lecteurs@lists.example.org "
        "(550 5.1.1 no such mailbox here)"]
    assert mailbox.received == []
    assert not (site.root / "newsletters").exists()


def test_nothing_listening_records_nothing_and_can_be_run_again(make_site: Callable[..., Site]) -> None:
    port = free_port()
    site = make_site(ARTICLES, config=sending_config(port))
    result = newsletter(site, "--lang", "fr", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"smtp://127.0.0.1:{port}: not sent: connection refused "
                                          "(are the host and port right, and is the server up?)"]
    assert not (site.root / "newsletters").exists()
    mailbox = Mailbox()
    with smtp_server(mailbox) as port_now:
        site.write("config.yaml", sending_config(port_now))
        newsletter_ok(site, "--lang", "fr", "--send")
    assert len(mailbox.received) == 1


def test_login_with_the_password_from_the_environment(make_site: Callable[..., Site],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    mailbox = Mailbox()
    with smtp_server(mailbox, authenticator=authenticator, auth_require_tls=False) as port:
        site = make_site(ARTICLES, config=sending_config(port, username="digest"))
        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "wrong")
        result = newsletter(site, "--lang", "fr", "--send")
        assert result.exit_code == 1
        assert result.output.startswith(f"smtp://127.0.0.1:{port}: not sent: authentication failed for user "
                                        "'digest' (535")
        assert len(result.output.splitlines()) == 1
        assert not (site.root / "newsletters").exists()
        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret")
        newsletter_ok(site, "--lang", "fr", "--send")
    assert logins[-1] == (b"digest", b"s3cret")
    assert len(mailbox.received) == 1
    assert "s3cret" not in (site.root / "newsletters/sent.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("config", "message"), [
    (BASE_CONFIG, "config.yaml: --send needs a 'newsletter' section (from, to, smtp: see the README)"),
    (BASE_CONFIG + NEWSLETTER_CONFIG, "config.yaml: --send needs 'newsletter.smtp' (host, port, security, username)"),
    (sending_config(2525, username="digest"), "config.yaml: 'newsletter.smtp.username' is set but "
     "DIGEST_SMTP_PASSWORD is not: put the SMTP password in that environment variable"),
])
def test_send_without_what_it_needs(make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch,
                                    config: str, message: str) -> None:
    monkeypatch.delenv("DIGEST_SMTP_PASSWORD", raising=False)
    site = make_site(ARTICLES, config=config)
    monkeypatch.chdir(site.root)
    result = newsletter(site, "--lang", "fr", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [message]
    assert not (site.root / "newsletters").exists()


def test_a_damaged_sent_record_stops_sending(make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        site = make_site(ARTICLES, config=sending_config(port))
        monkeypatch.chdir(site.root)
        site.write("newsletters/sent.yaml", "- message_id: <x@y>\n  lang: fr\n- [not, a, record]\n")
        result = newsletter(site, "--lang", "fr", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == ["newsletters/sent.yaml:1: each entry needs message_id, lang, edition "
                                          "and time as text (as digest writes them)"]
    assert mailbox.received == []


@pytest.mark.parametrize(("security", "reason"), [
    ("starttls", "not sent: the server does not offer STARTTLS (STARTTLS extension not supported by server.); "
                 "check newsletter.smtp.security"),
    ("ssl", "not sent: TLS error: "),
])
def test_tls_failures_are_one_line(make_site: Callable[..., Site], security: str, reason: str) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        site = make_site(ARTICLES, config=sending_config(port).replace("security: none", f"security: {security}"))
        result = newsletter(site, "--lang", "fr", "--send")
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith(f"smtp://127.0.0.1:{port}: {reason}")
    assert mailbox.received == [] and not (site.root / "newsletters").exists()


def test_one_refused_recipient_of_two(make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch) -> None:
    """Sent to the other one: recorded (so it is not sent to them twice), and the refusal reported."""
    mailbox = Mailbox(refuse=("gone@example.org",))
    with smtp_server(mailbox) as port:
        config = sending_config(port).replace("to: [lecteurs@lists.example.org]",
                                              "to: [lecteurs@lists.example.org, Parti <gone@example.org>]")
        site = make_site(ARTICLES, config=config)
        result = newsletter(site, "--lang", "fr", "--send")
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"smtp://127.0.0.1:{port}: sent, but the server refused gone@example.org "
                                          "(550 5.1.1 no such mailbox here); run it again to send to them only"]
    assert [recipients for _, recipients, _ in mailbox.received] == [["lecteurs@lists.example.org"]]
    sent = yaml.safe_load((site.root / "newsletters/sent.yaml").read_text(encoding="utf-8"))
    assert sent[0]["recipients"] == ["lecteurs@lists.example.org"]


def test_output_must_not_be_the_html_file(site: Site, tmp_path: Path) -> None:
    result = newsletter(site, "--lang", "fr", "--output", str(tmp_path / "issue.html"))
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"{tmp_path / 'issue.html'}: the message file must not end in .html "
                                          "(its HTML part is written beside it as .html)"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert not (site.root / "newsletters").exists()
