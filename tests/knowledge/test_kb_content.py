"""The real FAQ in kb/: it loads, lints clean, and the retriever finds the right entry."""

import pytest

from bot.config import PROJECT_ROOT
from bot.knowledge import KnowledgeBase, Verdict
from bot.policy import load_policy

KB_DIR = PROJECT_ROOT / "kb"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(KB_DIR, load_policy(KB_DIR / "policy.yml"))


def test_every_entry_loads_complete_with_its_numbers_filled_in(kb: KnowledgeBase) -> None:
    assert len(kb.entries) >= 60
    files = {path.name for path in (KB_DIR / "faq").glob("*.yml")}
    assert {entry.file for entry in kb.entries} == files
    for entry in kb.entries:
        assert len(entry.paraphrases) >= 4, entry.id
        assert entry.answer and "{" not in entry.answer and "}" not in entry.answer, entry.id
        assert entry.tags and entry.source, entry.id


def test_the_faq_lints_clean(kb: KnowledgeBase) -> None:
    assert kb.check() == []


def test_each_canonical_question_is_answered_by_its_own_entry(kb: KnowledgeBase) -> None:
    wrong = []
    for entry in kb.entries:
        result = kb.ask(entry.question)
        if result.verdict is not Verdict.ANSWER or result.hits[0].id != entry.id:
            wrong.append((entry.id, result.verdict, result.hits[:1]))
    assert wrong == []


def test_leave_one_out_supports_the_thresholds(kb: KnowledgeBase) -> None:
    """Each paraphrase, removed from the index, still finds its entry, mostly with an ANSWER-level score."""
    results = kb.held_out()
    found = [r for r in results if r.best_id == r.variant.entry_id]
    confident = [r for r in found if r.best_score >= kb.settings.answer_threshold]
    suggested = [r for r in found if r.best_score >= kb.settings.suggest_threshold]
    assert len(found) / len(results) >= 0.97
    assert len(confident) / len(results) >= 0.8
    assert len(suggested) / len(results) >= 0.9


# Colloquial questions that are not in the YAML, each with the entry it must find.
HELD_OUT = [
    ("我们医院的生化仪保修到底几年", "warranty.length"),
    ("质保是从哪天开始计算的", "warranty.start_date"),
    ("保修期里机器坏了修理收钱不", "warranty.coverage"),
    ("科室的人不小心把机器摔了还保吗", "warranty.coverage"),
    ("修的时候给换了个新零件，这个零件保修怎么算", "warranty.replaced_parts"),
    ("保修快到期了想续保", "warranty.extended"),
    ("我们那台老生化仪用了十多年还能修吗", "warranty.lifelong"),
    ("出了保修期坏了维修费怎么算", "fees.after_warranty"),
    ("报修以后要等多长时间才有人回复", "deadlines.first_response"),
    ("我们在外地，工程师多长时间能到医院", "deadlines.onsite"),
    ("你们的工程师几个小时能到现场", "deadlines.onsite"),
    ("重大故障要多少天能修好", "deadlines.major_repair"),
    ("机器送修期间能给个备用机吗", "deadlines.loaner"),
    ("电话里教了半天还是解决不了", "deadlines.dispatch"),
    ("急诊的血球仪停机了病人都在排队", "deadlines.urgent"),
    ("等厂家发配件得等几天", "parts.lead_time"),
    ("需要把设备寄回厂里修吗，要多久", "parts.return_to_base"),
    ("你们换的是原厂的件吗", "parts.original"),
    ("维修报告多久能发给我们", "reports.service_report"),
    ("想看看这台机器以前修过什么", "reports.device_file"),
    ("我们报修的单子现在什么进度", "reports.progress"),
    ("保修期内免费保养多久一次", "maintenance.preventive"),
    ("过保以后定期保养还来做吗", "maintenance.after_warranty"),
    ("下周的保养能不能推迟几天", "maintenance.reschedule"),
    ("新装的机器谁来培训操作", "training.basic"),
    ("今年的免费专项培训什么时候安排", "training.advanced"),
    ("科室新来了几个护士不会用仪器", "training.new_staff"),
    ("服务评分最高几分", "followup.satisfaction"),
    ("我要投诉你们的工程师", "complaints.how"),
    ("工程师说好上午来到现在还没到", "complaints.late"),
    ("售后电话是多少啊", "hotline.contact"),
    ("过年期间有人值班吗", "hotline.contact"),
    ("可以在微信公众号上报修吗", "hotline.channels"),
    ("我不想跟机器人说，帮我转人工", "hotline.human"),
    ("早上开生化仪之前要看什么", "care.chemistry.startup"),
    ("生化仪的反应杯怎么清洗", "care.chemistry.cuvette"),
    ("生化试剂开封以后能放多长时间", "care.chemistry.reagent"),
    ("生化仪用的纯水有什么要求", "care.chemistry.water"),
    ("原子吸收点火先开哪个气", "care.aas.ignition"),
    ("空心阴极灯要预热多长时间", "care.aas.lamp_warmup"),
    ("乙炔气瓶漏气怎么办", "care.aas.gas_safety"),
    ("血细胞分析仪小孔堵了", "care.hematology.clog"),
    ("电解质仪的电极需要怎么维护", "care.electrolyte.electrodes"),
    ("尿试纸条开瓶后怎么保存", "care.urine.strips"),
    ("仪器外壳能用酒精消毒吗", "care.general.cleaning"),
    ("科室要搬到新楼，仪器怎么搬", "care.general.moving"),
    ("屏幕上老弹出错误代码怎么办", "care.general.alarm"),
]


def test_held_out_questions_are_not_in_the_faq(kb: KnowledgeBase) -> None:
    texts = {text for entry in kb.entries for text in entry.variants}
    assert not texts & {question for question, _ in HELD_OUT}


@pytest.mark.parametrize(("question", "entry_id"), HELD_OUT)
def test_held_out_question_finds_its_entry(kb: KnowledgeBase, question: str, entry_id: str) -> None:
    result = kb.ask(question)
    assert result.verdict in (Verdict.ANSWER, Verdict.SUGGEST)
    assert result.hits[0].id == entry_id


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("发光仪多久定标一次", "care.immunoassay.calibration"),
        ("生化仪多久定标一次", "care.chemistry.calibration_qc"),
        ("电解质仪能一直开着吗", "care.electrolyte.standby"),
        ("生化仪能一直开着吗", "care.chemistry.shutdown"),
        # A model code names its device type (kb/devices.yml), however it is typed.
        ("KR-2000多久定标一次", "care.chemistry.calibration_qc"),
        ("ms600多久定标一次", "care.immunoassay.calibration"),
        ("EL-300能一直开着吗", "care.electrolyte.standby"),
    ],
)
def test_the_device_named_picks_the_device_care_entry(
    kb: KnowledgeBase, question: str, entry_id: str
) -> None:
    result = kb.ask(question)
    assert result.verdict is Verdict.ANSWER
    assert result.hits[0].id == entry_id


def test_a_near_tie_is_offered_as_choices(kb: KnowledgeBase) -> None:
    result = kb.ask("多久定标一次")  # which analyser?
    assert result.verdict is Verdict.SUGGEST
    assert {hit.id for hit in result.hits[:2]} == {
        "care.chemistry.calibration_qc",
        "care.immunoassay.calibration",
    }


OFF_TOPIC = [
    "今天天气怎么样",
    "明天会下雨吗",
    "中午吃什么好",
    "红烧肉怎么做",
    "附近有什么好吃的",
    "今天股票行情怎么样",
    "茅台股价多少",
    "比特币能买吗",
    "帮我写首诗",
    "写一篇作文",
    "给我讲个笑话",
    "推荐一部电影",
    "世界杯谁赢了",
]


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_get_no_answer(kb: KnowledgeBase, question: str) -> None:
    assert kb.ask(question).verdict is Verdict.NONE
    assert kb.ask(question).hits == []


def test_normalisation_makes_variants_score_alike(kb: KnowledgeBase) -> None:
    def top(question: str) -> tuple[str, float]:
        hit = kb.ask(question).hits[0]
        return hit.id, hit.score

    assert top("保修幾年啊") == top("保修几年啊")  # traditional Chinese
    assert top("ＡＡＳ的燈要預熱多久？") == top("aas的灯要预热多久")  # full-width, traditional, case
    assert top("质保期多长") == top("保修期多长") == top("保固期多长")  # synonyms
    assert top("师傅多久能到") == top("工程师多久能到")
    assert top("血常规仪怎么保养") == top("血球仪怎么保养")  # a device alias from kb/devices.yml
    assert top("KR-2000怎么保养") == top("kr2000怎么保养") == top("KR 2000怎么保养") == top("生化仪怎么保养")
    assert top("电介质仪怎么保养") == top("电解质仪怎么保养")  # a typo of the device word
    assert top("要寄回厂里修吗") == top("要返厂修吗")  # 厂里 → 厂家, then 寄回厂家 → 返厂
    assert top("报警码啥意思") == top("报警码什么意思")  # dialect question words


def test_k_limits_the_hits(kb: KnowledgeBase) -> None:
    assert len(kb.ask("保修几年", k=1).hits) == 1
    assert len(kb.ask("保修几年", k=3).hits) <= 3
