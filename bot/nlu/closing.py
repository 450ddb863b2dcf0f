"""A message made only of thanks, goodbyes and acknowledgements closes politely, never with a menu.

「晓得了」, 「好嘞 明白了 谢谢啊」, 「要得 那我们等到起」, 「没别的了 xiexie」: said after an answer, in
dialect, pinyin or with a typo, the n-gram classifier spreads them over thank, affirm, deny and whatever their
letters resemble, and the bot offered 「您是想…」 (issue 12). Nothing in them is a detail, a request or a
question: once the colloquial words are read as standard ones (colloquial.yml), every piece is a word of
closing. Such a message is `goodbye` when it says there is nothing more (「没别的了」「拜拜」), `thank` when
it thanks, and `affirm` when it only acknowledges (「晓得了」「收到」「那我们等着」「得嘞 我这就打」), which
outside a form the bot answers with a short 「好的」.

A yes to what was just arranged (「就这么约」「行 就按这个来」「那就这么定了」) is `affirm`, even with a
goodbye (「没别的了 就这么约」): right after a booking it hears the booking said again (actions/requests.py),
never a plain 「再见」.

A bare 「好的」「对」「嗯」 is left to the classifier (it confirms a read-back), and so is a message the
classifier read as a yes or a no: in a form those answer the question. A hazard stays a hazard. In config.yml
after the FallbackClassifier, whose doubt it resolves.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.colloquial import standard_words
from bot.nlu.rule_component import RuleComponent, decide_intent
from bot.safety import HAZARD_INTENT

THANK = "thank"
GOODBYE = "goodbye"
AFFIRM = "affirm"

_BYE = (
    r"再见|拜拜|回头见|回头聊|下次再说|先这样(?:吧)?|就这样(?:吧)?|就这些(?:了)?|挂了|bye|seeyou|"
    r"没(?:有)?(?:别的|其他|其它)(?:的)?(?:事|事情|问题|需要)?(?:了)?|没事了|没什么事了|没啥事了"
)
_THANKS = (
    r"谢谢(?:你们?|您)?|多谢(?:你们?|您)?|感谢(?:你们?|您)?|谢了|谢啦|感恩|有劳|"
    r"(?:many)?thanks?(?:you)?(?:alot|somuch|verymuch)?|thx|ty|"
    r"辛苦(?:你们?|您)?(?:了|啦)?|麻烦(?:你们?|您)?了"
)
# Said on its own, each of these means 「I understood」 or 「we'll wait」, never a value or a request.
# 「我这就打」「好 我自己打过去」 after the hotline's number was given, 「号码记下了」, 「我回头跟科里说一声」
# after an answer: taken note of too. Not 「我考虑一下」「商量商量」: undecided, never a yes to a question.
_LATER = r"(?:这就|马上|现在|立马|回头|待会儿?|等会儿?|一会儿?|先|再)?"
_UNDERSTOOD = (
    r"知道|明白|了解|懂了|清楚了|收到|"
    r"(?:那)?(?:我们|我)?(?:就)?等着(?:吧|就是了|就行)?|等(?:你们|您)?的?(?:消息|电话|通知|回电)|"
    f"{_LATER}(?:自己)?(?:去)?(?:拨|打)(?:过去|电话|这个(?:号码?|电话)?|热线|一下)?|"
    r"(?:号码?|电话)?(?:我们?)?(?:已经)?记(?:下|住|好)(?:来)?|"
    f"{_LATER}(?:去)?(?:跟|和|给)(?:科里|科室|主任|领导|同事|他们|设备科|院里|医院)(?:的人)?"
    r"(?:说|讲|汇报|反映)(?:一声|一下)?"
)
# What may come with them: a yes, a particle, a 那 or 我们 (「那好」「行吧」「嗯嗯」).
_FILLER = (
    r"好的|好嘞|好|行|可以|嗯+|哦+|噢|喔|ok|okay|那|我们|我|就|了|"
    r"啊|呀|哈|啦|嘞|呢|吧|的|哟|嘛|呐|咯|喽|哒|滴"
)
# 「就这么约」「就按这个来」「按你说的办」「那就这么定了」: a yes to the arrangement just made.
_AS_ARRANGED = (
    r"(?:那|就|那就)?(?:这么|这样|按(?:这个|这样|这么|你说的|您说的|刚才说的|你们说的|你们的|你的)(?:安排)?)"
    r"(?:约|定|办|来|弄|安排|登记|预约)(?:了|吧|呗|哈|啦|嘛|呀|就行|就好)*"
)
_PUNCTUATION = re.compile(r"[\s,，。.!！~～、…?？:：;；\"'“”]+")
_ANY = re.compile(
    f"(?:{_AS_ARRANGED})|(?:{_BYE})|(?:{_THANKS})|(?:{_UNDERSTOOD})|(?:{_FILLER})", re.IGNORECASE
)
_SAYS_AS_ARRANGED = re.compile(_AS_ARRANGED)
_SAYS_BYE = re.compile(_BYE)
_SAYS_THANKS = re.compile(_THANKS)
_SAYS_UNDERSTOOD = re.compile(_UNDERSTOOD)
# 「自检过了，质控也跑完了，能用了，谢谢啊」 after a check that solved it: what works again, said with
# thanks or a goodbye, closes too. Without them it is left to the classifier (in a form: the fault went away).
_WORKS_NOW = re.compile(
    r"[^不没还又]{0,8}?(?:好了|恢复了|恢复正常了|正常了|能用了|可以用了|能开机了|通过了|过了|跑完了|做完了|"
    r"出来了|出结果了|没问题了|没事了|搞定了|弄好了|修好了)"
)
_STILL_WRONG = re.compile(r"报警|报错|故障|错误|不行|不了|不能|坏|还是|又")
# The classifier's reads a closing word does not overrule: a yes or a no answers a question, a hazard is one.
_KEEPS_ITS_INTENT = frozenset({"affirm", "deny", HAZARD_INTENT})


def closing_intent(text: str) -> str | None:
    """goodbye, thank or affirm for a message that is only words of closing, else None."""
    said = _PUNCTUATION.sub("", standard_words(text.lower()))
    if not said:
        return None
    if _ANY.sub("", said):
        return _works_now_with_thanks(said)
    if _SAYS_AS_ARRANGED.search(said):
        return AFFIRM  # it confirms what was arranged, goodbye or not
    if _SAYS_BYE.search(said):
        return GOODBYE
    if _SAYS_THANKS.search(said):
        return THANK
    if _SAYS_UNDERSTOOD.search(said):
        return AFFIRM
    return None  # 「好的」「嗯」 alone: the classifier knows those


def _works_now_with_thanks(said: str) -> str | None:
    """thank or goodbye for 「能用了 谢谢啊」「自检过了质控也跑完了 多谢 拜拜」, else None."""
    if _STILL_WRONG.search(said) or not (_SAYS_THANKS.search(said) or _SAYS_BYE.search(said)):
        return None
    rest = _WORKS_NOW.sub("", said)
    if rest == said or _ANY.sub("", rest):
        return None
    return GOODBYE if _SAYS_BYE.search(rest) else THANK


def agrees_as_arranged(text: str) -> bool:
    """Only words of closing, with a yes to the arrangement just made (「没别的了 就这么约」「按这个来」)."""
    said = _PUNCTUATION.sub("", standard_words(text.lower()))
    return closing_intent(text) == AFFIRM and bool(_SAYS_AS_ARRANGED.search(said))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ClosingWords(RuleComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            read = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not text or read in _KEEPS_ITS_INTENT:
                continue
            intent = closing_intent(text)
            if intent:
                decide_intent(message, intent)
        return messages
