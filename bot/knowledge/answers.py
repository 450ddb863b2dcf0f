"""Knowledge answers for questions as callers ask them: the question found inside a long message, two
questions in one message answered both, a follow-up read with the previous question, and policy facts answered
from the policy.

    answers = Answers(kb, policy)
    reply = answers.reply("我们不在你们市里 报修以后工程师一般多久能到")
    reply.verdict, reply.text        # Verdict.ANSWER, 「您那边不在我们工程师的驻点城市，算外地，…」
    later = answers.reply("那偏远山区呢", previous=reply.context)

How a message is read is configured in kb/answers.yml (its header explains the steps); the FAQ retriever
(bot.knowledge.base) finds the topics no trigger names. A topic of kb/answers.yml answers from its templates
with the policy's values (kb/policy.yml is the one source of every number) and what the caller said: where the
site is (`distance`), in or out of warranty (`warranty`), what caused the damage (`cause`), which part is
waited for (`part`), the device's age (`age`). When the caller's device is known (`DeviceFacts`, given only
by the caller of `reply`), its warranty and its site's distance count where the caller said nothing, and its
warranty is said first; a serial the registry tells this caller nothing about (`UnknownDevice`) is said to be
so first, and the answer goes by what the caller said (「这台是前年验收的，还在保修期吗」).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from bot.knowledge.base import (
    Answer,
    FaqHit,
    KnowledgeBase,
    KnowledgeBaseError,
    Verdict,
    file_stamp,
    read_yaml,
)
from bot.knowledge.examples import UNKNOWN
from bot.knowledge.text import clean
from bot.policy import PolicyError, ServicePolicy

_STRONG_BREAK = re.compile(r"[？?！!。；;\n]+")
_PUNCTUATION = re.compile(r"[，,、：:？?！!。；;\n]+")
_CLAUSE_BREAK = re.compile(r"[，,、：:\s]+")
_CLAUSE_SPLIT = re.compile(r"([，,、：:？?！!。；;\s]+)")
_X_NOT_X = re.compile(r"(.)不\1")
# Characters from which a clause before the question is a story rather than the question's topic words.
_STORY_CLAUSE = 6
# Characters a run-on clause needs after a question's end to be cut there.
_RUN_ON_REST = 4
# Longest lead-in before a word of asking on someone's behalf (「科长让我问问」「院办让我了解一下」).
_ASKING_LEAD = 10
# Sentence-final particles: a lead-in followed only by these is the whole clause (「可以问一下吗」).
_PARTICLES = "吗呢吧"
# A device's age after an age_opener (「装好两年多了」「买来第三年」「买来已经三年多了」): in which year
# of its life it is, or almost (「买了快五年了」).
_AGE = re.compile(
    r"(?:都已经|已经|都|已)?(第|快|将近|差不多|近)?(\d{1,2}|[一二两三四五六七八九十]{1,2})年(多|半)?"
)
_NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}
# Characters between a year and the acceptance word it dates (「前年年底才验收的」).
_YEAR_TO_ACCEPTANCE = 4
# Characters after an other_makers word in which a device type names another maker's device
# (「别家的化学发光」).
_OTHER_MAKER_REACH = 6
# A calendar year (「2023年」「23年」), not a count of years (「两年」).
_YEAR = re.compile(r"(?<!\d)(20\d\d|\d\d)年")


@dataclass(frozen=True)
class AnswerPart:
    topic: str  # the FAQ entry whose question this answers
    text: str


@dataclass(frozen=True)
class Context:
    """What a follow-up is read with: the previous question as read, and its topic."""

    question: str
    topic: str | None


@dataclass(frozen=True)
class Reply:
    verdict: Verdict
    parts: list[AnswerPart]  # ANSWER: one per question answered, in the order asked
    suggestions: list[FaqHit]  # SUGGEST: the closest questions; ANSWER: for a second question not answered
    context: Context  # keep it for the next message
    score: float | None  # the retriever's best score (None when a trigger named the topic)
    clarifying: bool = False  # SUGGEST: a short question naming no topic; ask which topic is meant

    @property
    def text(self) -> str:
        return "\n".join(part.text for part in self.parts)

    @property
    def topics(self) -> list[str]:
        return [part.topic for part in self.parts]


@dataclass(frozen=True)
class DeviceFacts:
    """A registered device of the caller (bot.installed_base), for answers about it."""

    model: str
    serial: str
    city: str
    warranty_end: date
    extended: bool  # warranty_end is later than the policy's free warranty
    in_warranty: bool


@dataclass(frozen=True)
class UnknownDevice:
    """A serial the caller gave whose registry entry the caller may not be told (bot.knowledge.registry):
    `searched` when the caller may see the registry and it holds no such device, else not shown to an
    unverified caller (a registered serial and a made-up one get the same answer)."""

    serial: str
    searched: bool


CallerDevice = DeviceFacts | UnknownDevice


@dataclass(frozen=True)
class _Topic:
    triggers: list[
        list[list[str]]
    ]  # any trigger; a trigger: all of its word groups; a group: any of its words
    unless: list[str]
    sure_triggers: list[list[list[str]]]  # triggers that name the topic even where an `unless` word is said
    slot: str | None
    answers: dict[str, str]
    redirect: dict[str, str]
    answer_by_policy: dict[str, dict[Any, str]]


@dataclass(frozen=True)
class _Rules:
    greetings: list[str]
    asking_words: list[str]
    context_openers: list[str]
    question_words: list[str]
    question_endings: list[str]
    question_endings_inside: list[str]
    not_asking: list[str]
    requests: re.Pattern[str]
    same_question: list[str]
    second_question_lead: float
    next_question: list[str]
    followup_openers: list[str]
    followup_closers: list[str]
    not_ours: list[str]
    introductions: list[str]
    priceless_topics: list[str]
    price_words: list[str]
    sure_not_ours: list[str]
    other_makers: list[str]
    supplies: list[str]
    age_openers: list[str]
    years_ago: dict[str, int]
    acceptance_words: list[str]
    except_openers: list[str]
    not_asked_openers: list[str]
    known_enders: list[str]
    negations: list[str]
    not_negations: list[str]
    clarify_max_chars: int
    topicless_words: list[str]
    clarify_choices: list[str]
    kinds: dict[str, dict[str, list[str]]]  # kind of service → its words and its topics (ids or 「care.」)
    needs: dict[str, dict[str, list[str]]]  # what is asked (a time) → its words and the topics that tell it
    replaced_part: dict[str, Any]  # a warranty asked of a part replaced before, not of the device
    slots: dict[str, Any]
    topics: dict[str, _Topic]
    device: dict[str, Any]


@dataclass(frozen=True)
class _Found:
    """One question's topic: named by a trigger, or the retriever's answer for it."""

    topic: str | None
    answer: Answer
    triggered: bool
    candidates: list[str] = field(default_factory=list)  # every triggered topic
    words: str = ""  # the question's own words, which decide its slots before the rest of the message

    @property
    def confident(self) -> bool:
        return self.topic is not None

    @property
    def best_score(self) -> float:
        return self.answer.hits[0].score if self.answer.hits else 0.0


class Answers:
    def __init__(self, kb: KnowledgeBase, policy: ServicePolicy) -> None:
        """Reads kb.kb_dir/answers.yml; raises KnowledgeBaseError when it does not load."""
        self.kb = kb
        self.policy = policy
        self._path = kb.kb_dir / "answers.yml"
        self._lock = threading.Lock()
        self._reply_lock = threading.Lock()
        self._asked: dict[str, Answer] = {}  # the look-ups of the message being read
        self._today: date | None = None  # the date of the message being read
        self._stamp = file_stamp([self._path])
        self._rules = _load_rules(self._path)

    def reply(
        self,
        message: str,
        previous: Context | None = None,
        device: CallerDevice | None = None,
        today: date | None = None,
    ) -> Reply:
        """`today`: the local date, for a device's age told as the year it was accepted (「23年验收的」)."""
        # One reply at a time: the look-ups of one message are remembered while it is read.
        with self._reply_lock:
            self._refresh()
            self.kb.refresh()
            self._asked = {}
            self._today = today
            message = self.kb.correct(message)
            if _spaced(message):
                # A voice transcript spaced word by word is read as one run of words: its words are
                # matched across the spaces (「要 停 多久」 is 停多久), and its question ends where a word of
                # asking ends it (`_run_on`), not at every space.
                message = _unspaced(message)
            own = self._read(_asked_part(message, self._current_rules()), message, device)
            if (
                previous is not None
                and own.parts
                and self._age(message) is None
                and self._age(previous.question)
            ):
                # 「那现在还在保修期吗」 after 「…我们是去年八月装的发光仪」: the age told before answers it.
                told = f"{message}\n{previous.question}"
                texts = self._compose([(part.topic, message) for part in own.parts], told, device)
                own = replace(own, parts=[AnswerPart(topic, text) for topic, text in texts]) if texts else own
            if (
                previous is not None
                and self._continues(message, own)
                and not self._asks_anew(own, message, previous)
            ):
                follow = self._follow_up(message, previous, device)
                if follow is not None and _rank(follow) >= _rank(own):
                    return self._second_opinion(follow, message, previous, device)
            if self._topicless(message):
                return self._clarification(message)
            return self._second_opinion(own, message, None, device)

    # --- the classifier learned from labelled questions (bot.knowledge.examples), where the reading is unsure
    def _second_opinion(
        self, reply: Reply, message: str, previous: Context | None, device: CallerDevice | None
    ) -> Reply:
        """The reply, or what the classifier's opinion makes of 「您是想问」 choices (kb/retrieval.yml
        `examples:`): the choice it ranks first of all its classes is answered, and nothing is offered when it
        is sure the knowledge base cannot know. A follow-up is judged with the message before it. Answers and
        declines stand: asked to overrule them, the classifier lost more right answers than it saved wrong
        ones (docs/benchmarks.md, tenth round)."""
        settings = self.kb.settings.examples
        if not settings.enabled or reply.verdict is not Verdict.SUGGEST or reply.clarifying:
            return reply
        offered = {hit.id for hit in reply.suggestions}
        opinion = self.kb.opinion(f"{message}，{previous.question}" if previous is not None else message)
        # The classifier knows the entries that have examples: it does not judge between entries it has never
        # seen asked.
        if opinion is None or not offered <= opinion.classes:
            return reply
        if opinion.first in offered and opinion.margin >= settings.choose_margin:
            said = f"{message}\n{previous.question}" if previous is not None else message
            return self._chosen(opinion.first, message, said, device, reply)
        if opinion.first == UNKNOWN and opinion.margin >= settings.decline_margin:
            return Reply(Verdict.NONE, [], [], replace(reply.context, topic=None), reply.score)
        return reply

    def _chosen(
        self, topic: str, message: str, said: str, device: CallerDevice | None, reply: Reply
    ) -> Reply:
        """The answer of the topic the classifier chose; the reply as it was when the topic cannot answer
        what was said."""
        texts = self._compose([(topic, message)], said, device)
        if not texts:
            return reply
        parts = [AnswerPart(chosen, text) for chosen, text in texts]
        return Reply(Verdict.ANSWER, parts, [], replace(reply.context, topic=parts[0].topic), reply.score)

    # --- a short question that names no topic (「收费吗」「能来吗」): which topic is meant, not a guess
    def _topicless(self, message: str) -> bool:
        rules = self._current_rules()
        question = _question_text(message, rules)
        if not question or len(question) > rules.clarify_max_chars or self._triggered_topics(message):
            return False
        return bool(self.kb.terms(question)) and self._general(question)

    def _clarification(self, message: str) -> Reply:
        rules = self._current_rules()
        entries = [self.kb.entry(topic_id) for topic_id in rules.clarify_choices]
        choices = [FaqHit(e.id, e.question, e.answer, 0.0) for e in entries if e is not None]
        return Reply(Verdict.SUGGEST, [], choices, Context(_question_text(message, rules), None), None, True)

    def _triggered_topics(self, said: str) -> list[str]:
        """The topics whose trigger matches what was said."""
        rules = self._current_rules()
        seen = self._seen(said)
        # A topic with neither an FAQ entry (another contract, another KB) nor its own answers is not
        # triggered.
        return [
            topic_id
            for topic_id, topic in rules.topics.items()
            if (topic.answers or self.kb.entry(topic_id) is not None) and _triggered(topic, seen)
        ]

    def _seen(self, said: str) -> str:
        """What was said as words are matched: cleaned, and as the retriever reads it (synonyms applied); a
        clause naming what is not asked about (「除了装机时候那次，一年还来讲几回」) is left out."""
        rules = self._current_rules()
        openers = tuple(rules.except_openers)
        clauses = [_unnegated(clause, rules) for clause in _clauses(said) if not clause.startswith(openers)]
        said = "，".join(clause for clause in clauses if clause) or said
        return f"{_joined(said, clean)} {_joined(said, self.kb.normalise)}"

    def _not_ours(self, said: str, seen: str) -> bool:
        """Whether a not_ours word is said outside the caller's introduction (「我是采购办的，…，能不能给
        老客户打个折」: who is calling, not what is asked)."""
        rules = self._current_rules()
        if not any(word in seen for word in rules.not_ours):
            return False
        introduction = tuple(rules.introductions)
        clauses = [c for c in _clauses(said) if not (c.startswith(introduction) and not _asks(c, rules))]
        asked = self._seen("，".join(clauses)) if clauses else seen
        return any(word in asked for word in rules.not_ours)

    def _other_makers_device(self, said: str) -> bool:
        """Whether a device type follows an other_makers word in the same clause (「隔壁科室用的是别家的
        化学发光，…」): another maker's device, which the knowledge base holds nothing of; another maker's
        supplies for our device (「别的牌子的生化试剂」) are a consumables question."""
        rules = self._current_rules()
        text = clean(said)
        for word in rules.other_makers:
            start = text.find(word)
            while start >= 0:
                after = start + len(word)
                named = text[after : after + _OTHER_MAKER_REACH].split(" ")[0]
                if self.kb.device_words(named) and not any(thing in named for thing in rules.supplies):
                    return True
                start = text.find(word, after)
        return False

    def _ask(self, text: str) -> Answer:
        if text not in self._asked:
            self._asked[text] = self.kb.ask(text, check_files=False)
        return self._asked[text]

    # --- one message, without context
    def _read(self, message: str, said: str, device: CallerDevice | None) -> Reply:
        rules = self._current_rules()
        parts: list[tuple[str, str]] = []  # (topic, the question's own words)
        pending: list[_Found] = []
        # 「血球仪堵孔了怎么弄，另外每天要做什么保养」: a later question is about the device named before.
        for clauses in self._with_earlier_devices(self._segments(message)):
            for found in self._questions(clauses):
                if found.confident:
                    assert found.topic is not None
                    if found.topic not in {topic for topic, _ in parts}:
                        parts.append((found.topic, found.words))
                else:
                    pending.append(found)
        question = _question_text(message, rules)
        if not parts:
            clauses = _without_greetings(_clauses(message), rules)
            whole = self._find(self._candidates(clauses, rules), "，".join(clauses))
            if whole.confident:
                assert whole.topic is not None
                parts.append((whole.topic, whole.words))
            else:
                pending.insert(0, whole)
        answered = [AnswerPart(topic, text) for topic, text in self._compose(parts, said, device)]
        if answered:
            return Reply(Verdict.ANSWER, answered, [], Context(question, answered[0].topic), None)
        if not pending:
            return Reply(Verdict.NONE, [], [], Context(question, None), None)
        best = max(pending, key=lambda found: found.best_score)
        verdict = best.answer.verdict
        top = best.answer.hits[0].id if best.answer.hits else None
        return Reply(verdict, [], best.answer.hits, Context(question, top), best.best_score or None)

    def _segments(self, message: str) -> list[list[str]]:
        """The message cut at question marks, full stops and 「另外」-like words, each as its clauses."""
        rules = self._current_rules()
        segments: list[list[str]] = []
        for sentence in _STRONG_BREAK.split(message):
            current: list[str] = []
            for clause in (part for run in _clauses(sentence) for part in _run_on(run, rules)):
                marker = next(
                    (m for m in rules.next_question if clause.startswith(m) and len(clause) > len(m)), None
                )
                if marker and current:
                    segments.append(current)
                    current = [clause[len(marker) :]]
                else:
                    current.append(clause)
            if current:
                segments.append(current)
        return segments

    def _questions(self, clauses: list[str]) -> list[_Found]:
        """The questions of one segment: each asking clause with the scene-setting clauses before it answered
        on its own when that gives two confident topics, else the segment as one question."""
        rules = self._current_rules()
        kept = _without_greetings(clauses, rules)
        asking = [i for i, clause in enumerate(kept) if _asks(clause, rules)]
        # A scene-setting clause that happens to hold a question word (「我们这台是零几年买的」) starts no
        # question.
        # 「能直接开吗，还是要先检查什么」: an alternative (same_question) is part of the question before it.
        openers = [*rules.context_openers, *rules.same_question]
        separate = [i for i in asking if not any(kept[i].startswith(o) for o in openers)]
        if len(separate) >= 2:
            groups, start = [], 0
            for i in separate:
                groups.append(kept[start : i + 1])
                start = i + 1
            if start < len(kept):
                groups[-1] = groups[-1] + kept[start:]
            # 「发光仪多久定标一次，试剂怎么放」: the same within one sentence.
            own_words = ["".join(group) for group in groups]
            groups = self._with_earlier_devices(groups)
            found = [self._find(self._candidates(group, rules), "，".join(group)) for group in groups]
            kept_found, previous = [found[0]], groups[0]
            for group, words, one in zip(groups[1:], own_words[1:], found[1:], strict=True):
                pair = previous + group
                # 「保养 多久一次 要钱吗」: a clause that, read with the one before, asks the same question is
                # part of it.
                together = self._find(self._candidates(pair, rules), "，".join(pair))
                pair_hits = self._ask("，".join(pair)).hits
                ranked = [hit.id for hit in pair_hits]
                lead = self._lead(one)
                # A clause of one general word (「怎么收钱」, 「要怎么处理」 with the device named before) is
                # never a question of its own.
                general = not one.triggered and len(set(self.kb.terms(words))) <= 1
                own = _own_question(one, together, lead, rules.second_question_lead, ranked)
                # 「发光仪多久定标一次，试剂怎么放」: the clause's entry is clearly its own and the pair would
                # answer it too.
                answerable = {hit.id for hit in pair_hits if hit.score >= self.kb.settings.answer_threshold}
                own = own or (
                    not general
                    and not one.triggered
                    and one.topic in answerable
                    and lead >= rules.second_question_lead
                )
                # 「换的那个配件有保修吗，从哪天算」: the pair's words rule the clause's own topic out.
                own = own and not (one.topic and self._ruled_out(one.topic, self._seen("，".join(pair))))
                if not own and (together.topic == kept_found[-1].topic or general):
                    previous = pair
                    continue
                kept_found.append(one)
                previous = group
            topics = {f.topic for f in kept_found if f.confident}
            if len(topics) >= 2:
                return kept_found
            clear = [f for f in kept_found if f.triggered or self._lead(f) >= rules.second_question_lead]
            whole = self._find(self._candidates(kept, rules), "，".join(kept))
            # 「旧件是怎么处理的，会不会拿去翻新再卖」: one clause names its topic clearly, the whole
            # blurs it.
            return clear if len(topics) == 1 and clear and not whole.confident else [whole]
        if not kept or not asking:
            return []
        return [self._find(self._candidates(kept, rules), "，".join(kept))]

    def _with_earlier_devices(self, questions: list[list[str]]) -> list[list[str]]:
        """The questions (each as its clauses), a question naming no device given the devices named in the
        ones before it."""
        named: set[str] = set()
        carried = []
        for clauses in questions:
            devices = self.kb.device_words("".join(clauses))
            if named and not devices:
                clauses = ["".join(sorted(named)) + clauses[0], *clauses[1:]]
            named |= devices
            carried.append(clauses)
        return carried

    def _lead(self, found: _Found) -> float:
        """How far a retriever answer's entry leads the next (the suggest threshold when none is close)."""
        hits = found.answer.hits
        runner_up = hits[1].score if len(hits) > 1 else self.kb.settings.suggest_threshold
        return found.best_score - runner_up

    def _candidates(self, clauses: list[str], rules: _Rules) -> list[str]:
        """The texts to look the question up by: without greetings and context clauses, and from the first
        asking clause on (the story before a question only dilutes it)."""
        content = [clause for clause in clauses if not _is_context(clause, rules)] or clauses
        story = "".join(clause for clause in clauses if clause not in content)
        devices = self.kb.device_words(story) - self.kb.device_words("".join(content))
        if devices:
            # 「我们科的电解质仪周末没人用，可以关机吗」: the device named in the story is the question's.
            content = ["".join(sorted(devices)), *content]
        asking = [i for i, clause in enumerate(content) if _asks(clause, rules)]
        candidates = ["，".join(content)]
        focused = self._focused(content, asking)
        if focused:
            candidates.append(focused)
        # Only a story is dropped: short clauses before the question are its topic words (「延保 怎么买」).
        if asking and asking[0] > 0 and all(len(clause) >= _STORY_CLAUSE for clause in content[: asking[0]]):
            candidates.append("，".join(content[asking[0] :]))
        if len(asking) == 1 and len(content) > 1:
            # The one asking clause alone, with the devices named around it (「…，能给我们调台备机吗」), when
            # it is sure of its entry on its own, and names a topic of its own (「…，怎么收钱」: the story
            # says which fee); as any shorter text, it answers only with what the whole message finds.
            clause = content[asking[0]]
            told = self.kb.device_words("".join(content)) - self.kb.device_words(clause)
            text = "，".join(["".join(sorted(told)), clause] if told else [clause])
            sure = self._ask(text).verdict is Verdict.ANSWER
            if text not in candidates and sure and not self._general(clause):
                candidates.append(text)
        return candidates

    def _focused(self, content: list[str], asking: list[int]) -> str | None:
        """The question with the story's words that no entry holds left out (「拖地」「值班的同事」
        only dilute it); the story's words the knowledge base knows (a device, 保修期) and every word of the
        asking clauses stay. None unless the retriever is sure of its entry for it: unknown words of the
        story can be the topic (「白细胞偏低，要不要复查」), so it only answers, only with an entry the
        whole message finds too, and never against a topic the asking clauses name by themselves
        (「…，还是不行，工程师大概几点能到」: the story's 不行 reads as remote help failed)."""
        if not asking or len(asking) == len(content):
            return None
        kept = [
            clause if i in asking else " ".join(self.kb.known_terms(clause))
            for i, clause in enumerate(content)
        ]
        text = "，".join(clause for clause in kept if clause)
        found = self._ask(text)
        if found.verdict is not Verdict.ANSWER:
            return None
        entry = found.hits[0].id
        named = self._triggered_topics("，".join(content[i] for i in asking))
        whole = {hit.id for hit in self._ask("，".join(content)).hits}
        return text if entry in whole and (not named or entry in named) else None

    def _general(self, text: str) -> bool:
        """Whether the text's words are all general ones (`topicless_words`: 收费, 多久, 修 …)."""
        general = {term for word in self._current_rules().topicless_words for term in self.kb.terms(word)}
        return set(self.kb.terms(text)) <= general

    def _find(self, candidates: list[str], said: str, avoid: str | None = None, story: bool = True) -> _Found:
        """The topic of a question (`_find_topic`); a price asked of a topic whose answers hold none
        (「光源灯坏了，一个新灯多少钱」: the lamp's care) is declined."""
        found = self._find_topic(candidates, said, avoid, story)
        rules = self._current_rules()
        if found.topic is not None and found.topic.startswith(tuple(rules.priceless_topics)):
            # The price asked, not told in the story (「进口试剂价格太高了，…，会不会影响保修」).
            asked = self._seen("，".join(c for c in _clauses(said) if _asks(c, rules)))
            if any(word in asked for word in rules.price_words):
                return _Found(None, Answer(Verdict.NONE, []), False)
        return found

    def _find_topic(
        self, candidates: list[str], said: str, avoid: str | None = None, story: bool = True
    ) -> _Found:
        """The topic of a question (`_named_topic`), of the kind of service the asking clauses name
        (`_of_the_asked_kind`) where what is said before them is a story (`story`; a follow-up read with its
        earlier question is none)."""
        found = self._named_topic(candidates, said, avoid)
        if found.topic is None or not story:
            return found
        found = self._of_the_asking_clauses(found, said)
        if found.topic is None:
            return found
        return self._of_the_replaced_part(
            self._of_the_asked_need(self._of_the_asked_kind(found, said), said), said
        )

    def _of_the_asking_clauses(self, found: _Found, said: str) -> _Found:
        """The triggered topic found, checked against the asking clauses where a story precedes them and the
        story's words alone trigger it (「去年装机培训的时候…，现在生化仪的灯又暗了，我们自己换上以后还得做些
        什么」: the installation training): a topic the asking clauses trigger by themselves among those
        triggered is the question's; else the found topic answers when the asking clauses are general words
        (「…，怎么收费」), when the message without the story's clauses that name it (else the asking clauses)
        finds nothing, finds it too, or finds first an entry the whole message does not find; else what that
        finds confidently answers, or both are offered (「您是想问」)."""
        if not found.triggered or found.topic is None:
            return found
        rules = self._current_rules()
        openers = tuple(rules.context_openers)
        clauses = _clauses(said)
        asking = [i for i, c in enumerate(clauses) if _asks(c, rules) and not c.startswith(openers)]
        if not asking or asking[0] == 0:
            return found
        asked = "，".join(clauses[i] for i in asking)
        story = "，".join(c for i, c in enumerate(clauses) if i not in asking)
        topic = rules.topics.get(found.topic)
        story_seen = self._seen(story)
        # The asking clauses hold words of its trigger, or the story names it by words meaning nothing else.
        if topic is None or not _triggered(topic, story_seen) or _matches(topic.sure_triggers, story_seen):
            return found
        named = self._triggered_topics(asked)
        own = [t for t in found.candidates if t in named]
        if own:
            order = {hit.id: i for i, hit in enumerate(found.answer.hits)}
            own.sort(key=lambda t: order.get(t, len(order)))
            return found if found.topic in own else replace(found, topic=own[0])
        # Asking clauses that name a topic the story's words rule out are left to the rules of the asked kind
        # and need (`kinds`, `needs`).
        if named or self._general(asked) or self._names_again(topic, asked):
            return found
        # The message without the story's clauses that name the topic by themselves (「上次投诉处理得挺快」)
        # is what is asked; else the asking clauses alone.
        naming = [c for c in clauses if _triggered(topic, self._seen(c))]
        rest = [c for c in clauses if c not in naming]
        asked = "，".join(rest) if naming and rest else asked
        told = self.kb.device_words(said) - self.kb.device_words(asked)
        answer = self._ask("，".join(["".join(sorted(told)), asked] if told else [asked]))
        ids = [hit.id for hit in answer.hits]
        whole = self._ask(said)
        if not ids:
            # Nothing found without the story's naming clauses: the topic stands unless the whole message is
            # nearer another entry (below the thresholds), which is offered with it.
            near = [entry for entry, score in whole.nearest if score >= self.kb.settings.examples.near_floor]
            if not near or near[0] == found.topic:
                return found
            ids = near[:1]
            answer = Answer(
                Verdict.SUGGEST,
                [FaqHit(e.id, e.question, e.answer, 0.0) for e in [self.kb.entry(ids[0])] if e],
            )
        elif found.topic in ids or ids[0] not in {hit.id for hit in whole.hits}:
            return found
        if answer.verdict is Verdict.ANSWER and not self._ruled_out(ids[0], self._seen(asked)):
            return _Found(ids[0], answer, False, words=found.words)
        earlier = [FaqHit(e.id, e.question, e.answer, 0.0) for e in [self.kb.entry(found.topic)] if e]
        return _Found(None, Answer(Verdict.SUGGEST, [*answer.hits[:2], *earlier]), False)

    def _names_again(self, topic: _Topic, asked: str) -> bool:
        """Whether the asking clauses say a topic word of one of the topic's triggers (「这个培训是不是就
        这一次」 after a story of the installation training): words of asking (「有没有」「多久」) and
        general words (「收费」) name no topic."""
        rules = self._current_rules()
        seen = self._seen(asked)
        words = {
            word
            for trigger in [*topic.triggers, *topic.sure_triggers]
            for group in trigger
            for word in group
            if not _asks(word, rules) and not self._general(word)
        }
        return any(word in seen for word in words)

    def _named_topic(self, candidates: list[str], said: str, avoid: str | None = None) -> _Found:
        """A topic whose trigger matches what was said (the retriever's ranking picks among several,
        preferring one other than `avoid`), else the retriever's confident answer for the best candidate
        text."""
        rules = self._current_rules()
        seen = self._seen(said)
        triggered = self._triggered_topics(said)
        # 「延保合同能不能分期付款」: a few words say so whatever topic the others name.
        if any(word in seen for word in rules.sure_not_ours):
            return _Found(None, Answer(Verdict.NONE, []), False)
        if len(triggered) == 1:
            return _Found(triggered[0], Answer(Verdict.ANSWER, []), True, triggered, words=said)
        best = _supported([self._ask(text) for text in candidates])
        if triggered:
            order = {hit.id: i for i, hit in enumerate(best.hits)}
            choices = [t for t in triggered if t != avoid] or triggered
            # 「…前年六月份验收的，…，还算不算免费修的」: words that cannot mean anything else name
            # their topic over ordinary triggers (验收 of the warranty's start).
            sure = [t for t in choices if _matches(rules.topics[t].sure_triggers, seen)]
            choices = sure or choices
            choices.sort(key=lambda t: order.get(t, len(order)))
            return _Found(choices[0], best, True, triggered, words=said)
        if self._not_ours(said, seen) or self._other_makers_device(said):
            return _Found(None, Answer(Verdict.NONE, []), False)
        if best.verdict is Verdict.ANSWER and not self._ruled_out(best.hits[0].id, seen):
            return _Found(best.hits[0].id, best, False, words=said)
        if best.verdict is Verdict.ANSWER:
            # The words say it is not this topic (its `unless`): offer the choices rather than answer.
            return _Found(None, Answer(Verdict.SUGGEST, best.hits), False)
        if best.verdict is Verdict.NONE:
            rescued = self._rescued(candidates, said, seen)
            if rescued is not None:
                return _Found(rescued.id, Answer(Verdict.ANSWER, [rescued]), False, words=said)
        return _Found(None, best, False)

    def _rescued(self, candidates: list[str], said: str, seen: str) -> FaqHit | None:
        """The entry of a question nothing was found for, when the classifier ranks it first and the retriever
        has it among its nearest entries (kb/retrieval.yml `examples:` rescue_margin, near_floor): callers
        word their questions unlike the FAQ (「有没有那种看了就能学会操作的东西」), and where two signals
        that fail differently agree, the entry is meant."""
        settings = self.kb.settings.examples
        if not settings.enabled:
            return None
        opinion = self.kb.opinion(said)
        if opinion is None or opinion.first == UNKNOWN or opinion.margin < settings.rescue_margin:
            return None
        near = {
            entry_id: score
            for text in dict.fromkeys([*candidates, said])
            for entry_id, score in self._ask(text).nearest
            if score >= settings.near_floor
        }
        entry = self.kb.entry(opinion.first)
        if opinion.first not in near or entry is None or self._ruled_out(opinion.first, seen):
            return None
        return FaqHit(entry.id, entry.question, entry.answer, round(near[opinion.first], 4))

    def _of_the_asked_kind(self, found: _Found, said: str) -> _Found:
        """The topic found, or the asking clauses' own topic when they name another kind of service than the
        story that named it (`kinds` of kb/answers.yml): 「上个月刚做完保养，…，到期以后维修怎么收费」 is a
        repair's fee, not the maintenance the story tells of."""
        rules = self._current_rules()
        kind = next((k for k, spec in rules.kinds.items() if _topic_in(found.topic, spec["topics"])), None)
        # An asking clause that tells what happened before (「上次…教了我们怎么清洗」) is part of the story.
        openers = tuple(rules.context_openers)
        clauses = _clauses(said)
        asking = "，".join(c for c in clauses if _asks(c, rules) and not c.startswith(openers))
        if kind is None or not asking or asking == "，".join(clauses):
            return found
        asked = _joined(asking, clean)
        named = {k for k, spec in rules.kinds.items() if any(word in asked for word in spec["words"])}
        if not named or kind in named:
            return found
        own = self._find_topic([asking], asking)
        hits = own.answer.hits if own.topic is None else []
        if own.topic is None and hits and any(_topic_in(hits[0].id, rules.kinds[k]["topics"]) for k in named):
            # The asking clauses alone are not sure of their topic: both are offered (「您是想问」).
            earlier = [
                FaqHit(e.id, e.question, e.answer, 0.0) for e in [self.kb.entry(found.topic or "")] if e
            ]
            return _Found(None, Answer(Verdict.SUGGEST, [hits[0], *earlier]), False)
        if own.topic is None or not any(_topic_in(own.topic, rules.kinds[k]["topics"]) for k in named):
            return found
        return replace(own, words=found.words)

    def _of_the_asked_need(self, found: _Found, said: str) -> _Found:
        """The topic found, or the asking clauses' own topic when they ask what its entry does not tell
        (`needs` of kb/answers.yml) and their own topic tells it: 「…跟你们的人视频弄了半天没弄好，从你们那边
        过来最长得多久」 asks a time, which the videos the story named do not tell. When the asking clauses
        alone are not sure of their topic but the retriever's first for them tells it, both are offered."""
        rules = self._current_rules()
        if found.topic is None:
            return found
        openers = tuple(rules.context_openers)
        clauses = _clauses(said)
        asking = "，".join(c for c in clauses if _asks(c, rules) and not c.startswith(openers))
        if not asking:
            return found
        asked = _joined(asking, clean)
        needs = [
            spec["topics"]
            for spec in rules.needs.values()
            if any(word in asked for word in spec["words"]) and not _topic_in(found.topic, spec["topics"])
        ]
        if not needs:
            return found
        own = self._find_topic([asking], asking, story=False)
        if own.topic is not None and all(_topic_in(own.topic, topics) for topics in needs):
            return replace(own, words=found.words)
        hits = own.answer.hits if own.topic is None else []
        if hits and all(_topic_in(hits[0].id, topics) for topics in needs):
            # The asking clauses alone are not sure of their topic: both are offered (「您是想问」).
            earlier = [FaqHit(e.id, e.question, e.answer, 0.0) for e in [self.kb.entry(found.topic)] if e]
            return _Found(None, Answer(Verdict.SUGGEST, [hits[0], *earlier]), False)
        return found

    def _of_the_replaced_part(self, found: _Found, said: str) -> _Found:
        """The topic found, or the replaced part's warranty when the device's warranty was found but the
        asking clauses ask of a part the story says was replaced (`replaced_part` of kb/answers.yml:
        「主板上礼拜换过一回，…，换上去的那块板子还在不在保」)."""
        spec = self._current_rules().replaced_part
        if not spec or found.topic not in spec["topics"]:
            return found
        rules = self._current_rules()
        seen = self._seen(said)
        asked = _joined("，".join(c for c in _clauses(said) if _asks(c, rules)), clean)
        if (
            any(word in seen for word in spec["replaced"])
            and any(word in asked for word in spec["parts"])
            and not any(word in asked for word in spec["device"])
        ):
            return replace(found, topic=spec["topic"])
        return found

    def _ruled_out(self, topic_id: str, seen: str) -> bool:
        topic = self._current_rules().topics.get(topic_id)
        return topic is not None and any(word in seen for word in topic.unless)

    # --- follow-ups
    def _continues(self, message: str, own: Reply) -> bool:
        rules = self._current_rules()
        text = _question_text(message, rules)
        if any(text.startswith(opener) for opener in rules.followup_openers):
            return True
        if any(text.endswith(closer) for closer in rules.followup_closers):
            return True
        return own.verdict is not Verdict.ANSWER or len(text) <= 8

    def _asks_anew(self, own: Reply, message: str, previous: Context) -> bool:
        """A short question whose own words name another topic by its trigger is its own question, not the
        previous one again (「工程师多久能到」 after 「去年装的，还在保修期吗」). After only a device spoken
        of, a question whose own best entry is no device's care or upkeep is its own too (「培训一回多长时间」
        after booking a training for the EL-300 is not about its electrodes)."""
        best = own.topics[0] if own.parts else (own.suggestions[0].id if own.suggestions else None)
        if previous.topic is None and best and best.split(".")[0] not in _ABOUT_A_DEVICE:
            return True
        if own.verdict is not Verdict.ANSWER or own.topics[0] == previous.topic:
            return False
        return own.topics[0] in self._triggered_topics(message)

    def _follow_up(self, message: str, previous: Context, device: CallerDevice | None) -> Reply | None:
        rules = self._current_rules()
        core = _strip_followup(_question_text(message, rules), rules)
        if not core:
            return None
        earlier = previous.question
        named = self.kb.device_words(core)
        if named:
            # 「发光仪呢」 after 「生化仪多久定标」: the same question about the newly named device.
            earlier = self.kb.normalise(earlier)
            for word in self.kb.device_words(earlier):
                earlier = earlier.replace(word, "")
        combined = f"{core} {earlier}"
        # 「那平时怎么保养」 after 「血球仪堵孔怎么办」: its own words are about the device asked about
        # before.
        kept = "" if named else "".join(sorted(self.kb.device_words(earlier)))
        own = self._ask(kept + core)
        # 「那保养呢」 after a repair-fee question asks about another topic than the earlier one; 「多久一次」
        # after a maintenance question, whose own words find the earlier topic, does not.
        same = own.verdict is Verdict.ANSWER and own.hits[0].id == previous.topic
        found = self._find([combined], combined, avoid=None if same else previous.topic, story=False)
        # 「新来的人呢」 after 「装机培训收费吗」: the follow-up's own words point at a neighbour of the
        # earlier topic.
        neighbour = own.hits[0].id if own.hits and own.hits[0].id != previous.topic else None
        if not found.confident and neighbour in {hit.id for hit in found.answer.hits}:
            found = _Found(neighbour, found.answer, False)
        # 「那平时怎么保养」 after 「血球仪老是堵孔怎么处理」: its own words answer another topic confidently,
        # the earlier question's words only repeat the earlier one.
        if (
            found.topic == previous.topic
            and not found.triggered
            and own.verdict is Verdict.ANSWER
            and neighbour
        ):
            found = _Found(neighbour, own, False)
        if found.confident:
            assert found.topic is not None
            # The follow-up's own words decide the slots; the earlier question fills what it does not say.
            texts = self._compose([(found.topic, core)], f"{core}\n{previous.question}", device)
            parts = [AnswerPart(topic, text) for topic, text in texts]
            if parts:
                return Reply(Verdict.ANSWER, parts, [], Context(combined, parts[0].topic), None)
        if found.answer.verdict is Verdict.SUGGEST:
            hits = found.answer.hits
            return Reply(Verdict.SUGGEST, [], hits, Context(combined, hits[0].id), found.best_score)
        return None

    # --- composing the answers
    def _compose(
        self, questions: list[tuple[str, str]], said: str, device: CallerDevice | None
    ) -> list[tuple[str, str]]:
        """(topic, answer text) per question, redirected by the caller's warranty state, in the order asked.
        questions: (topic, the question's own words); its own words decide its slots, the rest of what was
        said fills what they do not say (「保修期内坏了收费吗，过保以后配件怎么算钱」: two states)."""
        rules = self._current_rules()
        texts: list[tuple[str, str]] = []
        for topic_id, first in questions:
            topic_id = self._redirected(topic_id, said, device, first)
            if topic_id in {t for t, _ in texts}:
                continue
            text = self._answer_text(topic_id, said, device, first)
            if text is None:
                continue
            if device is not None and topic_id in rules.device.get("topics", []) and not texts:
                text = _device_sentence(device, rules) + text
            texts.append((topic_id, text))
        return texts

    def _redirected(self, topic_id: str, said: str, device: CallerDevice | None, first: str | None) -> str:
        topic = self._current_rules().topics.get(topic_id)
        if topic is None or not topic.redirect:
            return topic_id
        state = self._slot("warranty", said, first)
        if state is None and isinstance(device, DeviceFacts):
            state = "in" if device.in_warranty else "out"
        return topic.redirect.get(state or "", topic_id)

    def _answer_text(
        self, topic_id: str, said: str, device: CallerDevice | None, first: str | None
    ) -> str | None:
        topic = self._current_rules().topics.get(topic_id)
        faq = self.kb.entry(topic_id)
        template: str | None = None
        if topic is not None:
            template = self._template(topic, said, device, first)
        if template is None:
            return _fitted(faq.answer, said) if faq is not None else None
        try:
            return _fitted(self.policy.render(template), said)
        except PolicyError as error:
            raise KnowledgeBaseError(f"kb/answers.yml, {topic_id}: {error}") from error

    def _template(
        self, topic: _Topic, said: str, device: CallerDevice | None, first: str | None
    ) -> str | None:
        for dotted, by_value in topic.answer_by_policy.items():
            key = by_value.get(bool(self.policy.value(dotted)))
            return topic.answers.get(key) if key else None
        if topic.slot == "distance":
            distance = self._distance(said, first)
            if distance is None and isinstance(device, DeviceFacts):
                distance = self.policy.distance_for(device.city).value
            return topic.answers.get(distance) if distance else None
        if topic.slot == "cause":
            return self._cause_answer(topic, said, first)
        if topic.slot == "age":
            # The registry's warranty end, when it knows the device, says more than an age the caller guesses.
            age = None if isinstance(device, DeviceFacts) else self._slot("age", said, first)
            if age is None and isinstance(device, UnknownDevice):
                age = "not_told"  # the serial was given: not 「tell me the serial」 but how the age counts
            return topic.answers.get(age) if age else None
        if topic.slot:
            value = self._slot(topic.slot, said, first)
            return topic.answers.get(value) if value else None
        return None

    def _cause_answer(self, topic: _Topic, said: str, first: str | None) -> str | None:
        cause = self._slot("cause", said, first)
        if cause is None:
            return None
        spec = self._current_rules().slots["cause"][cause]
        if "exclusion" not in spec:
            return topic.answers.get(cause)
        exclusions = [str(text) for text in self.policy.value("warranty.exclusions")]
        matched = next((text for text in exclusions if spec["exclusion"] in text), None)
        if matched is None:
            return topic.answers.get("covered")
        return topic.answers["excluded"].replace("{exclusion}", matched)

    # --- slots
    def _slot(self, name: str, said: str, first: str | None = None) -> str | None:
        """The slot's value in `first` (the question's own words), else in everything said."""
        for text in ([first] if first else []) + [said]:
            value = self._slot_in(name, _joined(text, clean))
            if value is not None:
                return value
        return None

    def _slot_in(self, name: str, text: str) -> str | None:
        spec = self._current_rules().slots.get(name, {})
        for value, words in spec.items():
            # `inside`: longer words that hold one of the value's words and mean something else (做过保养).
            seen = text
            for other in words.get("inside", []) if isinstance(words, dict) else []:
                seen = seen.replace(clean(other).replace(" ", ""), "")
            words = words["words"] if isinstance(words, dict) else words
            if any(clean(word).replace(" ", "") in seen for word in words):
                return str(value)
        if name in ("warranty", "age"):
            state = self._warranty_by_age(text)
            # about: the age is the warranty's length, the acceptance date decides; no state to redirect by.
            return state if name == "age" or state != "about" else None
        return None

    def tells_age(self, text: str) -> bool:
        """Whether the text tells the device's age (「去年八月装的」「买了四年了」), which answers whether
        it is still under warranty without its serial."""
        with self._reply_lock:
            self._refresh()
            return self._age(text) is not None

    def _warranty_by_age(self, text: str) -> str | None:
        """In, out or about at the end of the policy's free warranty by the device's age the caller tells
        (「机器装好两年多了」: out with a warranty of two years; 「前年验收的」: about); None when not
        told."""
        years = self._age(text)
        if years is None:
            return None
        free = float(self.policy.value("warranty.free_years"))
        return "out" if years > free else "in" if years < free else "about"

    def _age(self, text: str) -> float | None:
        """The device's age in years as the caller tells it: after an age_opener (「买了四年了」), or as the
        calendar year of its acceptance (「前年验收的」「2023年验收的」: years back from this one)."""
        rules = self._current_rules()
        for opener in rules.age_openers:
            at = text.find(opener)
            match = _AGE.match(text, at + len(opener)) if at >= 0 else None
            if match is not None:
                return (
                    _years(match.group(2)) + (0.5 if match.group(3) else 0) - (0.5 if match.group(1) else 0)
                )
        for word in sorted(rules.years_ago, key=len, reverse=True):
            at = text.find(word)
            after = text[at + len(word) : at + len(word) + _YEAR_TO_ACCEPTANCE + 2] if at >= 0 else ""
            if any(accepted in after for accepted in rules.acceptance_words):
                return float(rules.years_ago[word])
        this_year = self._today.year if self._today else None
        for match in _YEAR.finditer(text) if this_year else ():
            after = text[match.end() : match.end() + _YEAR_TO_ACCEPTANCE + 2]
            year = int(match.group(1)) + (2000 if len(match.group(1)) == 2 else 0)
            if this_year and year <= this_year and any(word in after for word in rules.acceptance_words):
                return float(this_year - year)
        return None

    def _distance(self, said: str, first: str | None) -> str | None:
        order = list(self._current_rules().slots.get("distance", {}))  # the most remote first
        for text in ([first] if first else []) + [said]:
            cleaned = _joined(text, clean)
            # 「洛阳栾川那边，离市区还有一百多公里」: the most remote of what the caller said counts.
            values = [v for v in (self._slot_in("distance", cleaned), self._place(cleaned)) if v is not None]
            if values:
                return min(values, key=lambda v: order.index(v) if v in order else len(order))
        return None

    def _place(self, text: str) -> str | None:
        """The distance class of a place of the policy named in the text (栾川 → remote, 郑州 → same city)."""
        policy = self.policy
        places = [
            *policy.value("service_area.remote_areas"),
            *policy.value("service_area.station_cities"),
            *policy.raw.get("dispatch", {}).get("served_from", {}),
        ]
        for place in places:
            # 「从郑州过来」 names where the engineer comes from, not the caller's site.
            if re.search(f"(?<!从){re.escape(place)}", text):
                return policy.distance_for(place).value
        return None

    def asking_part(self, message: str) -> str:
        """The clauses of a message that ask something, as kb/answers.yml reads asking
        (「还是报错，要不要重启」 → 「要不要重启」); empty when none does."""
        rules = self._current_rules()
        message = _FORM_LABEL.sub("", message)  # 「⑩是否需要远程指导：否」 is a form's row, answered
        return "，".join(clause for clause in _clauses(message) if _asks(clause, rules))

    def _refresh(self) -> None:
        """Re-reads kb/answers.yml when it changed (once per reply)."""
        with self._lock:
            stamp = file_stamp([self._path])
            if stamp != self._stamp:
                self._stamp = stamp
                self._rules = _load_rules(self._path)

    def _current_rules(self) -> _Rules:
        return self._rules


# The families of entries a question about the device just spoken of is answered from.
_ABOUT_A_DEVICE = frozenset({"care", "maintenance"})
# A voice transcript spaced word by word: this many pieces at least, this long at most on average.
_SPACED_WORDS = 4
_SPACED_LENGTH = 2.5
_BETWEEN_HAN = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
# The label of a form's row, up to its colon.
_FORM_LABEL = re.compile(r"^[^\n：:]{1,16}[：:]", re.M)


def _spaced(text: str) -> bool:
    """Whether the text is a voice transcript spaced word by word: at least _SPACED_WORDS pieces between
    spaces, of _SPACED_LENGTH characters or fewer on average (「嗯 保养 做 一次 大概 要 停 多久 机器」), not
    clauses set apart by spaces (「我们不在你们市里 报修以后工程师一般多久能到」)."""
    pieces = text.split()
    return len(pieces) >= _SPACED_WORDS and sum(map(len, pieces)) / len(pieces) <= _SPACED_LENGTH


def _unspaced(text: str) -> str:
    return _BETWEEN_HAN.sub("", text)


def _top(answer: Answer) -> float:
    return answer.hits[0].score if answer.hits else 0.0


def _supported(answers: list[Answer]) -> Answer:
    """The best of the look-ups of one question (the whole text first, then shorter ones): a shorter text
    answers only with an entry the whole text also finds, else it can only offer choices (「…屏幕上有个
    代码，应该怎么处理」 is not whatever 「应该怎么处理」 alone finds)."""
    whole, *shorter = answers
    found = {hit.id for hit in whole.hits}
    best = whole
    for answer in shorter:
        if whole.verdict is Verdict.ANSWER and answer.hits and answer.hits[0].id != whole.hits[0].id:
            continue  # the story named the topic (「机器是十多年前买的了，…，还给不给修」)
        if answer.hits and answer.hits[0].id not in found:
            if whole.hits:
                continue  # what the whole text finds stands
            answer = Answer(Verdict.SUGGEST, answer.hits)
        if _top(answer) > _top(best):
            best = answer
    return best


def _own_question(clause: _Found, pair: _Found, lead: float, clear_lead: float, ranked: list[str]) -> bool:
    """Whether a clause with a topic of its own asks a second question although the pair reads as the
    first one: its trigger still fires in the pair (「保修几年，保修期内保养收费吗」), or the retriever
    finds its entry clearly (「热线多少 可以转人工吗」). Not when the pair's words rule its topic out
    (「换了个电机 … 再坏还免费吗，保修多久」: the replaced part's warranty), nor for a clause of general
    words, or one the retriever, reading the pair, finds less than the first topic (「能不能续一年，大概
    什么价」: the price of the extended warranty; 「换了一个电源模块，保修期是多久，从哪天算」). `ranked`: the
    retriever's entries for the pair, best first."""
    if clause.topic is None or clause.topic == pair.topic:
        return False
    if clause.triggered:
        return clause.topic in pair.candidates
    if lead < clear_lead:
        return False
    return pair.topic not in ranked or clause.topic in ranked[: ranked.index(pair.topic)]


def _years(numeral: str) -> float:
    """「3」「三」「两」「十二」 as a number; 「六七」「两三」 (a guess between two) as the middle of both."""
    if numeral.isdigit():
        return int(numeral)
    tens, _, units = numeral.rpartition("十")
    if "十" not in numeral:
        return sum(_NUMERALS[digit] for digit in numeral) / len(numeral)
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[units] if units else 0)


def _rank(reply: Reply) -> int:
    return {Verdict.ANSWER: 2, Verdict.SUGGEST: 1, Verdict.NONE: 0}[reply.verdict]


def _joined(text: str, read: Callable[[str], str]) -> str:
    """The text as words are matched in it: each part between punctuation read (cleaned, or as the retriever
    reads it) and run together, the parts kept apart by 「|」 so that no word is found across them
    (「…还没人来过，保修期内…」 holds no 过保)."""
    return "|".join(read(part).replace(" ", "") for part in _PUNCTUATION.split(text))


def _asked_part(message: str, rules: _Rules) -> str:
    """The message without what the caller says is not the question: a clause that sets a topic aside
    (「不是问保修，是问…」「先不说培训的事，…」), and a clause saying a topic is already known with the story
    before it (「…，保修的事我都清楚了，就是想知道…」); the whole message when nothing else is left."""
    pieces = _CLAUSE_SPLIT.split(message)  # clauses at even places, their punctuation at odd ones
    kept = list(pieces)
    for i in range(0, len(pieces), 2):
        clause = pieces[i].strip().rstrip(_PARTICLES + "啊呀")
        if clause.endswith(tuple(rules.known_enders)):
            kept[: i + 2] = [""] * len(kept[: i + 2])
        elif clause.startswith(tuple(rules.not_asked_openers)):
            kept[i : i + 2] = ["", ""]
    asked = "".join(kept).strip("，,、：: ")
    return asked if clean(asked) else message


def _unnegated(clause: str, rules: _Rules) -> str:
    """A clause that asks nothing without what it says is not the case (「我们这台不用返厂」: no 返厂)."""
    if _asks(clause, rules):
        return clause
    seen = clause
    for word in rules.not_negations:  # 「电极不用了放着」: not in use, not no need
        seen = seen.replace(word, "#" * len(word))
    cut = min((at for at in (seen.find(word) for word in rules.negations) if at >= 0), default=len(clause))
    return clause[:cut]


def _topic_in(topic_id: str | None, patterns: list[str]) -> bool:
    """Whether the topic is one of these ids or under one of these prefixes (「care.」)."""
    return topic_id is not None and any(
        topic_id == p or (p.endswith(".") and topic_id.startswith(p)) for p in patterns
    )


def _clauses(text: str) -> list[str]:
    return [clause for clause in _CLAUSE_BREAK.split(clean(text)) if clause]


def _run_on(clause: str, rules: _Rules) -> list[str]:
    """A voice transcript's clause cut after a word that ends a question when what follows asks too
    (「保修期是多久从什么时候开始算」); 「多久能到」 stays whole."""
    for word in rules.question_endings_inside:
        at = clause.find(word)
        while at >= 0:
            end = at + len(word)
            rest = clause[end:]
            if len(rest) >= _RUN_ON_REST and _asks(rest, rules) and _asks(clause[:end], rules):
                return [clause[:end], *_run_on(rest, rules)]
            at = clause.find(word, at + 1)
    return [clause]


def _after_greetings(clause: str, rules: _Rules) -> str:
    """The clause without the greetings it starts with (「你好我是设备科的」 → 「我是设备科的」) and without a
    lead-in saying who wants to know (「科长让我问问上个月装的…」 → 「上个月装的…」)."""
    rest = clause
    changed = True
    while rest and changed:
        changed = False
        for word in sorted(rules.greetings, key=len, reverse=True):
            if rest.startswith(word):
                rest, changed = rest[len(word) :], True
                break
        else:
            lead = _asking_lead(rest, rules)
            if lead:
                rest, changed = rest[lead:], True
    return rest


def _asking_lead(clause: str, rules: _Rules) -> int:
    """The length of a lead-in ending with a word of asking (「主任交代我问清楚」, 「有个事想请教」), when
    it is short and asks nothing itself, or when it is the whole clause (「能不能跟我说说」); else 0."""
    ends = []
    for word in rules.asking_words:
        at = clause.find(word)
        end = at + len(word)
        rest = clause[end:].strip(_PARTICLES)
        if 0 <= at <= _ASKING_LEAD and (not _asks(clause[:at], rules) or not rest):
            ends.append(end if rest else len(clause))
    return max(ends, default=0)


def _without_greetings(clauses: list[str], rules: _Rules) -> list[str]:
    kept = [_after_greetings(clause, rules) for clause in clauses]
    return [clause for clause in kept if clause] or clauses


def _is_context(clause: str, rules: _Rules) -> bool:
    return any(clause.startswith(opener) for opener in rules.context_openers) and not _asks(clause, rules)


def _asks(clause: str, rules: _Rules) -> bool:
    for words in rules.not_asking:
        clause = clause.replace(words, "")
    if any(word in clause for word in rules.question_words) or _X_NOT_X.search(clause):
        return True
    return clause.endswith(tuple(rules.question_endings)) and not rules.requests.search(clause)


def _question_text(message: str, rules: _Rules) -> str:
    """The message without greetings, clauses run together."""
    return "".join(_without_greetings(_clauses(message), rules))


def _strip_followup(text: str, rules: _Rules) -> str:
    for opener in sorted(rules.followup_openers, key=len, reverse=True):
        if text.startswith(opener):
            text = text[len(opener) :]
            break
    for closer in sorted(rules.followup_closers, key=len, reverse=True):
        if text.endswith(closer):
            text = text[: -len(closer)]
            break
    return text


def _triggered(topic: _Topic, seen: str) -> bool:
    if _matches(topic.sure_triggers, seen):
        return True
    return not any(word in seen for word in topic.unless) and _matches(topic.triggers, seen)


def _matches(triggers: list[list[list[str]]], seen: str) -> bool:
    """Whether any trigger matches: all of its word groups, each with any of its words."""
    return any(all(any(word in seen for word in group) for group in trigger) for trigger in triggers)


def _device_sentence(device: CallerDevice, rules: _Rules) -> str:
    if isinstance(device, UnknownDevice):
        return str(rules.device["not_found" if device.searched else "not_shown"]).replace(
            "{serial}", device.serial
        )
    key = "out_of_warranty" if not device.in_warranty else ("extended" if device.extended else "in_warranty")
    template = str(rules.device[key])
    values = {"model": device.model, "serial": device.serial, "end": device.warranty_end.isoformat()}
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def _load_rules(path: Path) -> _Rules:
    raw = read_yaml(path)
    try:
        reading = raw["reading"]
        topics = {
            str(topic_id): _Topic(
                triggers=[
                    [[str(word) for word in group] for group in trigger]
                    for trigger in spec.get("triggers", [])
                ],
                unless=[str(word) for word in spec.get("unless", [])],
                sure_triggers=[
                    [[str(word) for word in group] for group in trigger]
                    for trigger in spec.get("sure_triggers", [])
                ],
                slot=spec.get("slot"),
                answers={str(key): str(text) for key, text in spec.get("answers", {}).items()},
                redirect={str(key): str(value) for key, value in spec.get("redirect", {}).items()},
                answer_by_policy=dict(spec.get("answer_by_policy", {})),
            )
            for topic_id, spec in (raw.get("topics") or {}).items()
        }
        return _Rules(
            greetings=[str(word) for word in reading["greetings"]],
            asking_words=[str(word) for word in reading.get("asking_words", [])],
            context_openers=[str(word) for word in reading["context_openers"]],
            question_words=[str(word) for word in reading["question_words"]],
            question_endings=[str(word) for word in reading["question_endings"]],
            question_endings_inside=[str(word) for word in reading["question_endings_inside"]],
            not_asking=[str(word) for word in reading["not_asking"]],
            requests=re.compile(str(reading["requests"])),
            same_question=[str(word) for word in reading["same_question"]],
            second_question_lead=float(reading["second_question_lead"]),
            next_question=[str(word) for word in reading["next_question"]],
            followup_openers=[str(word) for word in reading["followup_openers"]],
            followup_closers=[str(word) for word in reading["followup_closers"]],
            not_ours=[str(word) for word in reading.get("not_ours", [])],
            introductions=[str(word) for word in reading.get("introductions", [])],
            priceless_topics=[str(prefix) for prefix in reading.get("priceless_topics", [])],
            price_words=[str(word) for word in reading.get("price_words", [])],
            sure_not_ours=[str(word) for word in reading.get("sure_not_ours", [])],
            other_makers=[str(word) for word in reading.get("other_makers", [])],
            supplies=[str(word) for word in reading.get("supplies", [])],
            age_openers=[str(word) for word in reading.get("age_openers", [])],
            years_ago={str(word): int(years) for word, years in (reading.get("years_ago") or {}).items()},
            acceptance_words=[str(word) for word in reading.get("acceptance_words", [])],
            except_openers=[str(word) for word in reading.get("except_openers", [])],
            not_asked_openers=[str(word) for word in reading.get("not_asked_openers", [])],
            known_enders=[str(word) for word in reading.get("known_enders", [])],
            negations=[str(word) for word in reading.get("negations", [])],
            not_negations=[str(word) for word in reading.get("not_negations", [])],
            clarify_max_chars=int(reading.get("clarify_max_chars", 0)),
            topicless_words=[str(word) for word in reading.get("topicless_words", [])],
            clarify_choices=[str(topic_id) for topic_id in reading.get("clarify_choices", [])],
            kinds={
                str(kind): {key: [str(v) for v in spec[key]] for key in ("words", "topics")}
                for kind, spec in (raw.get("kinds") or {}).items()
            },
            needs={
                str(need): {key: [str(v) for v in spec[key]] for key in ("words", "topics")}
                for need, spec in (raw.get("needs") or {}).items()
            },
            replaced_part=dict(raw.get("replaced_part") or {}),
            slots=dict(raw.get("slots") or {}),
            topics=topics,
            device=dict(raw.get("device") or {}),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise KnowledgeBaseError(f"{path}: bad answer rules ({error})") from error


# An answer that opens with a yes (「有。」「可以。」) answers a yes-or-no question; asked how often, how much
# or how (「保养一年做几次」), the yes is left out and the answer starts with what was asked.
_YES_LEAD = re.compile(r"^(?:有|可以|能|会|是的|是)。")
_YES_OR_NO = re.compile(r"吗|么|是否|(.)不\1|(.)没\2|[不没]$|[不没][？?]$|嘛$|呢$")


def _fitted(answer: str, said: str) -> str:
    if _YES_OR_NO.search(said.strip()) or not _YES_LEAD.match(answer):
        return answer
    return _YES_LEAD.sub("", answer)
