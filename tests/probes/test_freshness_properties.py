"""Property tests for the page text's fingerprint (infra.probes.freshness): noise never changes it (times,
dates of any day, visitor counters, tokens, whitespace and case, scripts, styles, comments, forms,
navigation), and a new paragraph of words always does. No network, no database."""

from __future__ import annotations

import datetime
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.probes.freshness import _MONTH_NAMES, _WEEKDAY_NAMES, _WEEKDAY_SHORT, fingerprint

SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))

# Words the noise rules read as part of a date, a time or a relative time when noise lands next to them
# (a base word "mar" before a noise "10:42" would read as "Mar 10"): the base text avoids them.
RESERVED = {
    *(name for names in _MONTH_NAMES.values() for name in names),
    *_WEEKDAY_NAMES,
    *_WEEKDAY_SHORT,
    *"legi pahing pon wage kliwon copyright hak cipta yang yg lalu ago baru saja just now one".split(),
    *"wib wita wit utc gmt".split(),
}
WORDS = st.text(string.ascii_lowercase, min_size=3, max_size=10).filter(lambda word: word not in RESERVED)
PARAGRAPHS = st.lists(st.lists(WORDS, min_size=1, max_size=8), min_size=1, max_size=5)
TODAY = st.dates(datetime.date(2020, 1, 1), datetime.date(2035, 12, 31))

MONTHS_ID = [names[0] for names in _MONTH_NAMES.values()]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September"]
MONTHS_EN += ["October", "November", "December"]
SHORT = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
WEEKDAYS_ID = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


@st.composite
def times(draw) -> str:
    """A clock: "10:42", "10.42 WIB", "7:05:09 pm"."""
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    sep = draw(st.sampled_from([":", "."]))
    text = f"{hour:02d}{sep}{minute:02d}" if draw(st.booleans()) else f"{hour}{sep}{minute:02d}"
    if draw(st.booleans()):
        text += f"{sep}{second:02d}"
    return text + draw(st.sampled_from(["", " WIB", " WITA", " wib", " pm", " UTC"]))


@st.composite
def dates(draw) -> str:
    """A date of any day, in one of the ways pages write them, maybe with a weekday and a time."""
    value = draw(st.dates(datetime.date(1995, 1, 1), datetime.date(2099, 12, 31)))
    weekday = WEEKDAYS_ID[value.weekday()]
    form = draw(st.integers(0, 6))
    text = [
        f"{value.day} {MONTHS_ID[value.month - 1].capitalize()} {value.year}",
        f"{weekday}, {value.day} {SHORT[value.month - 1]} {value.year}",
        f"{value:%d/%m/%Y}",
        f"{value:%Y-%m-%d}",
        f"{MONTHS_EN[value.month - 1]} {value.day}, {value.year}",
        f"{value:%A}, {value.day:02d}-{value:%m}-{value.year}",
        f"{weekday} Pahing, {value.day} {MONTHS_ID[value.month - 1]} {value.year}",
    ][form]
    if draw(st.booleans()):
        text += " " + draw(times())
    return text


@st.composite
def tokens(draw) -> str:
    """A session id, CSRF token or hash: hex, or base64-like with a digit or capitals inside."""
    if draw(st.booleans()):
        return draw(st.binary(min_size=8, max_size=32)).hex()
    alphabet = string.ascii_letters + string.digits + "-_"
    token = draw(st.text(alphabet, min_size=16, max_size=64))
    digit = draw(st.sampled_from(string.digits))
    return token[:5] + digit + token[5:]


RELATIVE = st.builds(
    lambda n, unit, tail: f"{n} {unit} {tail}",
    st.integers(1, 59),
    st.sampled_from(["detik", "menit", "jam", "hari", "minggu", "bulan", "minutes", "hours", "days"]),
    st.sampled_from(["yang lalu", "lalu", "yg lalu", "ago"]),
)
# Text with no "<" (it could close the element early), as a script, style or comment might hold.
CODE = st.text(st.characters(blacklist_characters="<>", blacklist_categories=("Cs",)), max_size=80)
SPACE = st.text(" \t\n\r\u00a0", min_size=1, max_size=4)

# Noise that vanishes entirely: the page with it reads as the page without it.
PURE_NOISE = st.one_of(
    times().map(lambda t: f"<p>{t}</p>"),
    dates().map(lambda d: f"<span>{d}</span>"),
    tokens().map(lambda t: f"<p>{t}</p>"),
    RELATIVE.map(lambda r: f"<small>{r}</small>"),
    CODE.map(lambda c: f"<script>{c}</script>"),
    CODE.map(lambda c: f"<style>{c}</style>"),
    CODE.map(lambda c: f"<!-- {c.replace('-', '')} -->"),
    st.lists(WORDS, max_size=4).map(lambda w: f"<nav><a href='/'>{' '.join(w)}</a></nav>"),
    st.tuples(WORDS, tokens()).map(lambda f: f"<form><label>{f[0]}</label><input value='{f[1]}'></form>"),
    SPACE,
)
COUNTER_LABELS = ["Pengunjung hari ini", "Visitors today", "Online", "Hits", "Total pengunjung", "Dibaca", "Kemarin"]


def thousands(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def page(
    paragraphs: list[list[str]],
    inserts: dict[int, list[str]],
    extra: tuple[int, str] | None = None,
    frame: tuple[str, str] = ("", ""),
) -> str:
    """A page: its paragraphs with ``inserts[i]`` placed before paragraph i (and after the last); the
    page's own header and footer (outside <main>) hold ``frame``."""
    parts = ["<html><head><title>Dinas</title></head><body>"]
    if frame[0]:
        parts.append(f"<header class='site-header'><div class='top-bar'>{frame[0]}</div></header>")
    parts.append("<main>")
    for i in range(len(paragraphs) + 1):
        if extra and extra[0] == i:
            parts.append(f"<p>{extra[1]}</p>")
        parts.extend(inserts.get(i, []))
        if i < len(paragraphs):
            parts.append("<p>" + " ".join(paragraphs[i]) + "</p>")
    parts.append("</main>")
    if frame[1]:
        parts.append(f"<div id='footer'><p>{frame[1]}</p></div>")
    parts.append("</body></html>")
    return "".join(parts)


@SETTINGS
@given(paragraphs=PARAGRAPHS, data=st.data(), today=TODAY)
def test_adding_noise_never_changes_the_fingerprint(paragraphs, data, today):
    noise = data.draw(st.lists(st.tuples(st.integers(0, len(paragraphs)), PURE_NOISE), max_size=8))
    inserts: dict[int, list[str]] = {}
    for position, text in noise:
        inserts.setdefault(position, []).append(text)
    # Noise inside a paragraph too: a clock or a date between two of its words.
    inline = data.draw(st.one_of(times(), dates(), tokens(), RELATIVE))
    noisy = [list(words) for words in paragraphs]
    noisy[0].insert(data.draw(st.integers(0, len(noisy[0]))), inline)
    # The page's own header and footer: whatever they say (a date, a greeting, the copyright).
    frame = (" ".join(data.draw(st.lists(WORDS, max_size=5))), " ".join(data.draw(st.lists(WORDS, max_size=5))))
    assert fingerprint(page(noisy, inserts, frame=frame), today) == fingerprint(page(paragraphs, {}), today)


@SETTINGS
@given(paragraphs=PARAGRAPHS, data=st.data(), today=TODAY)
def test_changing_the_clock_the_counters_and_the_case_never_changes_the_fingerprint(paragraphs, data, today):
    # Slots that stay on the page, each with a label that stays and a value that changes.
    slots = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, len(paragraphs)),
                st.sampled_from(["clock", "date", "counter", "token", "relative"]),
                st.sampled_from(COUNTER_LABELS),
            ),
            min_size=1,
            max_size=6,
        )
    )

    def fill() -> dict[int, list[str]]:
        inserts: dict[int, list[str]] = {}
        for position, kind, label in slots:
            if kind == "clock":
                text = f"<div>Pukul {data.draw(times())}</div>"
            elif kind == "date":
                text = f"<div>Hari ini: {data.draw(dates())}</div>"
            elif kind == "counter":
                value = data.draw(st.integers(0, 10_000_000))
                text = f"<table><tr><td>{label}</td><td>: {thousands(value)}</td></tr></table>"
            elif kind == "token":
                text = f"<p>Sesi {data.draw(tokens())}</p>"
            else:
                text = f"<p>Diperbarui {data.draw(RELATIVE)}</p>"
            inserts.setdefault(position, []).append(text)
        return inserts

    shouted = [[word.upper() if data.draw(st.booleans()) else word for word in words] for words in paragraphs]
    assert fingerprint(page(paragraphs, fill()), today) == fingerprint(page(shouted, fill()), today)


@SETTINGS
@given(
    paragraphs=PARAGRAPHS,
    article=st.lists(WORDS, min_size=1, max_size=12),
    data=st.data(),
    today=TODAY,
)
def test_adding_a_paragraph_of_words_always_changes_the_fingerprint(paragraphs, article, data, today):
    noise = data.draw(st.lists(st.tuples(st.integers(0, len(paragraphs)), PURE_NOISE), max_size=4))
    inserts: dict[int, list[str]] = {}
    for position, text in noise:
        inserts.setdefault(position, []).append(text)
    where = data.draw(st.integers(0, len(paragraphs)))
    before = fingerprint(page(paragraphs, inserts), today)
    after = fingerprint(page(paragraphs, inserts, extra=(where, " ".join(article))), today)
    assert before != after
