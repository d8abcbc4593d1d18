"""Reply trees rebuilt from what posts say: attributions and quoted text.

The seed thread (tests/data/google-groups-seed-thread.txt, a real 2000 Usenet
thread copied from Google Groups) must come out as its people wrote it; the
smaller threads below use its people and words to pin down each attribution
form, quote depth, the fallback and the guards (no later post, no self, no loop).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from importers.base import IncomingMessage
from importers.google_groups import iter_google_groups_text
from importers.reconstruct import guess_parents, infer_parents
from importers.reply_text import read_reply

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = DATA / "google-groups-seed-thread.txt"

MARK = (
    "If you suffer from the laxative effect when you take magnesium, it is often\n"
    "not because you are taking too much, but because you are not assimilating\n"
    "it well. Take a well assimlated form, split up into small doses during the\n"
    "day.\n"
)
THAI = "And a well assimilated form would be?????????????/\n\nthai\n"
STEPHANIE = (
    "Magnesium citrate, touted by some alternative-health advocates as the\n"
    '"best absorbed," is _very_ laxative, and it may not be possible for many\n'
    "individuals to take it at these doses.\n"
)
ICE = (
    "magnesium has been very helpful to me in my struggle with FMS. but it\n"
    "didn't cure anything. my migraines are less frequent.\n"
)


def post(number: int, author: str, day: int, body: str, **fields) -> IncomingMessage:
    """A page post as a page importer makes it: synthetic id, no references."""
    return IncomingMessage(
        source="test", position=f"post {number}", message_id=f"p{number}@test",
        synthetic_id=True, author_name=author, date=datetime(2000, 10, day, 12),
        body_text=body, **fields,
    )


def seed_people() -> list[IncomingMessage]:
    """Mark London (Oct 10), thai (Oct 11), Stephanie A. Hall (Oct 12)."""
    return [
        post(0, "Mark London", 10, MARK, author_email="mark@psfc.mit.edu"),
        post(1, "thai", 11, THAI, author_email="tha...@sympatico.ca"),
        post(2, "Stephanie A. Hall", 12, STEPHANIE),
    ]


def parents(posts: list[IncomingMessage]) -> dict[int, int]:
    """Post index -> the index of the post it now answers."""
    where = {p.message_id: n for n, p in enumerate(posts)}
    return {n: where[p.in_reply_to] for n, p in enumerate(posts) if p.in_reply_to}


def reply_to(posts: list[IncomingMessage], body: str, day: int = 13) -> IncomingMessage:
    """Add a reply with `body` to the posts, infer, and return it."""
    reply = post(len(posts), "Lori", day, body)
    posts.append(reply)
    infer_parents(posts)
    return reply


def test_seed_thread_tree():
    """Mark London <- ice witch; Mark London <- thai <- Stephanie <- thai."""
    posts = [m for m in iter_google_groups_text(SEED) if isinstance(m, IncomingMessage)]
    for message in posts:  # start again from bare pages, whatever parsed them
        message.in_reply_to = message.parent_confidence = None
        message.parent_evidence = None
    infer_parents(posts)
    # UTC days: thai's 10:57 PM (Pacific) on the 12th is the 13th in UTC.
    assert [(p.author_name, p.date.day) for p in posts] == [
        ("Mark London", 10), ("ice witch", 10), ("thai", 12),
        ("Stephanie A. Hall", 12), ("thai", 13),
    ]
    assert parents(posts) == {1: 0, 2: 0, 3: 2, 4: 3}
    assert posts[0].parent_confidence is None and posts[0].parent_evidence is None
    for message in posts[1:]:
        assert 0.5 <= message.parent_confidence <= 1
    evidence = [p.parent_evidence for p in posts[1:]]
    assert "Mark London <m...@psfc.mit.edu> wrote in message" in evidence[0]
    assert evidence[1].startswith("quotes 6 lines of Mark London's post of 2000-10-10")
    assert 'attribution "Mark wrote"' in evidence[1]
    assert 'attribution "thai (tha...@sympatico.ca) wrote:"' in evidence[2]
    assert "of Stephanie A. Hall's post of 2000-10-12" in evidence[3]


@pytest.mark.parametrize(
    ("attribution", "author"),
    [
        ("Mark wrote", "Mark London"),
        ("Mark London <m...@psfc.mit.edu> wrote in message\n"
         "news:39e3...@psfc.mit.edu...", "Mark London"),
        ("thai (tha...@sympatico.ca) wrote:", "thai"),
        ("tha...@sympatico.ca wrote:", "thai"),
        ("On Tue, 10 Oct 2000 12:00:00 -0400, Mark London <mark@psfc.mit.edu> wrote:",
         "Mark London"),
        ("On Oct 12, 2000, Stephanie A. Hall\nwrote:", "Stephanie A. Hall"),
        ("In article <39E3A1B2@psfc.mit.edu>, mark@psfc.mit.edu (Mark London) "
         "writes:", "Mark London"),
        ("In article <39E3A1B2@psfc.mit.edu>,\nmark@psfc.mit.edu writes:",
         "Mark London"),
        ("Stephanie writes:", "Stephanie A. Hall"),
        ("Il giorno gio 12 ott 2000 alle ore 12:00 Stephanie A. Hall ha scritto:",
         "Stephanie A. Hall"),
        ("11/10/2000, tha...@sympatico.ca:", "thai"),
        ("thai schrieb am 11.10.2000:", "thai"),
        ("Le 12 oct. 2000, Stephanie A. Hall a écrit :", "Stephanie A. Hall"),
        (">>>>> On 11 Oct 2000, tha...@sympatico.ca (thai) said:", "thai"),
    ],
)
def test_attribution_forms(attribution, author):
    posts = seed_people()
    posts[0].message_id = "39E3A1B2@psfc.mit.edu"
    reply = reply_to(posts, f"{attribution}\n\n> (quoted text hidden)\n\nThanks.\n")
    assert posts[parents(posts)[3]].author_name == author
    assert reply.parent_confidence >= 0.5
    assert "attribution" in reply.parent_evidence


def test_attribution_alone_at_the_end_of_a_top_posted_reply():
    posts = seed_people()
    reply = reply_to(posts, f"{ICE}\nlori\n\nthai (tha...@sympatico.ca) wrote:\n")
    assert parents(posts)[3] == 1 and reply.parent_confidence >= 0.5


def test_attribution_date_picks_between_posts_of_one_author():
    posts = [*seed_people(), post(3, "thai", 12, "Thanks for the info.\n")]
    reply_to(posts, "On 11 Oct 2000, thai wrote:\n\n> (hidden)\n\nYou are welcome.\n")
    assert parents(posts)[4] == 1
    reply_to(posts, "thai wrote:\n\n> (hidden)\n\nYes.\n", day=14)
    assert parents(posts)[5] == 3  # no date: the latest post of that author


def test_quotes_pick_the_post_whose_own_words_they_are():
    posts = seed_people()
    rewrapped = "> Magnesium citrate, touted by some alternative-health\n" \
                "> advocates as the \"best absorbed,\" is _very_ laxative\n"
    reply = reply_to(posts, f"{rewrapped}\nI will try another kind.\n")
    assert parents(posts)[3] == 2
    assert reply.parent_evidence == (
        "quotes 2 lines of Stephanie A. Hall's post of 2000-10-12"
    )
    assert reply.parent_confidence >= 0.8


def test_text_a_post_itself_quoted_is_not_its_own():
    quoting_mark = "Mark wrote\n\n" + "".join(f"> {line}\n" for line in
                                              MARK.splitlines()) + "\n" + THAI
    posts = [post(0, "Mark London", 10, MARK), post(1, "thai", 11, quoting_mark)]
    reply_to(posts, "".join(f"> {line}\n" for line in MARK.splitlines()[:3]))
    assert parents(posts)[2] == 0


def test_deeper_quotes_point_up_the_chain():
    thai_quoting = "Mark wrote\n\n" + "".join(
        f"> {line}\n" for line in MARK.splitlines()) + "\n" + THAI
    sibling = "Mark wrote\n\n" + "".join(
        f"> {line}\n" for line in MARK.splitlines()) + "\n" + ICE
    posts = [post(0, "Mark London", 10, MARK), post(1, "thai", 11, thai_quoting),
             post(2, "ice witch", 11, sibling)]
    nested = "".join(f">> {line}\n" for line in MARK.splitlines()[:2])
    reply_to(posts, f"{nested}>\n> And a well assimilated form would be?\n\nAny.\n")
    assert parents(posts)[3] == 1


def test_a_missing_parent_leaves_its_quoted_ancestor_at_low_confidence():
    posts = [post(0, "Mark London", 10, MARK), post(1, "ice witch", 11, ICE)]
    nested = "".join(f">> {line}\n" for line in MARK.splitlines())
    missing = "> Nobody here wrote this sentence about taking doses slowly.\n"
    reply = reply_to(posts, f"{nested}{missing}\nSlowly, then.\n")
    assert parents(posts)[2] == 0
    assert reply.parent_confidence < 0.5 and "two levels deep" in reply.parent_evidence


@pytest.mark.parametrize("prefix", [": ", "| ", "|> ", "} ", "SH> "])
def test_other_quote_prefixes(prefix):
    posts = seed_people()
    quoted = "".join(f"{prefix}{line}\n" for line in STEPHANIE.splitlines())
    reply_to(posts, f"{quoted}\nNoted.\n")
    assert parents(posts)[3] == 2


def test_outlook_original_message_block_is_quoted_text():
    posts = seed_people()
    reply_to(posts, f"Noted.\n\n-----Original Message-----\n{STEPHANIE}")
    assert parents(posts)[3] == 2


@pytest.mark.parametrize(
    "header",
    [
        "From: Stephanie A. Hall\nSent: Thursday, October 12, 2000 3:00 AM\n"
        "To: alt.med.fibromyalgia\nSubject: Re: MUSCLE SPASMS",
        "-----Original Message-----\nFrom: Stephanie A. Hall\n"
        "Sent: Thursday, October 12, 2000 3:00 AM",
    ],
)
def test_outlook_header_block_names_the_parent_and_quotes_the_rest(header):
    posts = seed_people()
    # Stephanie's words below the header, then the text she had quoted, with
    # its own attribution: that must not be read as the reply's.
    body = f"Noted.\n\n{header}\n\n{STEPHANIE}\nthai wrote:\n> {THAI}"
    reply = reply_to(posts, body)
    assert parents(posts)[3] == 2
    assert "From: Stephanie A. Hall" in reply.parent_evidence


def test_nothing_to_go_on_falls_back_to_the_first_post():
    posts = seed_people()
    reply = reply_to(posts, ICE)
    assert parents(posts)[3] == 0
    assert reply.parent_confidence == 0.2
    assert reply.parent_evidence.startswith("no attribution or quoted text matched")


def test_pools_without_fallback_leave_unexplained_posts_alone():
    posts = [*seed_people(), post(3, "Lori", 13, ICE)]
    assert guess_parents(posts, fallback=False)[3] is None


def test_a_masked_news_id_finds_a_real_message_id():
    posts = seed_people()
    posts[0].message_id, posts[0].synthetic_id = "10OCT00.123456@psfc.mit.edu", False
    reply = reply_to(posts, f"{ICE}\nSomeone <x...@example.org> wrote in message\n"
                            "news:10OCT00....@psfc.mit.edu...\n")
    assert parents(posts)[3] == 0 and reply.parent_confidence > 0.9


def test_never_a_later_post():
    posts = seed_people()
    early = post(3, "Lori", 13, "".join(f"> {line}\n" for line in ICE.splitlines()))
    posts[1:1] = [early]  # it quotes ice witch's words before she writes them
    posts.append(post(4, "ice witch", 14, ICE))
    infer_parents(posts)
    assert all(parent < child for child, parent in parents(posts).items())


def test_never_itself():
    posts = seed_people()
    posts.append(post(3, "thai", 13, "In article <p3@test>, thai writes:\n> hmm\n"))
    infer_parents(posts)
    assert posts[3].in_reply_to != posts[3].message_id
    copy = post(4, "thai", 14, "".join(f"> {line}\n" for line in THAI.splitlines()))
    copy.message_id = posts[1].message_id  # the same post read twice
    posts.append(copy)
    infer_parents(posts)
    assert copy.in_reply_to != copy.message_id


def test_never_a_loop_through_a_declared_parent():
    posts = seed_people()
    posts[0].in_reply_to = posts[2].message_id  # the page says 0 answers 2
    posts[2].body_text = "".join(f"> {line}\n" for line in MARK.splitlines())
    infer_parents(posts)
    assert posts[2].in_reply_to in (None, posts[1].message_id)
    assert posts[0].in_reply_to == "p2@test"  # declared parents are kept


def test_declared_parents_are_kept():
    posts = seed_people()
    posts[2].references = ["elsewhere@test"]
    posts[2].body_text = "".join(f"> {line}\n" for line in THAI.splitlines())
    infer_parents(posts)
    assert posts[2].in_reply_to is None and posts[2].parent_confidence is None


def test_a_shared_topic_favours_a_candidate():
    posts = [post(0, "Mark London", 10, MARK), post(1, "Mark London", 11, MARK),
             post(2, "Lori", 12, "Mark wrote:\n\n> hidden\n\nok\n")]
    found = guess_parents(posts, topics=["magnesium", "tics", "tics"], fallback=False)
    assert found[2].parent == 1
    found = guess_parents(posts, topics=["magnesium", "tics", "magnesium"])
    assert found[2].parent == 0


def test_reading_a_reply_keeps_depths_and_attributions_apart():
    text = read_reply("New words.\n\nthai (tha...@sympatico.ca) wrote:\n: Mark wrote\n")
    assert [(a.depth, a.text) for a in text.attributions] == [
        (0, "thai (tha...@sympatico.ca) wrote:"), (1, "Mark wrote"),
    ]
    assert text.attributions[0].addresses == ["tha...@sympatico.ca"]
