"""Turn Reuters-21578 into saved article pages, like a news site's, for benchmarks.

    python -m bench.corpus --out var/bench/reuters --copies 5

Each story becomes one HTML page (title, date, topic as section, paragraphs)
wrapped in navigation, "related" teasers and a footer; two page layouts
alternate (JSON-LD and OpenGraph metadata). Copy k of the corpus shifts dates
by k years and gets its own URLs, so ``--copies 5`` writes ~108k distinct pages.
The data stays outside the repository (see ../shared/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "reuters21578"
_RECORD = re.compile(r"<REUTERS\b(.*?)</REUTERS>", re.S)


@dataclass
class Story:
    newid: int
    date: dt.datetime
    topics: list[str]
    places: list[str]
    title: str
    author: str | None
    dateline: str
    body: str


def _tag(record: str, name: str) -> str:
    m = re.search(rf"<{name}>(.*?)</{name}>", record, re.S)
    return m.group(1) if m else ""


def _text(raw: str) -> str:
    # The SGML holds control-character entities (&#3;) and a few named ones.
    raw = re.sub(r"&#(\d+);", lambda m: "" if int(m.group(1)) < 32 else chr(int(m.group(1))), raw)
    return html.unescape(raw).strip()


def read_stories(data: Path) -> list[Story]:
    stories = []
    for path in sorted(data.glob("reut2-*.sgm")):
        text = path.read_bytes().decode("latin-1")
        for m in _RECORD.finditer(text):
            rec = m.group(0)
            newid = int(re.search(r'NEWID="(\d+)"', rec).group(1))
            raw_date = _tag(rec, "DATE").strip()
            try:
                date = dt.datetime.strptime(raw_date.split(".")[0], "%d-%b-%Y %H:%M:%S")
            except ValueError:
                continue
            body = _text(_tag(rec, "BODY")).removesuffix("Reuter").strip()
            title = _text(_tag(rec, "TITLE"))
            if not body:  # unprocessed records keep their text untagged
                text = re.search(r"<TEXT[^>]*>(.*?)</TEXT>", rec, re.S)
                body = _text(re.sub(r"<[^>]+>", " ", text.group(1) if text else ""))
                body = body.removesuffix("Reuter").strip() or title
            if not title:
                title = " ".join(body.split()[:10])
            if not body:
                continue
            author = _text(_tag(rec, "AUTHOR")) or None
            if author:
                author = re.sub(r"(?i)^by\s+|,\s*reuters?$", "", author).strip().title() or None
            stories.append(Story(
                newid=newid, date=date,
                topics=re.findall(r"<D>(.*?)</D>", _tag(rec, "TOPICS")),
                places=re.findall(r"<D>(.*?)</D>", _tag(rec, "PLACES")),
                title=title.title() if title.isupper() else title,
                author=author, dateline=_text(_tag(rec, "DATELINE")).rstrip(" -"), body=body,
            ))
    return stories


def paragraphs(body: str) -> list[str]:
    # Reuters paragraphs are indented lines; other newlines are hard wraps.
    parts = re.split(r"\n\s{2,}(?=\S)", body)
    return [re.sub(r"\s+", " ", p).strip() for p in parts if p.strip()]


def section_of(story: Story) -> str:
    return story.topics[0].replace("-", " ").title() if story.topics else "General"


NAV = "".join(
    f'<li><a href="/{s.lower()}">{s}</a></li>'
    for s in ("World", "Business", "Markets", "Commodities", "Energy", "Economy", "Opinion")
)


def render(story: Story, copy: int, teasers: list[Story]) -> str:
    date = story.date.replace(year=story.date.year + copy)
    section = section_of(story)
    slug = re.sub(r"[^a-z0-9]+", "-", story.title.lower()).strip("-")[:60]
    url = f"https://news.example.com/{date:%Y/%m/%d}/{slug}-{story.newid}-{copy}"
    title = html.escape(story.title)
    iso = date.strftime("%Y-%m-%dT%H:%M:%S") + "-05:00"
    if story.newid % 2:
        meta = '<script type="application/ld+json">' + json.dumps({
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
            "datePublished": iso, "articleSection": section, "url": url,
            "author": [{"@type": "Person", "name": story.author}] if story.author else [],
        }).replace("</", "<\\/") + "</script>"
    else:
        meta = (f'<meta property="og:title" content="{title}"><meta property="og:url" content="{url}">'
                f'<meta property="article:published_time" content="{iso}">'
                f'<meta property="article:section" content="{html.escape(section)}">')
    byline = f'<p class="byline">By {html.escape(story.author)}</p>' if story.author else ""
    dateline = f"{html.escape(story.dateline)} - " if story.dateline else ""
    paras = paragraphs(story.body)
    body = "".join(
        f"<p>{dateline if i == 0 else ''}{html.escape(p)}</p>" for i, p in enumerate(paras)
    )
    related = "".join(
        f'<li><a href="/story/{t.newid}">{html.escape(t.title)}</a></li>' for t in teasers
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | Example Newswire</title>
<link rel="canonical" href="{url}">{meta}
<style>body{{font-family:serif}}</style></head>
<body><header class="site-header"><a class="logo" href="/">Example Newswire</a>
<nav class="main-nav"><ul>{NAV}</ul></nav></header>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept</button></div>
<main><article class="story"><div class="breadcrumbs"><a href="/">Home</a> › <a href="/{section.lower()}">{html.escape(section)}</a></div>
<h1>{title}</h1>{byline}<time datetime="{iso}">{date:%B %d, %Y}</time>
<div class="share-bar"><a href="#">Share</a> <a href="#">Tweet</a> <a href="#">Email</a></div>
<div class="article-body">{body}</div></article>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
<div class="newsletter">Get the morning briefing in your inbox. <form><input type="email"><button>Sign up</button></form></div>
</main><footer class="site-footer"><ul><li><a href="/about">About</a></li><li><a href="/contact">Contact</a></li>
<li><a href="/terms">Terms</a></li></ul><p>© {date.year} Example Newswire. All rights reserved.</p></footer>
</body></html>"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DATA, help=f"Reuters-21578 folder (default {DATA})")
    p.add_argument("--out", type=Path, default=Path("var/bench/reuters"))
    p.add_argument("--copies", type=int, default=1, help="how many shifted copies of the corpus")
    args = p.parse_args(argv)
    started = time.monotonic()
    stories = read_stories(args.data)
    written = 0
    for copy in range(args.copies):
        for i, story in enumerate(stories):
            teasers = [stories[(i + k * 7919) % len(stories)] for k in (1, 2, 3)]
            path = args.out / f"copy{copy}" / f"{story.newid // 1000:02d}" / f"{story.newid}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(story, copy, teasers), encoding="utf-8")
            written += 1
    print(f"{written} pages from {len(stories)} stories x {args.copies} copies "
          f"in {args.out} ({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
