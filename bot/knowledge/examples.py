"""Callers' questions labelled with the entry that answers them (kb/examples.yml), and a classifier learned
from them at load: the second opinion `bot.knowledge.answers.Answers` asks where its reading would only offer
「您是想问」 choices.

kb/examples.yml holds real wording: the labelled questions of the realistic dev sets (written there by
`bench/kb_examples.py`), each with the entry that answers it, or none when the knowledge base cannot know
(「你们的纯水机多久换滤芯」: decline). A follow-up carries the message it follows (`after`) and is read
with it.

The classifier is a linear SVM (scikit-learn's LinearSVC, one-vs-rest) over TF-IDF vectors of what the
retriever reads: the analyser's character n-grams and its words (synonyms applied, stopwords dropped),
trained on every FAQ question and paraphrase, the questions attached in the console (bot.knowledge.learning)
and the examples, with one class more for the questions the knowledge base cannot know. Its decision value
for a class is a margin: above 0 the question is on the class's side of its separating hyperplane, the
higher the surer. Training takes a fraction of a second for the real knowledge base; only the entries that
have examples or attached questions are classes, so a large FAQ without examples trains nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

UNKNOWN = ""  # the class of the questions the knowledge base cannot know


@dataclass(frozen=True)
class Example:
    entry_id: str | None  # None: the knowledge base cannot know, decline
    text: str
    after: str | None = None  # a follow-up: the message it follows

    @property
    def asked(self) -> str:
        """The text the classifier reads: a follow-up with the message before it."""
        return f"{self.text}，{self.after}" if self.after else self.text


@dataclass(frozen=True)
class ExampleSettings:
    """kb/retrieval.yml `examples:`; thresholds are classifier margins (see the module docstring)."""

    enabled: bool = False
    regularisation: float = 1.0  # LinearSVC's C
    # 「您是想问」 choices: answer the choice the classifier ranks first of all its classes, from this margin.
    choose_margin: float = 1.0
    # 「您是想问」 choices: offer nothing when the classifier ranks "cannot know" first, from this margin.
    decline_margin: float = 1.0
    # Nothing found (every entry below the retriever's suggest threshold): answer the entry the classifier
    # ranks first of all its classes, from this margin, when it is also among the retriever's nearest entries
    # scoring at least near_floor: two signals agreeing on a question worded unlike the FAQ.
    rescue_margin: float = 99.0
    near_floor: float = 0.1


@dataclass(frozen=True)
class Opinion:
    """The classifier's classes for a question, best first: (entry id, or UNKNOWN; margin)."""

    ranked: list[tuple[str, float]]

    @property
    def classes(self) -> set[str]:
        return {label for label, _ in self.ranked}

    @property
    def first(self) -> str:
        return self.ranked[0][0]

    @property
    def margin(self) -> float:
        return self.ranked[0][1]


def load_examples(path: Path, raw: dict[str, Any] | None) -> tuple[list[Example], list[str]]:
    """The examples of kb/examples.yml (already read: `raw`; None when the file is missing), and its
    problems."""
    if raw is None:
        return [], []
    examples, problems = [], []
    for position, item in enumerate(raw.get("examples") or [], start=1):
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            problems.append(f"{path.name} #{position}: an example needs a text")
            continue
        entry_id = item.get("id")
        after = item.get("after")
        examples.append(
            Example(
                str(entry_id) if entry_id else None, str(item["text"]).strip(), str(after) if after else None
            )
        )
    return examples, problems


class ExampleModel:
    """The classifier; `opinion(question)` ranks its classes for a question."""

    def __init__(
        self,
        labelled: list[tuple[str, str]],
        features: Callable[[str], list[str]],
        regularisation: float,
    ) -> None:
        """labelled: (text, entry id or UNKNOWN); features: a text's terms and n-grams."""
        # Imported here: scikit-learn takes most of a second to import, and only a knowledge base with
        # examples needs it.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self._vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True)
        matrix = self._vectoriser.fit_transform([text for text, _ in labelled])
        self._svm = LinearSVC(C=regularisation)
        self._svm.fit(matrix, [label for _, label in labelled])
        self.classes: list[str] = [str(label) for label in self._svm.classes_]

    def opinion(self, question: str) -> Opinion:
        margins = np.ravel(self._svm.decision_function(self._vectoriser.transform([question])))
        if len(self.classes) == 2:  # a binary LinearSVC has one margin, for the second class
            margins = np.array([-margins[0], margins[0]])
        order = np.argsort(-margins, kind="stable")
        return Opinion([(self.classes[i], float(margins[i])) for i in order])


def labelled_texts(
    variants: list[tuple[str, str]], examples: list[Example], known: set[str]
) -> list[tuple[str, str]]:
    """The classifier's training data: the examples (one of an entry the FAQ does not have is left out), and
    the FAQ texts (question, paraphrases, attached questions) of the entries that have examples; empty when
    there are not two classes to tell apart."""
    kept = [example for example in examples if example.entry_id is None or example.entry_id in known]
    entries = {example.entry_id for example in kept if example.entry_id is not None}
    labelled = [(text, entry_id) for entry_id, text in variants if entry_id in entries]
    labelled += [(example.asked, example.entry_id or UNKNOWN) for example in kept]
    return labelled if len({label for _, label in labelled}) >= 2 else []
