"""References written as text: the seed article, 1993 sci.med posts, look-alikes."""

from __future__ import annotations

import pytest

from forum.citations.reference_parts import Author
from forum.citations.references import find_references
from tests.helpers import REPO, corpus

FMNETWORK = REPO / "samples" / "article-fmnetwork-magnesium-fibromyalgia.txt"
SCI_MED = ("usenet-20news", "spool", "sci.med")


def only(text: str):
    found = find_references(text)
    assert len(found) == 1, found
    return found[0]


def test_the_seed_articles_bagis_line():
    text = FMNETWORK.read_text()
    [reference] = find_references(text)
    assert reference.text == (
        "Bagis S, et al. Rheumatology Int [epub ahead of print] Jan. 22, 2012")
    assert text[reference.start:reference.end] == reference.text
    assert reference.first_author == Author("Bagis", "S")
    assert reference.other_authors == ()
    assert reference.et_al
    assert (reference.journal, reference.year) == ("Rheumatology Int", 2012)
    assert reference.title is None
    assert (reference.volume, reference.issue, reference.first_page) == (None,) * 3


@pytest.mark.parametrize(("text", "fields"), [
    ("Smith J, Jones K. Title of paper. J Neurol 1999;12(3):45-67.",
     {"authors": (Author("Smith", "J"), Author("Jones", "K")),
      "title": "Title of paper", "journal": "J Neurol", "year": 1999,
      "volume": "12", "issue": "3", "first_page": "45", "shape": "vancouver"}),
    ("Rosanoff A et al. Suboptimal magnesium status ... "
     "Nutr Rev. 2012 Mar;70(3):153-64.",
     {"authors": (Author("Rosanoff", "A"),), "et_al": True, "journal": "Nutr Rev",
      "year": 2012, "volume": "70", "issue": "3", "first_page": "153"}),
    ("Ng SY. Hair calcium ... J Manipulative Physiol Ther 1999;22:586-93",
     {"authors": (Author("Ng", "SY"),), "journal": "J Manipulative Physiol Ther",
      "year": 1999, "volume": "22", "issue": None, "first_page": "586"}),
    ("as shown before (Castillo & Engbaek, 1954), magnesium",
     {"text": "(Castillo & Engbaek, 1954)", "shape": "in-text", "year": 1954,
      "authors": (Author("Castillo"), Author("Engbaek")), "journal": None}),
    ("Smith, J. A., & Jones, K. (1999). Title of paper. Journal of Neurology, "
     "12(3), 45-67.",
     {"shape": "apa", "authors": (Author("Smith", "JA"), Author("Jones", "K")),
      "journal": "Journal of Neurology", "volume": "12", "first_page": "45"}),
    ("as Moore et al. (1992) reported", {"text": "Moore et al. (1992)",
                                         "shape": "et-al", "year": 1992}),
])
def test_forms_seen_in_posts(text, fields):
    reference = only(text)
    for name, value in fields.items():
        assert getattr(reference, name) == value, name


@pytest.mark.corpus
def test_a_1993_reference_list_wrapped_over_lines():
    text = corpus(*SCI_MED, "59122").read_text(errors="replace")
    andrus = next(r for r in find_references(text) if r.first_author.family == "Andrus")
    assert andrus.text == (
        "Andrus JK, Fleming DW, Harger DR, et al. Partner notification: can it \n"
        "control epidemic syphilis? Ann Intern Med 1990;112:539-43")
    assert andrus.other_authors == (Author("Fleming", "DW"), Author("Harger", "DR"))
    assert andrus.title == "Partner notification: can it control epidemic syphilis?"
    assert (andrus.journal, andrus.year, andrus.volume, andrus.first_page) == (
        "Ann Intern Med", 1990, "112", "539")


@pytest.mark.corpus
def test_a_1993_list_in_volume_page_year_order():
    text = corpus(*SCI_MED, "59576").read_text(errors="replace")
    found = {r.first_author.family: r for r in find_references(text)}
    assert found["Fukugawa"].journal == "J Clin Invest"
    assert (found["Fukugawa"].volume, found["Fukugawa"].first_page,
            found["Fukugawa"].year) == ("76", "2306", 1985)
    assert found["Fukugawa"].et_al
    # "Chambers JB, Jr." keeps its suffix out of the author list
    assert [a.family for a in found["Pittman"].authors] == [
        "Pittman", "Suda", "Chambers", "Ray"]
    assert found["Evans"].first_author == Author("Evans", "GW")
    # a conference abstract names no journal: not reported
    assert "Kaats" not in found


@pytest.mark.corpus
@pytest.mark.parametrize(("article", "expected"), [
    ("58150", {"journal": "J. Physiol", "volume": "427", "first_page": "681",
               "title": "Visual transduction in cones of the monkey Macaca "
                        "fascicularis"}),
    ("59481", {"journal": "BMJ", "title": "Dark Warrior epilepsy", "year": 1982,
               "first_author": Author("Daneshmend", "TK")}),
])
def test_et_al_references_in_1993_posts(article, expected):
    reference = only(corpus(*SCI_MED, article).read_text(errors="replace"))
    for name, value in expected.items():
        assert getattr(reference, name) == value, name


@pytest.mark.parametrize("text", [
    "John Smith, et al. went to the store",
    "John Smith, et al. went to the store in 1999 and bought bread.",
    "Mark London\nM...@PSFC.MIT.EDU\n",
    "Oct 10, 2000, 3:00:00 AM10/10/00",
    "Posted By joshua@fmnetnews On January 31, 2012 @ 12:33 pm In 2012,Latest News",
    "From: George B. Clark)\nNewsgroups: sci.med\nSubject: Re: Endometriosis\n"
    "Date: 16 Apr 1993 14:02:11 GMT",
    "David R.  Rubinow who heads the biological psychiatry branch of NIMH was "
    "quoted in\nClin. Psychiatry News, December, 1987.",
    "Journal of the American Medical Association, 1998",  # no author named
    "Smith J, Jones K. Title of paper. J Neurol 1799;12(3):45-67.",  # too early
    "Smith J, Jones K. Title of paper. J Neurol 2999;12(3):45-67.",  # future
    "(Boston, 1999)",
    "Call Smith J, Jones K. on 1999;12:45-67.",
])
def test_look_alikes_are_not_references(text):
    assert find_references(text) == []


def test_seed_thread_and_its_signature_hold_no_reference():
    text = (REPO / "samples" / "usenet-2000-magnesium-fibromyalgia-thread.txt"
            ).read_text()
    assert find_references(text) == []


@pytest.mark.parametrize("text", [
    "Ng SY. Hair calcium. J Manipulative Physiol Ther 1999;22:586-93. PMID: 10598620",
    "Ng SY. Hair calcium. J Manipulative Physiol Ther 1999;22:586-93.\n"
    "https://pubmed.ncbi.nlm.nih.gov/10598620/",
    "Smith J. Title. J Neurol 1999;12:45-67. doi:10.1000/xyz123",
])
def test_references_with_an_identifier_are_left_to_the_scan(text):
    assert find_references(text) == []


def test_an_identifier_further_on_does_not_hide_the_reference():
    text = ("Ng SY. Hair calcium. J Manipulative Physiol Ther 1999;22:586-93.\n\n"
            "Unrelated: PMID: 10598620")
    assert only(text).first_author == Author("Ng", "SY")


def test_several_references_in_text_order_without_overlap():
    text = ("1. Felig P. Clin Physiol 1984; 4: 267-273.\n"
            "2. Kimball SR, Jefferson LS. Diabetes Metab Rev 4: 773, 1988.\n")
    found = find_references(text)
    assert [r.first_author.family for r in found] == ["Felig", "Kimball"]
    assert found[0].end <= found[1].start
    assert [text[r.start:r.end] for r in found] == [r.text for r in found]


def test_quoted_reference_in_a_reply():
    text = ("> Smith J, Jones K. Title of paper. J Neurol\n"
            "> 1999;12(3):45-67.\n")
    reference = only(text)
    assert reference.journal == "J Neurol"
    assert reference.year == 1999
