"""Every page fits a phone and a desktop, and axe-core finds nothing serious.

One archive for the module, seeded as an operator would: the 2000 thread, the
four articles, a slice of 20news sci.med (a deep thread, long words and wide
lines), a label, citations (one a long URL), import runs, a moderator and an
admin. One Chromium walks it with one context per role and width, reusing its
page: public pages signed out, moderator and admin pages signed in.

`document.documentElement.scrollWidth <= innerWidth` must hold for every page
at 390 and 1280 px; axe-core (node_modules, `npm install`) must report no
serious or critical violation in the light or the dark scheme; and the
keyboard must reach every control with a visible focus ring.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from tests.browser import chromium, needs_chromium, seeded_app, serve
from tests.evidence.conftest import PASSWORD
from tests.helpers import REPO, corpus

pytestmark = needs_chromium

WIDTHS = (390, 1280)
SCHEMES = ("light", "dark")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SLICE = 400  # the first articles by number: a 37-post thread 10 deep, 126-char words
SERIOUS = ("serious", "critical")
LONG_URL = ("http://www.fmnetnews.com/resources-treatments-and-therapies/magnesium-"
            "malic-acid-supplementation-for-fibromyalgia-a-randomised-double-blind-"
            "placebo-controlled-crossover-pilot-study.html?session="
            "0f8c2a9e7b3d4c1a6e5f0b9d8c7a6e5f4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8")
ROLES = {"reader": None, "moderator": "mara", "admin": "ada"}


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    path: str


@dataclass
class Walk:
    """What the walk measured: widths, axe findings, focus problems."""

    widths: dict[tuple[str, int], tuple[int, int, list[str]]] = field(
        default_factory=dict)
    axe: dict[tuple[str, int, str], list[dict]] | None = field(default_factory=dict)
    focus: dict[str, list[str]] = field(default_factory=dict)


# -- the archive --------------------------------------------------------------------


def _seed(folder: Path):
    """The served app and the pages to walk, built from a real import."""
    from forum.services import accounts

    spool = corpus("usenet-20news", "spool", "sci.med")
    news = folder / "spool" / "sci.med"
    news.mkdir(parents=True)
    for path in sorted(spool.iterdir(), key=lambda p: int(p.name))[:SLICE]:
        shutil.copy(path, news / path.name)
    articles = sorted((REPO / "samples").glob("article-*.txt"))
    with pytest.MonkeyPatch.context() as patch:
        # A light work factor: the walk signs in, it does not test hashing.
        patch.setattr(accounts, "PASSWORD_METHOD", "scrypt:1024:8:1")
        app = seeded_app(folder / "data",
                         ("article", "articles.magnesium", articles),
                         ("auto", None, [news]),
                         FORUM_SEARCH_BACKEND="whoosh-ram")
        with app.app_context():
            accounts.create_user(db.session, "ada", PASSWORD, "admin")
            pages = _evidence_and_pages()
            db.session.commit()
    return app, pages


def _evidence_and_pages() -> list[Page]:
    """A label and citations on the seed post; then every page of the list."""
    from forum.models import Author, Citation, Group, ImportRun, Label, Post, User
    from forum.services.citations import attach_citation
    from forum.services.evidence import label_post

    mara = db.session.scalar(select(User).where(User.name == "mara"))
    seed = _posts("alt.support.fibromyalgia").order_by(Post.date, Post.id)
    seed = db.session.scalar(seed.limit(1))
    label_post(db.session, mara, seed, "unsupported", "One anecdote, no source.",
               exact=seed.body_text.split(".")[0].strip())
    attach_citation(db.session, mara, seed, "pmid:10959035")
    attach_citation(db.session, mara, seed, LONG_URL, note="A page that moved.")
    db.session.flush()

    deepest = db.session.scalar(_posts("sci.med").with_only_columns(Post.thread_id)
                                .order_by(Post.depth.desc(), Post.id).limit(1))
    widest = max(db.session.scalars(_posts("sci.med")),
                 key=lambda post: max(map(len, post.body_text.split() or [""])))
    reply = db.session.scalar(select(Post).where(
        Post.thread_id == seed.thread_id, Post.depth > 0).order_by(Post.id).limit(1))
    article = db.session.scalar(_posts("articles.magnesium").order_by(Post.id))
    slug = db.session.get(Author, seed.author_id).slug
    label = db.session.scalar(select(Label.id))
    pmid, url = (db.session.scalar(select(Citation.id).where(Citation.kind == kind))
                 for kind in ("pmid", "url"))
    run = db.session.scalar(select(func.max(ImportRun.id)))
    month = db.session.scalar(select(Group.last_post_at).where(
        Group.name == "sci.med"))
    return [
        Page("home", "reader", "/"),
        Page("group seed", "reader", "/g/alt.support.fibromyalgia/"),
        Page("group articles", "reader", "/g/articles.magnesium/"),
        Page("group 20news", "reader", "/g/sci.med/"),
        Page("month archive", "reader", f"/g/sci.med/{month.year}/{month.month}/"),
        Page("thread seed nested", "reader", f"/t/{seed.thread_id}/"),
        Page("thread seed flat", "reader", f"/t/{seed.thread_id}/?view=flat"),
        Page("thread 20news nested", "reader", f"/t/{deepest}/"),
        Page("thread 20news flat", "reader", f"/t/{deepest}/?view=flat"),
        Page("thread article", "reader", f"/t/{article.thread_id}/"),
        Page("post seed", "reader", f"/p/{seed.permalink}/"),
        Page("post reply", "reader", f"/p/{reply.permalink}/"),
        Page("post article", "reader", f"/p/{article.permalink}/"),
        Page("post long words", "reader", f"/p/{widest.permalink}/"),
        Page("author", "reader", f"/a/{slug}/"),
        Page("search + facets", "reader", "/search?q=magnesium"),
        Page("search help", "reader", "/search/help"),
        Page("citation", "reader", f"/citations/{pmid}/"),
        Page("citation long URL", "reader", f"/citations/{url}/"),
        Page("login", "reader", "/login"),
        Page("dashboard", "moderator", "/mod/"),
        Page("review queue", "moderator", "/mod/queue"),
        Page("audit log", "moderator", "/mod/audit"),
        Page("label form", "moderator", f"/mod/labels/{label}/edit"),
        Page("thread tools", "moderator", f"/mod/p/{reply.permalink}/"),
        Page("mod post seed", "moderator", f"/mod/p/{seed.permalink}/"),
        Page("import runs", "moderator", "/imports/"),
        Page("import report", "moderator", f"/imports/{run}/"),
        Page("search (mod)", "moderator", "/search?q=magnesium"),
        Page("admin labels", "admin", "/admin/labels"),
        Page("admin author", "admin", f"/mod/a/{slug}/"),
        Page("admin post", "admin", f"/mod/p/{widest.permalink}/"),
    ]


def _posts(group: str):
    """The archived (not ghost) posts listed in `group`, as a statement."""
    from forum.models import Group, Post, PostGroup

    return (select(Post).join(PostGroup, PostGroup.post_id == Post.id)
            .join(Group, Group.id == PostGroup.group_id)
            .where(Group.name == group, Post.is_ghost.is_(False)))


# -- the walk -----------------------------------------------------------------------

# The page's width, and where it is too wide: the innermost elements sticking
# out past the viewport that no scrolling box of their own contains.
MEASURE = """() => {
  const vw = window.innerWidth, out = [];
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right <= vw + 0.5 || box.width === 0 || clipped(el)) continue;
    const inner = Array.from(el.children).some(
      (c) => c.getBoundingClientRect().right > vw + 0.5);
    if (inner) continue;
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string"
        ? "." + el.className.trim().split(/\\s+/).join(".") : "");
    out.push(name + " (" + Math.round(box.right) + "px)");
  }
  return [document.documentElement.scrollWidth, vw, out.slice(0, 4)];
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.length,
    where: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + ": " +
                                         (n.failureSummary || "").split("\\n")[1]),
  }));
}"""

# One Tab press: what has focus now, and whether a ring (outline or shadow) shows.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
    || style.boxShadow !== "none";
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.getAttribute("href") ? "[" + el.getAttribute("href") + "]" : "") +
    (el.name ? "[" + el.name + "]" : "");
  return [name, ring, el.matches(":focus-visible")];
}"""

# The controls a keyboard user must be able to reach: visible, enabled, not
# taken out of the tab order (the honeypot is hidden from everyone).
CONTROLS = """() => Array.from(document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary"))
  .filter((el) => !el.disabled && el.getClientRects().length &&
                  !el.closest("[aria-hidden=true]"))
  .map((el) => [el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""), el.tabIndex])"""

MAX_TABS = 60  # long listings are links all alike; the first sixty say enough


def _sign_in(browser, base: str, name: str) -> dict:
    """A signed-in session's storage state, to start each context of the role."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login?next=/mod/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/mod/")
    state = context.storage_state()
    context.close()
    return state


def _check_focus(page) -> list[str]:
    """Tab from the top: every stop shows a ring, no control is out of reach."""
    problems = []
    for name, tab_index in page.evaluate(CONTROLS):
        if tab_index < 0:
            problems.append(f"{name} is out of the tab order")
        elif tab_index > 0:
            problems.append(f"{name} has tabindex {tab_index}")
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                  "window.scrollTo(0, 0); }")
    seen = set()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None or tuple(stop) in seen:
            break
        seen.add(tuple(stop))
        name, ring, visible = stop
        if not ring:
            problems.append(f"{name}: no focus ring"
                            + ("" if visible else " (not :focus-visible)"))
    return problems


def _walk(browser, base: str, pages: list[Page]) -> Walk:
    walk = Walk(axe={} if AXE.exists() else None)
    states = {role: _sign_in(browser, base, name) if name else None
              for role, name in ROLES.items()}
    for role in ROLES:
        for width in WIDTHS:
            context = browser.new_context(
                viewport={"width": width, "height": 900}, bypass_csp=True,
                color_scheme="light", storage_state=states[role])
            tab = context.new_page()
            for page in (p for p in pages if p.role == role):
                response = tab.goto(base + page.path)
                assert response.status == 200, (page, response.status)
                walk.widths[page.name, width] = tuple(tab.evaluate(MEASURE))
                if walk.axe is not None:
                    tab.add_script_tag(path=str(AXE))
                    for scheme in SCHEMES:
                        tab.emulate_media(color_scheme=scheme)
                        walk.axe[page.name, width, scheme] = tab.evaluate(AXE_RUN)
                    tab.emulate_media(color_scheme="light")
                if width == WIDTHS[-1]:
                    walk.focus[page.name] = _check_focus(tab)
            context.close()
    return walk


@pytest.fixture(scope="module")
def walked(tmp_path_factory) -> tuple[list[Page], Walk]:
    app, pages = _seed(tmp_path_factory.mktemp("fit"))
    with serve(app) as base, chromium() as browser:
        return pages, _walk(browser, base, pages)


# -- the checks ---------------------------------------------------------------------


def test_no_page_scrolls_sideways(walked):
    pages, walk = walked
    rows = [f"{'page':<22} {'role':<9} " + " ".join(f"{w:>6}px" for w in WIDTHS)]
    wide = []
    for page in pages:
        cells = []
        for width in WIDTHS:
            scroll, inner, culprits = walk.widths[page.name, width]
            cells.append(f"{scroll:>6}{'!' if scroll > inner else ' '} ")
            if scroll > inner:
                wide.append(f"{page.name} at {width}: {scroll} > {inner}; "
                            + ", ".join(culprits))
        rows.append(f"{page.name:<22} {page.role:<9} " + " ".join(cells))
    print("\nscrollWidth per page and viewport width\n" + "\n".join(rows))
    assert not wide, "pages wider than the screen:\n" + "\n".join(wide)


def test_axe_finds_nothing_serious_in_light_or_dark(walked):
    pages, walk = walked
    if walk.axe is None:
        pytest.skip(f"axe-core not installed ({AXE} missing): run `npm install`")
    rows = [f"{'page':<22} " + " ".join(f"{w}/{s:<5}" for w in WIDTHS
                                         for s in SCHEMES) + "  (serious+critical/all)"]
    found, minor = [], []
    for page in pages:
        cells = []
        for width in WIDTHS:
            for scheme in SCHEMES:
                violations = walk.axe[page.name, width, scheme]
                serious = [v for v in violations if v["impact"] in SERIOUS]
                minor += [f"{page.name}: {v['id']} ({v['impact']}) {v['where']}"
                          for v in violations if v["impact"] not in SERIOUS]
                cells.append(f"{len(serious):>4}/{len(violations):<5}")
                found += [f"{page.name} {width}px {scheme}: {v['id']} ({v['impact']}, "
                          f"{v['nodes']} nodes) {v['where']}" for v in serious]
        rows.append(f"{page.name:<22} " + " ".join(cells))
    print("\naxe-core violations per page\n" + "\n".join(rows)
          + "".join(f"\n  {line}" for line in dict.fromkeys(minor)))
    assert not found, "axe-core:\n" + "\n".join(dict.fromkeys(found))


def test_keyboard_reaches_every_control_with_a_visible_ring(walked):
    pages, walk = walked
    problems = [f"{page}: {problem}" for page, found in walk.focus.items()
                for problem in found]
    assert not problems, "\n".join(dict.fromkeys(problems))
