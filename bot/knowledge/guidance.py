"""Remote guidance: step-by-step troubleshooting guides (kb/guides/*.yml) and a caller's walk through one.

    lib = GuideLibrary(kb_dir)
    found = lib.match("生化仪吸样的时候一直报堵针", "chemistry_analyser")   # GuideMatch(guide, score) or None
    progress = GuideProgress.start(found.guide)
    lib.step_prompt(progress.current_step, progress.number, progress.total)  # 「第1步（共6步）：…」
    lib.step_reminder(progress.current_step, progress.number, ["电话"])    # 「电话已记下。我们接着做…」
    progress = progress.answer(lib.outcome_of("还是不行"))                  # Outcome.NO → the next step
    slot = progress.to_dict()                                                # JSON-able, kept in a Rasa slot
    progress = GuideProgress.from_dict(slot, lib)
    lib.tried_note(progress)                                                 # for the ticket: what was tried

A guide file is one YAML mapping: id, title, device_types (ids from kb/devices.yml, empty = any device),
symptoms (how callers describe the fault) and 3-7 steps, each a `check` with an optional `safety` (said first)
and `tip`. kb/guides/_guidance.yml holds the texts said around the steps, the reply phrases, and the matching
settings.

Matching reuses the FAQ retriever's code: every guide is an entry of a bot.knowledge.retrieval.Index whose
variants are its title and symptoms, scored with the same 0-1 fusion of BM25 coverage and character n-gram
cosine, after a bot.knowledge.text.TextAnalyser with the fault vocabulary of _guidance.yml and the device
names of kb/devices.yml (kb/retrieval.yml's vocabulary is for policy questions and moves with them). Only
guides for the caller's device type (or for any device) compete; when no device type is given, the one named
in the text counts. The best one is offered when it scores at least `match_threshold` of _guidance.yml. A
description with a danger word (「冒烟」, 「漏电」 …) never matches: that caller needs an engineer, not a
checklist.

The threshold, 0.27, from the fault descriptions in tests/knowledge/test_guidance.py: set A was written first
and the synonyms tuned on it, set B after that (a few fixes followed), set C last and left untouched; set D
was written with the electrolyte, urine and immunoassay guides; after it was measured only the new guides'
`requires` and two symptoms changed, for faults outside it (「电极坏了」, 「电解质仪跳闸了」, 「免疫室」 said
as a department, 「底物泵不吸液了」 in a conversation script).
"covered" are faults a guide is for, "uncovered" faults no guide is for (「屏幕裂了」, 「门锁打不开」); FAQ:
the 359 questions and paraphrases of kb/faq/ that are not device care. The right guide ranks first for all 142
covered descriptions.

    threshold   covered A+B+C   covered D   uncovered A+B+C+D   FAQ questions
    0.20        115/117         25/25       1/59                5/359
    0.25        112/117         25/25       0/59                1/359
    0.27        111/117         25/25       0/59                1/359
    0.30        108/117         24/25       0/59                1/359
    0.35        100/117         23/25       0/59                0/359

Uncovered faults score at most 0.22 (「屏幕裂了」 0.21; 「门锁打不开」 was 0.26 before set D), so 0.27 offers
none of them a guide; the threshold stays where sets A-C put it. The FAQ question is 「按你说的做了还是不行」
(0.30, the power guide; 0.298 before set D), a reply said inside a walk. A known wrong offer, left out of the
sets: 「电解质仪吸样针弯了」 (0.28) gets the electrolyte aspiration guide, whose steps do not straighten a
needle (the caller declines or ends at an engineer). The misses are long descriptions with words no symptom
has (「试剂瓶扫进去提示已过期」 0.18): the caller goes on to an engineer, the safe side. A wrong offer costs
less than a miss (the caller declines it), so the threshold sits near the edge of the uncovered faults rather
than above a margin; re-measure it when the guides, their vocabulary or bot.knowledge.retrieval / text
change (tests/knowledge/test_guidance.py fails when it moves). Scoring uses ScoringSettings' defaults (the
FAQ's values today): a sweep of bm25_weight, k1 and b found nothing clearly better on these sets.

The library re-reads kb/guides/ and kb/devices.yml when one of them changes (one stat per file
on each call); a change that does not load is logged and the previous content stays in service.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

# The FAQ loader's helpers, so that guides and FAQ read kb/ and the device names the same way.
from bot.catalogue import current_catalogue
from bot.fields import (
    DECLINES_CHECKS,
    NO_ENGINEER_NEEDED,
    SENDS_ENGINEER,
    WORKS_AGAIN,
    alarm_core,
    alarm_in_words,
)
from bot.intake import SUBMIT_WORDS, only_agrees
from bot.knowledge.base import KnowledgeBaseError, file_stamp, read_yaml, synonym_groups
from bot.knowledge.retrieval import Index, ScoringSettings, Variant
from bot.knowledge.text import TextAnalyser, clean
from bot.numerals import chinese_number
from bot.policy import fill

log = logging.getLogger(__name__)

MIN_STEPS, MAX_STEPS = 3, 7
MIN_SYMPTOMS = 3
SETTINGS_FILE = "_guidance.yml"
_REQUIRED = ("id", "title", "device_types", "symptoms", "steps")
# The texts of _guidance.yml the walk says; a settings file without one of them does not load.
_TEXT_KEYS = (
    "step",
    "safety",
    "tip",
    "step_again",
    "noted",
    "unclear",
    "solved",
    "not_solved",
    "tried",
    "tried_step",
    "tried_separator",
)


class GuideError(KnowledgeBaseError):
    """A guide or its settings do not load, a guide id is unknown, or a walk is used wrongly."""


class Outcome(str, Enum):
    YES = "yes"  # the step fixed the fault
    NO = "no"  # done, did not help
    SKIP = "skip"  # the caller cannot do this step


@dataclass(frozen=True)
class GuideStep:
    check: str
    safety: str | None = None
    tip: str | None = None


@dataclass(frozen=True)
class Guide:
    id: str
    title: str
    device_types: tuple[str, ...]  # empty: any device
    symptoms: tuple[str, ...]
    steps: tuple[GuideStep, ...]
    # Words one of which the fault must hold (「软件」「电脑」 for a software hang): a guide for any device
    # whose symptoms share everyday words (卡住, 不动) with faults it does not cover (「传送带卡住不动了」).
    requires: tuple[str, ...] = ()

    def fits(self, device_types: set[str]) -> bool:
        """Whether the guide is for one of these device types; an empty set (device unknown) fits every
        guide."""
        return not self.device_types or not device_types or bool(device_types & set(self.device_types))

    def covers(self, text: str) -> bool:
        """Whether the fault names what the guide requires (every fault, when it requires nothing)."""
        return not self.requires or any(word in text for word in self.requires)

    def about(self, alarm: str) -> bool:
        """Whether an alarm is the one the guide is for (「又报堵孔了」 in the clog guide: the same alarm
        again, not a new one)."""
        core = alarm_core(alarm)
        return any(_shared(core, text) >= min(2, len(core)) for text in (self.title, *self.symptoms))


@dataclass(frozen=True)
class GuideMatch:
    guide: Guide
    score: float  # in [0, 1], the retriever's score of the guide's closest title or symptom


@dataclass(frozen=True)
class GuideProgress:
    """A walk through one guide: the caller's outcome for each step so far."""

    guide: Guide
    outcomes: tuple[Outcome, ...] = ()

    @classmethod
    def start(cls, guide: Guide) -> GuideProgress:
        return cls(guide)

    @property
    def solved(self) -> bool:
        return bool(self.outcomes) and self.outcomes[-1] is Outcome.YES

    @property
    def finished(self) -> bool:
        return self.solved or len(self.outcomes) >= len(self.guide.steps)

    @property
    def current_step(self) -> GuideStep | None:
        return None if self.finished else self.guide.steps[len(self.outcomes)]

    @property
    def number(self) -> int:
        """The 1-based number of the current step."""
        return len(self.outcomes) + 1

    @property
    def total(self) -> int:
        return len(self.guide.steps)

    def answer(self, outcome: Outcome) -> GuideProgress:
        if self.finished:
            raise GuideError(f"the walk through {self.guide.id} is already finished")
        return GuideProgress(self.guide, (*self.outcomes, outcome))

    def step_for(self, alarm: str) -> int | None:
        """The 1-based number of the step from the current one on that checks what a new alarm names
        (「稀释液不足」 → the step that looks at the diluent), the closest match first; None when none
        does."""
        core = alarm_core(alarm)
        scored = [
            (_shared(core, step.check), -index)
            for index, step in enumerate(self.guide.steps)
            if index >= len(self.outcomes)
        ]
        best = max(scored, default=(0, 0))
        return -best[1] + 1 if best[0] >= 2 else None

    def skip_to(self, number: int) -> GuideProgress:
        """The walk moved on to step `number`: the steps before it that were not answered are skipped (a new
        alarm made another step the one to do now)."""
        skipped = max(0, number - 1 - len(self.outcomes))
        return GuideProgress(self.guide, (*self.outcomes, *(Outcome.SKIP,) * skipped))

    @property
    def tried(self) -> list[dict[str, Any]]:
        """The steps answered so far, for the ticket: step number, what was checked, outcome value."""
        return [
            {"step": i + 1, "check": self.guide.steps[i].check, "outcome": outcome.value}
            for i, outcome in enumerate(self.outcomes)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"guide": self.guide.id, "outcomes": [outcome.value for outcome in self.outcomes]}

    @classmethod
    def from_dict(cls, data: dict[str, Any], library: GuideLibrary) -> GuideProgress:
        """The walk kept by to_dict; raises GuideError when it does not fit the guide as it is now."""
        guide = library.guide(str(data.get("guide")))
        try:
            outcomes = tuple(Outcome(value) for value in data.get("outcomes") or [])
        except (TypeError, ValueError) as error:
            raise GuideError(f"walk through {guide.id}: {error}") from error
        if len(outcomes) > len(guide.steps) or Outcome.YES in outcomes[:-1]:
            raise GuideError(f"walk through {guide.id} does not fit its {len(guide.steps)} steps: {outcomes}")
        return cls(guide, outcomes)


@dataclass(frozen=True)
class _Settings:
    threshold: float
    texts: dict[str, str]
    replies: dict[Outcome, tuple[str, ...]]
    labels: dict[Outcome, str]
    danger_words: tuple[str, ...]
    danger_exceptions: tuple[str, ...]
    hazard_words: dict[str, tuple[str, ...]]
    observations: tuple[str, ...]  # a step checked and found fine: done, not the fix
    go_on: tuple[str, ...]  # 「好 继续」「行 下一步」: the next step asked for, this one done and not the fix
    waits: tuple[str, ...]  # 「等一下，我去看看」: the step is under way, no outcome yet


@dataclass(frozen=True)
class _Content:
    settings: _Settings
    guides: dict[str, Guide]
    analyser: TextAnalyser
    index: Index
    device_terms: dict[str, str]  # canonical device word → device type id
    problems: list[str]


class GuideLibrary:
    def __init__(self, kb_dir: Path) -> None:
        """Loads kb_dir/guides/*.yml and kb_dir/devices.yml; raises KnowledgeBaseError
        (GuideError for bad guide settings) when one does not load."""
        self.kb_dir = kb_dir
        self._lock = threading.Lock()
        self._stamp = self._stamps()
        self._content = self._load()

    @property
    def guides(self) -> list[Guide]:
        return list(self._current().guides.values())

    def guide(self, guide_id: str) -> Guide:
        try:
            return self._current().guides[guide_id]
        except KeyError:
            raise GuideError(f"no guide {guide_id!r}") from None

    def match(self, text: str, device_type_id: str | None = None) -> GuideMatch | None:
        """The best guide for a fault description on this device type, or None below the threshold."""
        content = self._current()
        if self._dangerous(text, content.settings):
            return None
        if device_type_id:
            devices = {device_type_id}
        else:
            devices = {
                content.device_terms[t] for t in content.analyser.terms(text) if t in content.device_terms
            }
        for guide_id, score in content.index.entry_scores(text).items():  # highest first
            guide = content.guides[guide_id]
            if guide.fits(devices) and guide.covers(text):
                return GuideMatch(guide, round(score, 4)) if score >= content.settings.threshold else None
        return None

    def step_prompt(self, step: GuideStep, number: int, total: int) -> str:
        """What the bot says for a step: its number, the safety warning first, the check, the tip, the
        question."""
        return self.say(
            "step",
            number=number,
            total=total,
            safety=self.say("safety", safety=step.safety) if step.safety else "",
            check=step.check,
            tip=self.say("tip", tip=step.tip) if step.tip else "",
        )

    def step_reminder(self, step: GuideStep, number: int, noted: list[str]) -> str:
        """The current step asked again, briefly, after a reply that answered something else; `noted`: the
        names of registration fields that reply gave, if nothing has confirmed them yet."""
        said = self.say("noted", fields="、".join(noted)) if noted else ""
        return self.say("step_again", noted=said, number=number, check=step.check)

    def say(self, key: str, **values: Any) -> str:
        """A text of the walk from _guidance.yml, filled by the one rule (bot.policy.fill)."""
        return fill(self._current().settings.texts[key], values)

    def outcome_of(self, reply: str) -> Outcome | None:
        """The outcome a caller's reply to a step states, or None when it states none or it is unclear."""
        # 「电源线也插好了」「盖子装好了」: the step done properly, not the fault fixed (the 好了 of a fix).
        said = _DONE_PROPERLY.sub(r"\1好的", clean(reply).replace(" ", ""))
        found: list[tuple[int, int, Outcome]] = []  # (-length, position, outcome): the best sorts first
        for outcome, phrases in self._current().settings.replies.items():
            for phrase in phrases:
                position = said.find(phrase)
                if position >= 0:
                    found.append((-len(phrase), position, outcome))
        return min(found)[2] if found else None

    def read_reply(self, reply: str, question: str = "", guide: Guide | None = None) -> StepReply:
        """A reply to a step as a person would read it: 「直接派工程师吧」 leaves the walk; a new error code
        stops it (an engineer has to see it); a reading is compared with its set value (off: the step did not
        fix it); otherwise the outcome its words state, and for an observation that states none
        (「别的都有电」, 「插紧了」) the step was done and did not fix it; 「等一下，我去看看」 states none
        yet. `question`: the clauses of the reply that ask something (bot.knowledge.answers
        Answers.asking_part). A reply that states nothing and asks is a question to answer, the walk staying
        on its step (「这一步会不会把样本弄丢」: 不会 inside 会不会 states nothing); one that states an
        outcome is a step reply, with what else it asks (「还是不行，工程师多久能到」). A new alarm said in
        words (「又跳了个报警，说稀释液不足」) is one too, unless it is the `guide`'s own alarm again."""
        if asks_for_engineer(reply) and not _about_the_visit(reply, question):
            return StepReply(wants_engineer=True)
        code = new_error_code(reply)
        if code:
            return StepReply(new_code=code)
        alarm = alarm_in_words(reply)
        solved = self._outcome_in(clean(reply).replace(" ", "")) is Outcome.YES
        if alarm and not solved and not (guide and guide.about(alarm)):
            # 「又报稀释液不足，换了以后好了」 is solved: the alarm was dealt with.
            return StepReply(new_alarm=alarm)
        reading = reading_in(reply)
        if reading is not None:
            return StepReply(Outcome.NO, reading=reading)
        said = _HYPOTHETICAL.sub("，", _EITHER_OR.sub("", clean(reply).replace(" ", "")))
        outcome = self._outcome_in(said)
        if outcome is None and self._asks_next_step(reply):
            outcome = Outcome.NO  # 「好 继续」: this step done, not the fix
        if outcome is not None:
            asked = [
                clause
                for clause in question.split("，")
                if clause
                and self._outcome_in(clause) is None
                and not self._asks_next_step(clause)
                and not only_agrees(clause)  # the 「可以」 of 「可以 接着做」 asks nothing
            ]
            return StepReply(outcome, question="，".join(asked))
        if any(said.startswith(phrase) for phrase in self._current().settings.waits):
            return StepReply(wait=True)
        return StepReply(question=reply if question else "")  # the whole reply: its story is the question's

    def _outcome_in(self, said: str) -> Outcome | None:
        """The outcome words state: 「插好了，还是不中」 is not fixed whatever was done, an observation
        with no outcome (「别的都有电」) a step done that did not fix it."""
        if _STILL.search(said):
            return Outcome.NO
        outcome = self.outcome_of(said)
        if outcome is not None:
            return outcome
        if _CANNOT_DO.search(said):
            return Outcome.SKIP
        if _WORKS_AGAIN.search(said) or _NO_ENGINEER_NEEDED.search(said):
            return Outcome.YES  # 「现在能正常进样了」, 「谢谢 不用来人了」: fixed, no one needed
        observed = any(phrase in said for phrase in self._current().settings.observations)
        return Outcome.NO if observed else None

    def _asks_next_step(self, reply: str) -> bool:
        """「好 继续」「行，下一步吧」「中 往下走」: a clause that ends asking for the next step (not
        「我继续弄」, which is still doing this one)."""
        phrases = "|".join(re.escape(phrase) for phrase in self._current().settings.go_on)
        ending = re.compile(f"(?:{phrases})[吧啊呀嘛哈咯喽呗]*$")
        return bool(phrases) and any(ending.search(clause) for clause in clean(reply).split(" "))

    def reading_said(self, reading: Reading) -> str:
        """What the bot says about a reading: matches its set value, or how far off it is."""
        values = {"shown": _plain(reading.shown), "expected": _plain(reading.expected), "unit": reading.unit}
        if abs(reading.off_by) < 0.5:
            return self.say("reading_ok", **values)
        direction = self.say("direction_low" if reading.off_by < 0 else "direction_high")
        return self.say("reading_off", direction=direction, off=_plain(abs(reading.off_by)), **values)

    def tried_note(self, progress: GuideProgress) -> str:
        """One line for the ticket: which guide was walked and each step's outcome."""
        settings = self._current().settings
        steps = self.say("tried_separator").join(
            self.say(
                "tried_step",
                step=item["step"],
                check=item["check"],
                outcome=settings.labels[Outcome(item["outcome"])],
            )
            for item in progress.tried
        )
        return self.say("tried", title=progress.guide.title, steps=steps)

    def check(self) -> list[str]:
        """Lint problems; empty when every guide loads, is safe to read out and is found by its own
        symptoms."""
        content = self._current()
        problems = content.analyser.problems + content.problems
        for guide in content.guides.values():
            for number, step in enumerate(guide.steps, start=1):
                named = [
                    f"{word} ({kind})"
                    for kind, words in content.settings.hazard_words.items()
                    for word in words
                    if word in step.check + (step.tip or "")
                ]
                if named and not step.safety:
                    problems.append(
                        f"{guide.id} step {number} names {', '.join(named)} but has no safety line"
                    )
        # Each title and symptom asked with itself left out: the rest of its guide must still come first among
        # the guides that compete with it on its guide's device types.
        for i, variant in enumerate(content.index.variants):
            own = content.guides[variant.entry_id]
            scores = content.index.entry_scores(variant.text, held_out=i)
            rivals = [
                (gid, s) for gid, s in scores.items() if content.guides[gid].fits(set(own.device_types))
            ]
            best_id, best_score = rivals[0] if rivals else ("", 0.0)
            if best_id != own.id:
                problems.append(
                    f"{own.id}: 「{variant.text}」 without itself matches {best_id} ({best_score:.2f}) "
                    f"before its own guide ({scores.get(own.id, 0.0):.2f})"
                )
        return problems

    @staticmethod
    def _dangerous(text: str, settings: _Settings) -> bool:
        said = clean(text).replace(" ", "")
        for harmless in settings.danger_exceptions:
            said = said.replace(harmless, " ")
        return any(word in said for word in settings.danger_words)

    def _stamps(self) -> tuple[tuple[str, int, int], ...]:
        return file_stamp([self.kb_dir / "devices.yml", *sorted((self.kb_dir / "guides").glob("*.yml"))])

    def _current(self) -> _Content:
        with self._lock:
            stamp = self._stamps()
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._content = self._load()
                except KnowledgeBaseError:
                    log.exception("guide change not loaded; the previous guides stay in service")
                else:
                    log.info("guides reloaded: %d guides", len(self._content.guides))
            return self._content

    def _load(self) -> _Content:
        guides_dir = self.kb_dir / "guides"
        devices: list[dict[str, Any]] = read_yaml(self.kb_dir / "devices.yml").get("device_types", [])
        raw = read_yaml(guides_dir / SETTINGS_FILE)
        settings = _settings(raw, guides_dir / SETTINGS_FILE)
        # Building the analyser takes a few tenths of a second: fine, guides change rarely.
        analyser = TextAnalyser(
            synonyms=synonym_groups(raw.get("synonyms") or {}, devices),
            words=raw.get("words", []),
            stopwords=raw.get("stopwords", []),
            ngram_range=tuple(raw.get("ngram_range", (1, 3))),
        )
        guides, problems = _load_guides(guides_dir, {device["id"] for device in devices})
        index = Index(
            variants=[Variant(g.id, text) for g in guides.values() for text in (g.title, *g.symptoms)],
            answers={},
            analyser=analyser,
            settings=ScoringSettings(),  # the FAQ's defaults: a sweep found nothing clearly better for guides
            entry_devices={},  # device types are a hard filter in `match`, not a score factor
            device_terms={},
        )
        device_terms = {analyser.normalise(device["name"]): device["id"] for device in devices}
        return _Content(settings, guides, analyser, index, device_terms, problems)


def _settings(raw: dict[str, Any], path: Path) -> _Settings:
    try:
        outcomes = raw["outcomes"]
        texts = {key: str(value) for key, value in raw["texts"].items()}
        missing = [key for key in _TEXT_KEYS if key not in texts]
        if missing:
            raise KeyError(f"texts lack {', '.join(missing)}")
        return _Settings(
            threshold=float(raw["match_threshold"]),
            texts=texts,
            replies={
                o: tuple(clean(p).replace(" ", "") for p in outcomes[o.value]["replies"]) for o in Outcome
            },
            labels={o: str(outcomes[o.value]["label"]) for o in Outcome},
            danger_words=tuple(raw.get("danger_words", [])),
            danger_exceptions=tuple(raw.get("danger_exceptions", [])),
            hazard_words={kind: tuple(words) for kind, words in raw.get("hazard_words", {}).items()},
            observations=tuple(clean(p).replace(" ", "") for p in raw.get("observations", [])),
            go_on=tuple(clean(p).replace(" ", "") for p in raw.get("go_on", [])),
            waits=tuple(clean(p).replace(" ", "") for p in raw.get("waits", [])),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise GuideError(f"{path}: bad settings ({error!r})") from error


def _load_guides(guides_dir: Path, device_ids: set[str]) -> tuple[dict[str, Guide], list[str]]:
    """Every well-formed guide by id, and the problems of the others; a YAML syntax error raises
    GuideError."""
    guides: dict[str, Guide] = {}
    problems: list[str] = []
    for path in sorted(guides_dir.glob("*.yml")):
        if path.name.startswith("_"):
            continue
        guide, problem = _guide(read_yaml(path), device_ids)
        if problem:
            problems.append(f"{path.name}: {problem}")
        elif guide is not None and guide.id in guides:
            problems.append(f"{path.name}: duplicate guide id {guide.id}")
        elif guide is not None:
            guides[guide.id] = guide
    return guides, problems


def _guide(item: dict[str, Any], device_ids: set[str]) -> tuple[Guide | None, str | None]:
    missing = [key for key in _REQUIRED if key not in item or (key != "device_types" and not item[key])]
    if missing:
        return None, f"{item.get('id', '?')} lacks {', '.join(missing)}"
    guide_id = str(item["id"])
    if not all(isinstance(item[key], list) for key in ("device_types", "symptoms", "steps")):
        return None, f"{guide_id}: device_types, symptoms and steps must be lists"
    unknown = set(item["device_types"]) - device_ids
    if unknown:
        return None, f"{guide_id} names unknown device types {sorted(unknown)}"
    if len(item["symptoms"]) < MIN_SYMPTOMS:
        return None, f"{guide_id} has {len(item['symptoms'])} symptoms, needs {MIN_SYMPTOMS}"
    if not MIN_STEPS <= len(item["steps"]) <= MAX_STEPS:
        return None, f"{guide_id} has {len(item['steps'])} steps, needs {MIN_STEPS}-{MAX_STEPS}"
    steps = []
    for number, step in enumerate(item["steps"], start=1):
        if not isinstance(step, dict) or not step.get("check") or set(step) - {"check", "safety", "tip"}:
            return None, f"{guide_id} step {number}: needs a check, may have safety and tip, nothing else"
        steps.append(GuideStep(str(step["check"]).strip(), _optional(step, "safety"), _optional(step, "tip")))
    guide = Guide(
        id=guide_id,
        title=str(item["title"]).strip(),
        device_types=tuple(str(d) for d in item["device_types"]),
        symptoms=tuple(str(s).strip() for s in item["symptoms"]),
        steps=tuple(steps),
        requires=tuple(str(word) for word in item.get("requires") or ()),
    )
    return guide, None


def _optional(step: dict[str, Any], key: str) -> str | None:
    value = step.get(key)
    return str(value).strip() if value else None


# --- a caller's reply to a step, read as a person would
# ------------------------------------------------------

_NUMERAL = r"[0-9零一二两三四五六七八九十百点.]+"
# 「显示三十四度多 设定是三十七」, 「试剂仓8度 设定也是8度」: what the device shows against what it should.
# 「三十五度一」: 35.1 degrees, the tenth said after the unit.
_READING = re.compile(
    r"(?:显示|现在|实际|测出来|读数|是|在)?\s*(" + _NUMERAL + r")\s*(度|℃|°C|°|%|秒|毫升|ml|v|V|伏|安)?"
    r"(?:(?<=度)([零一二两三四五六七八九]))?\s*多?"
    r"[^0-9零一二两三四五六七八九十]{0,8}?(?:设定|设置|设的|要求|应该|标准|正常)(?:值|的|是|也是|为|在)*\s*("
    + _NUMERAL
    + r")"
)
# A new alarm said in the middle of a step: 「又报了个 E-302」, 「跳出来一个 ERR 118」 (a serial has 6+
# digits).
_ERROR_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,3}\s?-?\s?\d{2,4})(?![0-9])")
# 「屏幕上又蹦出来一个E-302」「又冒出个E417」: a code shown, however it came up.
_ERROR_CUE = re.compile(r"报|错误|代码|故障码|提示|跳|弹|蹦|冒出|出来|出现|显示|屏幕|屏上|异常|警告|告警")
# 「直接派工程师吧」, 「还是派个人来看吧」, 「不敢再弄了」, 「啱 提交」: the caller leaves the walk for the
# intake (提交: register it now, as at the read-back).
_WANTS_ENGINEER = re.compile(f"{SENDS_ENGINEER}|{DECLINES_CHECKS}|{SUBMIT_WORDS}")
# 「弄好了 不用来人了」: no one needed, which the 来人 inside does not turn into a wish for an engineer.
_NO_ENGINEER_NEEDED = re.compile(NO_ENGINEER_NEEDED)
_WORKS_AGAIN = re.compile(WORKS_AGAIN)
_DECLINES = re.compile(DECLINES_CHECKS)
# 「还是黑屏」, 「还是不中」: still the same, whatever the words after 还是.
_STILL = re.compile(r"还是(?!好|可以|行了|正常|能用)|依然|仍然|照样")
# 「会不会」「要不要」「行不行」 ask; the outcome words inside them (不会, 不行) state nothing.
_EITHER_OR = re.compile(r"(.)不\1")
_DONE_PROPERLY = re.compile(r"([插装接拧盖扣连摆])好了")
# A step the caller cannot do, told in their own words (「柜子太沉挪不动」「根本摸不着 这步搞不了」
# 「电工叫不来」「没人能够到」「只能先放着」): skipped, the walk goes on. Only what the caller does, never
# what the device does (「开不了机」「打不出来」 are outcomes).
_CANNOT_DO = re.compile(
    r"(?:做|弄|搞|整|办|够|摸|碰|挪|搬|移|拿|找|叫|请|拆|拧|关)不(?:了|着|到|动|开|来)"
    r"|没(?:人|法|办法|辙)(?:能|会)?(?:够|摸|碰|做|弄|搞|挪|搬|动|关|找)"
    r"|(?:只能|先)(?:先)?(?:放着|搁着|放一放|放一边)|没(?:看见|看到|找到|找着)"
)
# 「要是还不行工程师多久来」「还不行的话怎么办」: an outcome supposed, not stated.
_HYPOTHETICAL = re.compile(r"(?:要是|如果|万一|假如|假设)[^，,。；;？?！!]*|[^，,。；;？?！!]*的话")


@dataclass(frozen=True)
class StepReply:
    """What a reply to a step says: its outcome (None: unclear), a reading compared with its set value, a new
    error code, or that the caller wants an engineer now instead."""

    outcome: Outcome | None = None
    reading: Reading | None = None
    new_code: str | None = None
    new_alarm: str | None = None  # 「稀释液不足」: a new alarm said in words
    wants_engineer: bool = False
    wait: bool = False  # 「稍等，我去看一下」: no outcome yet, the caller is on it
    question: str = ""  # what the reply asks, to answer before the walk goes on (or stays on its step)


@dataclass(frozen=True)
class Reading:
    shown: float
    expected: float
    unit: str

    @property
    def off_by(self) -> float:
        return round(self.shown - self.expected, 1)


def reading_in(text: str) -> Reading | None:
    """A reading said against its set value: 「显示三十四度多，设定三十七」 → Reading(34, 37, 度)."""
    match = _READING.search(text.replace(" ", ""))
    if match is None:
        return None
    shown, expected = chinese_number(match.group(1)), chinese_number(match.group(4))
    if shown is None or expected is None:
        return None
    tenth = chinese_number(match.group(3)) if match.group(3) else None
    if tenth is not None and shown == int(shown):
        shown += tenth / 10
    return Reading(shown, expected, match.group(2) or "")


def new_error_code(text: str) -> str | None:
    """An error code the caller reads off the screen mid-step, as they wrote it (「E-302」), if they name
    one."""
    if not _ERROR_CUE.search(text):
        return None
    catalogue = current_catalogue()
    for match in _ERROR_CODE.finditer(text):
        code = re.sub(r"\s", "", match.group(1)).upper()
        # 「BC-5390屏幕上又…」: the device's model is no alarm
        if catalogue.model(code) is None and not (
            re.match(r"[A-Z]{2}", code) and catalogue.series_type(code)
        ):
            return code
    return None


def _shared(core: str, text: str) -> int:
    """The length of the longest piece of `core` that `text` holds."""
    return max(
        (j - i for i in range(len(core)) for j in range(i + 1, len(core) + 1) if core[i:j] in text), default=0
    )


def _plain(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


# How a caller answers the offer of a guided check (「试试」 / 「不用了，直接派人」), and asks for an engineer
# instead.
# 「跳过吧」「不搞了」 decline too; they are looked for first, so that the 好 of 「我说不好 跳过吧」 takes
# nothing up.
_DECLINE_GUIDE = (
    "不用",
    "不试",
    "别试",
    "不了",
    "直接",
    "派人",
    "派工程师",
    "来人",
    "没时间",
    "跳过",
    "不搞",
    "不弄",
    "不做",
    "不整",
)
# The words of a question: its supposed clauses (_HYPOTHETICAL) are no answer to the offer.
_ASKS_SOMETHING = re.compile(
    r"[?？]|吗|多少|多久|几[点天个]|怎么|咋|啥|什么|是不是|能不能|会不会|要不要|收不收|贵不贵"
)
# A yes said as one (「好」「行吧」「那就试试」), not the 好 of 「好急」「好几个」.
_ACCEPT_GUIDE = re.compile(
    r"试试|试一下|开始|(?:^|[，,。\s])(?:好|行|可以|嗯+|中|得|要得|啱)(?:的|吧|啊|呀|嘞|哈|滴)?(?=$|[，,。！!\s])"
)


def guide_decision(text: str, intent: str | None) -> bool | None:
    """Whether the caller takes up the offer of a guided check; None when the reply says neither. In a
    question, what is only supposed (「要是弄不好你们派人来 上门费多少钱」) declines nothing."""
    if _ASKS_SOMETHING.search(text):
        text = _HYPOTHETICAL.sub("，", text)
    if intent == "deny" or any(word in text for word in _DECLINE_GUIDE):
        return False
    if intent == "affirm" or _ACCEPT_GUIDE.search(text.strip()):
        return True
    return None


def asks_for_engineer(text: str) -> bool:
    """「赶紧派人来」: the caller wants an engineer rather than a checklist; 「不用来人了」 does not."""
    return bool(_WANTS_ENGINEER.search(_NO_ENGINEER_NEEDED.sub("，", text.replace(" ", ""))))


# What a question about an engineer's visit asks (「上门要钱不」「工程师来要多久」), not a request for one.
_VISIT_DETAILS = re.compile(r"钱|费|多久|多长时间|几点|什么时候|啥时候|几个小时|几个钟头")


def _about_the_visit(text: str, question: str) -> bool:
    """A question about the visit's fee or time, asking for no one now; 「直接派人吧，多久到」 still does."""
    return bool(question and _VISIT_DETAILS.search(question)) and not _DECLINES.search(text.replace(" ", ""))
