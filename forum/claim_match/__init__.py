"""Same-claim matching: does a sentence make the claim a moderator labelled?

Pure text in, scores out (no Flask, no database).  The search backend finds
posts that share a labelled claim's words; this package decides, sentence by
sentence, whether one of them makes the same claim, and says why in words a
moderator can check:

- terms: casefolded NFKC words, stop words dropped, Porter-stemmed (the same
  stemmer as Whoosh's analyser), numbers kept whole ("2.5", "300");
- phrases: pairs of neighbouring terms, so word order counts ("calcium
  channel" is not "channel calcium");
- weights: rare words weigh more (an IDF table from texts passed in), so a
  differing subject ("ET" for "US population") costs more than "very";
- penalties for the near misses shared words cannot see: a negation on one
  side only, different numbers, opposite direction words (lower / higher);
- the claim's own content: a sentence that shares the agent (magnesium) and a
  generic word ("lead", "levels", "effect") but not what the claim says of it
  is marked down;
- names: a name of several words ("ET" for essential tremor) weighs as one
  word; a journal named on both sides must be the same journal;
- conditions ("if you suffer ...") set the scene and are not the claim's
  core; two neighbouring sentences are read together only if together they
  carry more of the claim's own content than either alone.

Modules, each importing only those before it:
splitting (sentences with offsets) <- synonyms (words read as one, word lists)
<- terms (what a text says) <- weights (IDF) and scoring (similarity,
penalties, best_match).  Callers import from this package, not the modules.
"""

from forum.claim_match.scoring import DEFAULT_THRESHOLD, Match, best_match, similarity
from forum.claim_match.splitting import Span, sentences
from forum.claim_match.synonyms import SYNONYMS
from forum.claim_match.terms import STOP_WORDS, Terms, claim_terms, normalise
from forum.claim_match.weights import TermWeights

__all__ = [
    "DEFAULT_THRESHOLD",
    "STOP_WORDS",
    "SYNONYMS",
    "Match",
    "Span",
    "TermWeights",
    "Terms",
    "best_match",
    "claim_terms",
    "normalise",
    "sentences",
    "similarity",
]
