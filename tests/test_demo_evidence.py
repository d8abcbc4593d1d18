"""`make run`'s moderation: the seeds labelled from samples/demo-evidence.json
through the services, the cited papers' details from samples/demo-citations.json,
both loaded by the commands the Makefile runs, and loaded twice without change."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Citation, Label, Post
from tests.test_demo_samples import REPO, makefile_imports

EVIDENCE = REPO / "samples" / "demo-evidence.json"
CITATIONS = REPO / "samples" / "demo-citations.json"


def load_seeds_and_evidence(runner, monkeypatch) -> list[str]:
    """The Makefile's seed imports (sci.med is not needed) and its two loads."""
    monkeypatch.chdir(REPO)
    _invoke(runner, "db", "upgrade")  # as `make sample` does: seeds the taxonomy
    for args in makefile_imports():
        if "sci.med" not in args:
            result = runner.invoke(args=["import", *args])
            assert result.exit_code == 0, result.output
    return [_invoke(runner, "citations", "load", str(CITATIONS)),
            _invoke(runner, "evidence", "load", str(EVIDENCE))]


def _invoke(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_makefile_loads_the_demo_evidence():
    recipe = (REPO / "Makefile").read_text(encoding="utf-8").split("\nsample:", 1)[1]
    recipe = recipe.split("\n\n", 1)[0]
    assert "citations load $(DEMO_CITATIONS)" in recipe
    assert "evidence load $(DEMO_EVIDENCE)" in recipe
    assert recipe.index("citations load") < recipe.index("evidence load")


def test_every_claim_of_the_file_lands_on_its_span_with_its_papers(runner, monkeypatch):
    citations_out, evidence_out = load_seeds_and_evidence(runner, monkeypatch)
    entries = json.loads(EVIDENCE.read_text(encoding="utf-8"))["labels"]
    assert "0 left out" in citations_out
    assert f"labels: {len(entries)} added" in evidence_out
    assert "0 problems" in evidence_out
    for entry in entries:
        label = db.session.scalar(select(Label).where(
            Label.exact == " ".join(entry["exact"].split())))
        assert label is not None, entry["id"]
        assert label.kind.key == entry["kind"]
        assert label.rationale == " ".join(entry["rationale"].split())
        assert len(label.citations) == len(entry["citations"]), entry["id"]
        assert label.created_by.name == "evidence-demo"
    # Through the services: each label is in the audit log.
    logged = db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "label.create"))
    assert logged == len(entries)


def test_loading_again_changes_nothing_and_a_changed_rationale_revises(
        runner, monkeypatch, tmp_path):
    load_seeds_and_evidence(runner, monkeypatch)
    again = _invoke(runner, "evidence", "load", str(EVIDENCE))
    assert re.search(r"0 added, 0 revised, \d+ unchanged", again)
    assert "36 unchanged" in _invoke(runner, "citations", "load", str(CITATIONS))
    data = json.loads(EVIDENCE.read_text(encoding="utf-8"))
    data["labels"][0]["rationale"] = "A new rationale, in other words."
    changed = tmp_path / "evidence.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    out = _invoke(runner, "evidence", "load", str(changed))
    assert "1 revised" in out, out
    label = db.session.scalar(select(Label).where(
        Label.rationale == "A new rationale, in other words."))
    assert label.exact == " ".join(data["labels"][0]["exact"].split())  # span kept
    assert label.revision == 2


def test_a_bad_entry_is_reported_and_the_rest_load(runner, monkeypatch, tmp_path):
    load_seeds_and_evidence(runner, monkeypatch)
    data = {"moderator": "evidence-demo", "labels": [
        {"id": "gone", "group": "articles.magnesium", "exact": "Words no post has.",
         "kind": "unsupported", "rationale": "x"},
        {"id": "nokind", "group": "articles.magnesium",
         "exact": "Magnesium deficiency is common in individuals with ET.",
         "kind": "no_such_kind", "rationale": "x"},
        "not an object"]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = _invoke(runner, "evidence", "load", str(path))
    assert "3 problems" in out and "gone: no post in articles.magnesium" in out
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    result = runner.invoke(args=["evidence", "load", str(broken)])
    assert result.exit_code != 0 and "not a readable evidence file" in result.output


def test_a_reader_sees_the_verdict_on_the_span_and_the_papers_details(
        runner, monkeypatch, client):
    load_seeds_and_evidence(runner, monkeypatch)
    tremor = _post_holding("A study published in the journal Neurology found")
    page = client.get(f"/p/{tremor.permalink}/").get_data(as_text=True)
    mark = re.search(r'<mark class="claim[^"]*" data-label="(\d+)"[^>]*>A study '
                     r'published in the journal Neurology', page)
    assert mark, "the claim is marked"
    chip = re.search(rf'</mark><a class="claim-verdict[^"]*" href="#label-{mark[1]}">'
                     r"Source not found</a>", page)
    assert chip, "the verdict follows the span and leads to its card"
    assert "No study of magnesium for essential tremor in Neurology was found" in page
    fmnetwork = _post_holding("Bagis S, et al. Rheumatology Int")
    page = client.get(f"/p/{fmnetwork.permalink}/").get_data(as_text=True)
    assert "<cite>Is magnesium citrate treatment effective on pain" in page
    assert "Rheumatology International. 2013;33(1):167-172." in page
    # A work known by its web address is named by its site, not the whole address.
    fasciculations = _post_holding("Magnesium helps facilitate muscle relaxation")
    page = client.get(f"/p/{fasciculations.permalink}/").get_data(as_text=True)
    assert ">consensus.app</a>" in page
    assert "<cite>The nature of the neuromuscular" in page
    # A paper whose details could not be confirmed says so and links its record.
    thread_post = _post_holding("But all of these same changes are found also")
    page = client.get(f"/p/{thread_post.permalink}/").get_data(as_text=True)
    assert "are not confirmed here" in page
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/8988330/"' in page


def test_a_citation_made_after_the_load_takes_its_details_from_the_cache(runner):
    from forum.services.citations import citations_from_text

    _invoke(runner, "citations", "load", str(CITATIONS))
    [citation] = citations_from_text(db.session, "doi:10.1007/S00296-011-2334-8")
    assert citation.title.startswith("Is magnesium citrate treatment effective")
    assert citation.container_title == "Rheumatology International"
    assert citation.issued == "2013-01"
    assert db.session.scalar(select(func.count(Citation.id))) == 1


def test_a_csl_file_with_bad_items_loads_the_good_ones(runner, tmp_path):
    path = tmp_path / "items.json"
    path.write_text(json.dumps([
        {"title": "No identifier at all"},
        {"PMID": "123", "title": ""},
        42,
        {"PMID": "9068914", "title": "A title", "container-title": "J"}]),
        encoding="utf-8")
    out = _invoke(runner, "citations", "load", str(path))
    assert "4 items read: 1 stored" in out and "3 left out" in out
    path.write_text("not json", encoding="utf-8")
    result = runner.invoke(args=["citations", "load", str(path)])
    assert result.exit_code != 0 and "not a readable CSL-JSON file" in result.output


def _post_holding(words: str) -> Post:
    return db.session.scalar(select(Post).where(Post.body_text.contains(words)))
