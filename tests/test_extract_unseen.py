"""Body rules for boilerplate that showed on unseen pages (issue 10), on small hand-written pages."""

from __future__ import annotations

from tests.test_extract import PARAGRAPHS
from tests.test_extract_body import OTHER, STORY, assert_story, body_of


def test_ruby_annotations_are_not_text() -> None:
    body = body_of("<h1>新しい法律</h1><div class='article-body'><p><ruby>子<rp>(</rp><rt>こ</rt><rp>)</rp></ruby>"
                   "どもへの<ruby>虐待<rt>ぎゃくたい</rt></ruby>をなくすための法律ができて、親が子どもを教育するために、"
                   "たたいたり蹴ったりする体罰を禁止することになりました。最近、親に虐待された子どもを守ることが"
                   "できなくて、子どもが亡くなる事件が続いています。</p></div>")
    assert "子どもへの虐待をなくすための法律ができて" in body
    assert "ぎゃくたい" not in body


def test_a_marker_inside_a_sidebar_gives_way_to_the_one_outside() -> None:
    """Sidebar boxes that reuse the body's class ("BlockContent-body") are not the story."""
    sidebar = "".join(f"<div class='block'><div class='block-content-body'><p>{o}</p></div></div>" for o in OTHER)
    body = body_of(f"<div class='layout'><div class='sidebar1'>{sidebar}</div>"
                   f"<div class='post'><h1>Tram line extended</h1><div class='post-content-body'>{STORY}</div></div></div>")
    assert_story(body)
    for other in OTHER:
        assert other not in body
