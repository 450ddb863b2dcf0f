"""Per-field validators: a value is kept only when it plausibly is one of that field, cleaned of filler."""

from __future__ import annotations

import pytest

from bot import fields


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("漯河市第二人民医院", "漯河市第二人民医院"),
        ("我们是漯河市第二人民医院", "漯河市第二人民医院"),
        ("医院是驻马店市第三人民医院，前面要加驻马店市", "驻马店市第三人民医院"),
        ("开封市第三人民医院检验科的", "开封市第三人民医院"),
        ("河南省信阳市中心医院", "河南省信阳市中心医院"),
        ("固始县人民医院", "固始县人民医院"),
        ("城郊乡卫生院", "城郊乡卫生院"),
        # who is speaking, in the caller's own words and dialect, is no part of the name
        ("我这个是那个保定市古莲医院检验科的啊", "保定市古莲医院"),
        ("介是天津市武清区运河医院", "天津市武清区运河医院"),
        ("额是汉中市汉台安康医院检验科", "汉中市汉台安康医院"),
        ("俺们这是齐齐哈尔市建华医院检验科", "齐齐哈尔市建华医院"),
        # whose hospital it is, said without 「是」: 「我们」「我院」「咱们这边」「俺们」
        ("我院信阳市光华医院", "信阳市光华医院"),
        ("咱们这边南阳市宛城区仁济医院检验科", "南阳市宛城区仁济医院"),
        ("俺们鹤壁市淇滨康宁医院", "鹤壁市淇滨康宁医院"),
        ("我们医院叫周口市川汇同心医院", "周口市川汇同心医院"),
        ("额们这达榆林市榆阳区塞上医院", "榆林市榆阳区塞上医院"),
        # a field's name before the hospital said as part of the contact
        ("联系人是晋城市城区泽州医院输血科郝丽君", "晋城市城区泽州医院"),
        ("我们医院", None),
        ("赵红梅 18837056789", None),
        ("检验科", None),
        ("/report_fault", None),
        ("不知道", None),
    ],
)
def test_hospital_names_are_kept_whole_or_refused(text: str, wanted: str | None) -> None:
    assert fields.hospital(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("王敏", "王敏"),
        ("李老师", "李老师"),
        ("我叫刘晓燕", "刘晓燕"),
        ("姓王", "王"),
        ("就写孟护士长吧", "孟护士长"),
        ("不用试了", None),
        ("许昌市魏都区健康路1号", None),
        ("张建国 13703791234", None),
        ("检验科", None),
        ("好的", None),
        ("/inform", None),
        ("设备在二楼", None),
        # Surnames that are also place words.
        ("路明", "路明"),
        ("楼建国", "楼建国"),
        ("姓路", "路"),
        ("路老师", "路老师"),
        ("楼上", None),
        ("路口", None),
        ("二楼", None),
        ("路号", None),
        # 那 is a surname (Mongolian and Manchu names) and the opening of phrases
        ("那日苏", "那日苏"),
        ("我是那顺", "那顺"),
        ("那边", None),
        ("那咋办", None),
        ("那就这样吧", None),
        ("那算了", None),
        # which devices to report, said to the name question
        ("两台都报", None),
        # a role said before the name
        ("助理仝晓东", "仝晓东"),
        ("进修生马丽", "马丽"),
        # Waiting, not a name.
        ("等一下", None),
        ("稍等", None),
        ("我问问", None),
        ("马上", None),
        ("马上飞", "马上飞"),
        ("等下", None),
        # Yes to a question, not a name (可, 开 are surnames too).
        ("可以", None),
        ("开始吧", None),
        ("可欣", "可欣"),
        # 栋 and 道 are place words that names hold too
        ("袁国栋", "袁国栋"),
        ("李道明", "李道明"),
        # five characters: Mongolian and Uyghur names are longer; a phrase is still none
        ("乌云其其格", "乌云其其格"),
        ("阿依古丽", "阿依古丽"),
        ("我问下同事", None),
        # a character spelled out with the name
        ("是耳东陈的陈 陈静", "陈静"),
        # the surname described by its parts, and what it is not
        ("是黄 草头黄 不是三横一竖那个王 黄秀清", "黄秀清"),
        ("张 弓长张", "张"),
        ("李 红梅", "李红梅"),
        # the surname first, then the whole name; 免贵 before a surname of two
        ("姓谭 谭晓光", "谭晓光"),
        ("免贵姓谭叫谭晓光", "谭晓光"),
        ("免贵姓司马", "司马"),
        # what to do next is no name
        ("先跳过", None),
        ("这个先空着", None),
        # the request said again is no name
        ("报修", None),
        ("要维修", None),
        ("直接登记", None),
        ("那就登记吧", None),
        ("钾四点一", None),
    ],
)
def test_a_person_is_a_name_or_title(text: str, wanted: str | None) -> None:
    assert fields.person(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("许昌市魏都区健康路1号", "许昌市魏都区健康路1号"),
        ("跟刚才一样，许昌市魏都区健康路1号", "许昌市魏都区健康路1号"),
        ("商丘市梁园区 具体门牌我不清楚", "商丘市梁园区"),
        ("地址是信阳市浉河区东方红大道88号", "信阳市浉河区东方红大道88号"),
        ("门诊楼三楼", "门诊楼三楼"),
        ("检验科", None),
        ("急诊化验室", None),
        ("就在医院里啊，你们以前来过", None),
        ("郑州市金水医院", None),  # where the engineer goes is asked, not who the hospital is
        ("我问下同事序列号", None),  # 号 of 序列号 is no house number
        ("袁国栋", None),  # a name
        ("你们工程师多久能到？我们在县里", None),  # a question
        ("这样弄会不会把机器弄坏", None),  # a question, though 弄 is a lane
        # a device's own paths are faults, though 路 and 道 are place words
        ("仪器老是报气路压力低", None),
        ("液路那块在漏水", None),
        ("废液管道堵住了", None),
        ("焦作市解放区电厂路20号", "焦作市解放区电厂路20号"),
        ("郑州市金水医院住院部3楼", "郑州市金水医院住院部3楼"),
        ("新郑市龙湖镇卫生院", "新郑市龙湖镇卫生院"),  # a township's clinic is its own address
        ("跟刚才一样", None),
        ("13912345678", None),
        ("/report_fault", None),
    ],
)
def test_an_address_has_place_words_and_no_filler(text: str, wanted: str | None) -> None:
    assert fields.address(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("检验科", "检验科"),
        ("急诊化验室", "急诊化验室"),
        ("科室是输血科", "输血科"),
        ("中心实验室", "中心实验室"),
        ("郑州市嘉禾医院", None),
        ("13912345678", None),
        ("许昌市魏都区健康路1号", None),
    ],
)
def test_a_department_ends_like_one(text: str, wanted: str | None) -> None:
    assert fields.department(text) == wanted


@pytest.mark.parametrize(
    "text",
    # a sound before speaking, alone or with what follows
    ["诶", "唉", "嘿", "哎哟", "欸", "噢", "哎 不是一病区 是二病区", "诶呀 稍等啊"],
)
def test_an_interjection_is_no_name(text: str) -> None:
    assert fields.person(text) is None


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("欸 孟庆华", "孟庆华"),
        ("唉，钱晓梅", "钱晓梅"),
        ("努尔·艾合买提", "努尔·艾合买提"),  # a transliterated name keeps its dot
        ("吐尔洪·阿不力孜", "吐尔洪·阿不力孜"),  # and any sound, 不 too
        ("艾华", "艾华"),  # 艾 is a surname, 哎 is not
        ("我同事鲍志强", "鲍志强"),  # who they are to the caller is no part of the name
    ],
)
def test_a_name_after_an_interjection_is_the_name(text: str, wanted: str) -> None:
    assert fields.person(text) == wanted


@pytest.mark.parametrize("text", ["係 冇錯", "对头 交上去嘛", "啱 冇问题", "中 没毛病 提交", "嗯呐 对"])
def test_a_yes_in_any_dialect_is_no_value_of_any_field(text: str) -> None:
    assert fields.person(text) is None
    assert fields.clinical_impact(text) is None
    assert fields.fault(text) is None


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("血常规做不了，急诊在等", "血常规做不了，急诊在等"),
        ("临床影响是门诊的生化全停了", "门诊的生化全停了"),
        ("18837056789", None),
        ("对", None),
        ("/affirm", None),
        # which devices to report is no impact; what stopped is
        ("对 两台都报", None),
        ("两个都修吧", None),
        ("两台都停了，急诊在等", "两台都停了，急诊在等"),
        # the question left open, and a yes with a particle
        ("这个跳过吧 我说不好 主任不在", None),
        ("对的 提交嘛", None),
        ("门诊的生化慢一点", "门诊的生化慢一点"),
        # someone sent for, or the check declined, in the same breath is no impact
        ("影响不大 微量元素可以推两天 远程就算了 派人来看看", "影响不大 微量元素可以推两天"),
        ("病人等着 你们快点派人来", "病人等着"),
        ("明天来都行", "明天来都行"),
    ],
)
def test_a_clinical_impact_is_words_not_a_number(text: str, wanted: str | None) -> None:
    assert fields.clinical_impact(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("病房护士，我们科的血细胞分析仪开不了机了", "我们科的血细胞分析仪开不了机了"),
        ("开封市第三人民医院检验科的，血球仪报堵孔", "血球仪报堵孔"),
        ("故障不对，是点火点不着", "点火点不着"),
        ("报修：尿液分析仪传送带不动", "尿液分析仪传送带不动"),
        # how the story opens is no part of it
        ("是这样子的，昨晚尿机试纸条走不动了", "昨晚尿机试纸条走不动了"),
        ("这样子的话结果都不准", "这样子的话结果都不准"),
        # the hotline asked after, the device alone, an exclamation: before the story, no part of it
        ("是售后吧，我们那台血凝仪，怎么搞的今天开机就报温度异常", "今天开机就报温度异常"),
        ("是客服吗，尿液分析仪UA-900，搞啥子哦试纸条走不动了", "试纸条走不动了"),
        ("/report_fault", None),
        ("报修", None),
        ("我要报修", None),
        ("对", None),
    ],
)
def test_a_fault_is_the_fault_without_who_is_calling(text: str, wanted: str | None) -> None:
    assert fields.fault(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (
            "今天开机搅拌杆就不转哒，一直报搅拌异常，远程就莫搞哒，你们直接派个人来咯",
            "今天开机搅拌杆就不转哒，一直报搅拌异常",
        ),
        ("血常规做勿出来 远程勿要了 侬直接叫工程师过来好伐", "血常规做勿出来"),
        ("试剂针一直报液面探测失败 莫得远程哈 直接喊个人过来", "试剂针一直报液面探测失败"),
        ("进样架推不过去 恁也甭教俺弄了 直接派个人来中不中", "进样架推不过去"),
        ("冲洗以后还是报堵孔 我不敢动了 直接派人吧", "冲洗以后还是报堵孔"),
        ("磁珠混匀那块就不转了 远程那啥就拉倒吧 麻溜派个人过来", "磁珠混匀那块就不转了"),
        ("石墨炉升温到一半就报温度传感器异常 这周来就行", "石墨炉升温到一半就报温度传感器异常"),
        # what happened with an engineer or a try is the story, not a wish
        ("工程师上次来过以后又坏了", "工程师上次来过以后又坏了"),
        ("样本针弯了，我试了一下", "样本针弯了，我试了一下"),
    ],
)
def test_what_the_caller_wants_done_is_no_part_of_the_fault_in_any_dialect(text: str, wanted: str) -> None:
    assert fields.fault(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # help asked for, in other words than 「远程教教我」
        ("离心机转速上不去 报E-03 能不能远程指导一下", "离心机转速上不去 报E-03"),
        ("血凝仪测试杯卡住了 你们可以帮忙看看吗", "血凝仪测试杯卡住了"),
        ("尿机进样架不走了 这可咋办啊", "尿机进样架不走了"),
        # when to come, urgency
        ("电解质仪钠结果偏低 不急 后天来人就行", "电解质仪钠结果偏低"),
        ("打印机不出纸 下周三过来就可以", "打印机不出纸"),
        ("质控一直失控，挺急的", "质控一直失控"),
        # how the caller feels, and a check declined the long way round
        ("凝血仪一直报光源异常 真愁人 远程弄不好就别弄了 你派人吧", "凝血仪一直报光源异常"),
        ("尿机试纸条卡纸，烦死了", "尿机试纸条卡纸"),
        ("血凝仪测试杯卡住 你们得空派个师傅来瞧瞧就行", "血凝仪测试杯卡住"),
        # the hour of the call and questions to the hotline
        ("凌晨三点多 血气分析仪一直报定标失败 有人值班吗", "血气分析仪一直报定标失败"),
        ("大半夜的 生化仪试剂针撞了", "生化仪试剂针撞了"),
        ("工程师啥时候能到 发光仪报温度超限", "发光仪报温度超限"),
        ("哎您好 尿机试纸条走一半就停 这是咋回事啊 您了甭跟我这教了", "尿机试纸条走一半就停"),
        # what waits or was done with the samples: the clinical impact
        ("血球仪吸样针堵了 门诊的血常规先拿到二楼那台做了", "血球仪吸样针堵了"),
        ("凝血仪光路报警 标本先放冰箱里冻着", "凝血仪光路报警"),
        ("化学发光仪加样臂不动了 病房的家属都在外面等着", "化学发光仪加样臂不动了"),
        ("血气分析仪一进样就报E-12 家属在走廊等", "血气分析仪一进样就报E-12"),
        # a clause with a fault's words is the symptom, whatever else it says
        ("样本针堵了怎么办", "样本针堵了怎么办"),
        ("样本上机后一直等不到结果", "样本上机后一直等不到结果"),
        ("温度显示三十四度 设定是三十七度", "温度显示三十四度 设定是三十七度"),
    ],
)
def test_asides_are_no_part_of_the_fault(text: str, wanted: str) -> None:
    assert fields.fault(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("嘉兴市南湖区中环南路1号 远程就免了", "嘉兴市南湖区中环南路1号"),
        ("遵义市红花岗区丁字口路20号，明天来就行", "遵义市红花岗区丁字口路20号"),
        ("上海市黄浦区淮海中路100弄3号", "上海市黄浦区淮海中路100弄3号"),  # 弄: a lane
        ("那远程也不弄了", None),  # 弄 in a wish: no lane
        ("我可不敢再弄了", None),  # nor in a fear
        ("接着弄 上一步做完了 还是报警", None),  # nor in a step report
        ("覅弄远程了", None),  # 覅/嫑: 不要, in dialect
        ("咸阳市秦都区人民路15号 嫑弄远程了", "咸阳市秦都区人民路15号"),
    ],
)
def test_an_address_holds_no_wish(text: str, wanted: str | None) -> None:
    assert fields.address(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("0370 - 322 6789", "0370-3226789"),
        ("0370 3226789", "0370-3226789"),
        ("一三九 一二三四 五六七八", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("12345", None),
    ],
)
def test_phones_mobile_and_landline(text: str, wanted: str | None) -> None:
    assert fields.phone(text) == wanted


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("序列号BC25110236的血球仪老报堵孔，先教我怎么弄", "血球仪老报堵孔"),
        ("发光仪加样针撞了，你先带我看一下", "发光仪加样针撞了"),
        ("原子吸收火焰点不着，你们先电话里指导一下", "原子吸收火焰点不着"),
    ],
)
def test_asking_to_be_walked_through_is_no_part_of_the_fault(text: str, fault: str) -> None:
    assert fields.fault(text) == fault
    assert fields.asks_for_guidance(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("额是化验室的惠小丽 电话15800027913", "惠小丽"),  # 额: 我 in 陕西话
        ("俺叫于洪亮 电话幺三九", "于洪亮"),
        ("我姓郝 郝建波 电话是一三七", "郝建波"),
        ("我是衢州市柯城医院检验科主任邵志刚，电话13900351386", "邵志刚"),
        # the contact's hospital and department said before the name, without 的
        ("联系人是晋城市城区泽州医院输血科郝丽君 手机13900026411", "郝丽君"),
    ],
)
def test_the_name_a_caller_gives_inside_a_report(text: str, name: str) -> None:
    assert fields.person_in(text) == name


def test_a_colleague_reporting_is_named_after_the_word_colleague() -> None:
    assert fields.person_in("我是她同事任杰 13598203347 BC71000001这台还是堵孔 报修") == "任杰"


@pytest.mark.parametrize(
    ("current", "said", "wanted"),
    [
        ("赤峰市红山区哈达街14号", "哈达街41号", "赤峰市红山区哈达街41号"),
        ("赤峰市红山区哈达街14号", "41号", "赤峰市红山区哈达街41号"),
        # another street said whole: the building and floor stay
        ("红旗区平原路8号门诊楼三楼", "新乡市红旗区胜利路120号", "新乡市红旗区胜利路120号门诊楼三楼"),
        ("红旗区平原路8号门诊楼三楼", "新乡市红旗区胜利路120号急诊楼", "新乡市红旗区胜利路120号急诊楼"),
        ("许昌市魏都区健康路1号", "许昌市魏都区文峰路27号", "许昌市魏都区文峰路27号"),
        # the floor said again
        ("许昌市魏都区健康路1号门诊楼五楼", "六楼", "许昌市魏都区健康路1号门诊楼六楼"),
    ],
)
def test_a_corrected_address_keeps_what_was_not_corrected(current: str, said: str, wanted: str) -> None:
    assert fields.amended_address(current, said) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("延安市宝塔山医院儿科化验室 额是化验室的惠小丽", "儿科化验室"),
        ("许昌市中心医院检验科的刘燕", "检验科"),
        ("我们急诊化验室的KR-800", "急诊化验室"),
        # the lab of a clinic as its staff call it, and the whole name where it has one
        ("运城市盐湖区河东医院 门诊化验 尿机卡纸", "门诊化验"),
        ("运城市盐湖区河东医院急诊检验科的", "急诊检验科"),
        # whose it is, before which: the city's short name for the hospital is no part of the department
        ("我们三院输血科的血型仪坏了", "输血科"),
    ],
)
def test_the_department_named_in_passing_is_the_whole_name(text: str, wanted: str) -> None:
    assert fields.department_in(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # a room of a department, named with it
        ("酒泉市肃州区阳关医院儿科检验室 血球仪一直报堵孔", "儿科检验室"),
        ("我们急诊科化验室的电解质仪坏了", "急诊科化验室"),
        ("我们检验科血球仪坏了", "检验科"),
        ("我是检验科主任贺建军", "检验科"),
    ],
)
def test_the_department_a_report_names_in_passing(text: str, wanted: str) -> None:
    assert fields.department_in(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted", "in_report"),
    [
        ("CCU", "CCU", "衡水市桃城区安济医院CCU的血球仪一直报堵孔"),
        ("我们是EICU", "EICU", "邢台市信都区顺德康和医院 EICU 电解质仪钠电极漂"),
        ("picu", "picu", "沧州市运河区狮城医院picu，尿液分析仪卡样"),
        ("心内CCU", "心内CCU", "廊坊市广阳区安次仁和医院心内CCU的生化仪报温度异常"),
    ],
)
def test_a_care_unit_named_in_latin_letters_is_a_department(text: str, wanted: str, in_report: str) -> None:
    assert fields.department(text) == wanted
    assert fields.department_in(in_report) == wanted


@pytest.mark.parametrize("text", ["ICUS", "ICU病人很多", "CCU12"])
def test_latin_letters_around_a_care_unit_are_no_department(text: str) -> None:
    assert fields.department(text) is None


@pytest.mark.parametrize("text", ["一开机就报管路漏液", "进样以后报气路压力异常", "液路堵了"])
def test_a_symptom_with_a_place_word_is_no_address(text: str) -> None:
    assert fields.address(text) is None


def test_an_address_followed_by_what_the_fault_stopped_is_still_the_address() -> None:
    text = "荆门市东宝区象山大道66号门诊楼三楼 生化全做不了 病人等着"
    assert fields.address(text) == "荆门市东宝区象山大道66号门诊楼三楼"


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("刚刚又跳了个报警，说是洗涤液压力低", "洗涤液压力低"),
        ("还弹了一个提示 写着试剂仓温度高", "试剂仓温度高"),
        ("又跳了个报警，说稀释液不足", "稀释液不足"),
        ("另外又报试剂余量不足了", "试剂余量不足"),
        ("屏幕上新出现一条警告：废液桶满", "废液桶满"),
        # no other alarm: the same one, none named, a fault or a request said with the same words
        ("又出现同样的报警", None),
        ("又报警了", None),
        ("又出毛病了", None),
        ("又显示正常了", None),
        ("还是不行，还出不来结果", None),
        ("还报修吗", None),
        ("再出现的话怎么办", None),
        ("还显示那个", None),
    ],
)
def test_another_alarm_told_in_words(text: str, wanted: str | None) -> None:
    assert fields.alarm_in_words(text) == wanted


@pytest.mark.parametrize("text", ["不是路桥", "不在新华路", "不是东城那个院区"])
def test_what_the_address_is_not_is_no_address(text: str) -> None:
    assert fields.address(text) is None


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # a courtesy before the fault and the request after it (北京话), the shift the caller is on
        ("劳驾，血凝仪一直报光路异常，麻烦给报个修", "血凝仪一直报光路异常"),
        ("您受累，尿机试纸条卡住了，我得报个修", "尿机试纸条卡住了"),
        ("上大夜班，血气仪定标一直不过", "血气仪定标一直不过"),
    ],
)
def test_courtesies_requests_and_the_shift_are_no_part_of_the_fault(text: str, wanted: str) -> None:
    assert fields.fault(text) == wanted


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # dialect words for 「what do I do」, the caller tired of questions, who is calling, an exclamation
        ("血气仪电极一直漂 啷个办哦", "血气仪电极一直漂"),
        ("离心机转不起来了 你们别问那么多了", "离心机转不起来了"),
        ("酶标仪读数全是零；免贵姓蒙", "酶标仪读数全是零"),
        ("哎呀妈呀 发光仪试剂针撞弯了", "发光仪试剂针撞弯了"),
        ("血凝仪一直报光路异常 问来问去的", "血凝仪一直报光路异常"),
        # thanks and pleas, who is speaking, and questions of the questions
        ("尿机试纸条老卡 拜托你们快点", "尿机试纸条老卡"),
        ("哎哟喂 电解质仪钠电极漂了 谢谢啊", "电解质仪钠电极漂了"),
        ("生化仪比色灯不亮 我是小韦", "生化仪比色灯不亮"),
        ("血球仪计数偏低 填这么多干嘛", "血球仪计数偏低"),
        # 问题 is no question of the caller's
        ("一直问题不断 老是卡", "一直问题不断 老是卡"),
    ],
)
def test_asides_exclamations_and_names_are_no_part_of_the_fault(text: str, wanted: str) -> None:
    assert fields.fault(text) == wanted


@pytest.mark.parametrize(
    ("part", "wanted"),
    [
        # Zhuang, Bai and Yi surnames, a two-character surname, a Tibetan and a Uyghur name
        ("韦秀兰", "韦秀兰"),
        ("农志刚", "农志刚"),
        ("岑海燕", "岑海燕"),
        ("普丽华", "普丽华"),
        ("司马文静", "司马文静"),
        ("扎西顿珠", "扎西顿珠"),
        ("热依拉·阿不都", "热依拉·阿不都"),
        # words that start with a surname's character, symptoms, a department: no name
        ("全自动", None),
        ("管理员", None),
        ("白细胞", None),
        ("黄灯闪", None),
        ("漏液了", None),
        ("输血科", None),
        ("周末", None),
    ],
)
def test_a_bare_part_of_a_report_is_a_name_only_when_it_reads_as_one(part: str, wanted: str | None) -> None:
    assert fields.bare_name(part) == wanted


def test_a_two_character_bare_name_only_right_after_the_department() -> None:
    assert fields.bare_name("韦敏") is None
    assert fields.bare_name("韦敏", after_department=True) == "韦敏"
    assert fields.bare_name("明天", after_department=True) is None
