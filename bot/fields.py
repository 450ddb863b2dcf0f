"""Per-field validators of the registration form: is this text a plausible value of that field, and which
value.

Each validator takes what the caller said for a field and returns the value to store (cleaned of filler and
correction words), or None when the text is no such value. A hospital keeps its city or county prefix, an
address is never a department nor 「跟刚才一样」, a person is never a phrase or an address, a clinical impact
is never a number. Plain code: the intake's command reader (bot/intake_commands.py) and its tests use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.intake import digits_only, normalise_phone, normalise_serial, only_agrees
from bot.texts import labels

HAN = "\u4e00-\u9fff"
_PAYLOAD = re.compile(r"^\s*/[A-Za-z_]")
# 「哎」「嗯」「喂」「诶呀」: a sound a caller makes before speaking, never a value nor a name.
INTERJECTION = r"(?:喂|嗯+|呃+|啊|哦+|噢|喔|哎(?:呀|哟|呦)?|诶|欸|唉|嘿|嗨|哟|咦|哇|哈喽)"
# Said before or after the value, never part of it.
_LEAD = re.compile(
    rf"^(?:你好|您好|{INTERJECTION}|那个|那啥|就是|(?:俺|咱|我|额)们?这(?:边|里|个)?是|(?:俺|额)们?是|咱们?是|介是|(?:阿拉|我伲|我哋)(?:这里|这边|呢度)?(?:是|系)|我系|侬好|恁好|我们这边是|我们这里是|我们是|我们在|我这边是|这边是|这里是|我是|我在|是在|在|位于"
    r"|应该是|改成|改为|换成|就写|写成|写|留|是|系(?!统)|为)[，,：:、。\s]*"
)
_TRAIL = re.compile(
    r"[，,。.!！?？~～、\s]*(?:啊|呀|哈|吧|呢|的|哦|就行|就可以|就好)?[，,。.!！?？~～、\s]*$"
)
# 「跟刚才一样，…」「具体门牌我不清楚」: words about the value, not the value.
_FILLER_PHRASES = re.compile(
    r"(?:跟|和|与)(?:刚才|上面|前面|之前)(?:说的)?一样[，,、\s]*|同上[，,、\s]*|具体(?:的)?(?:门牌|门牌号|地址|楼层)?(?:号)?"
    r"(?:我|俺)?(?:也)?(?:不清楚|不知道|不记得|记不清)|门牌号?(?:我)?(?:不清楚|不知道|不记得)|(?:我|俺)?不太?清楚具体(?:的)?(?:门牌|地址)?"
    r"|^(?:我)?(?:问|找|看|查)(?:到|着)了?[，,、\s]*"  # 「问到了，七里河区…」
)
# 「不是路桥」 says what the address is not (路 and 桥 are place words).
_NO_ADDRESS = re.compile(r"就在医院里|你们(?:以前|之前|上次)来过|不知道|不清楚|不记得|同上|一样|^不(?:是|在)")
# A question is no address (「这样弄会不会把机器弄坏」: 弄 is a lane in an address).
_ASKS = re.compile(r"[？?]|吗$|多久|多长时间|什么时候|怎么|几点|(?P<either>.)不(?P=either)")
# How a character is written, said with the name: 「耳东陈的陈」「立早章」 (the character once more after 的).
_SPELLED_OUT = re.compile(rf"([{HAN}]{{1,4}})的([{HAN}])(?=[\s，,]|$)")
# 「皇甫莉 草字头的那个莉」: a character of the name told by its radical, after the name.
_RADICAL_TOLD = re.compile(
    rf"[，,\s]+(?:是)?(?:[{HAN}]{{1,4}}?(?:字头|字旁|字底|字边|旁|头|底)的?(?:那个|那)?|[{HAN}]{{1,5}}?的?(?:那个|那))"
    rf"([{HAN}])字?$"
)
_SAID_WRONG = re.compile(r"(?:刚才|之前|前面)?(?:说|写)的?[^，,\s。]{1,8}?(?:说|写)?错了[，,\s]*")
# 「地址先跟你说 …」: words about saying it, before the address.
_SAYING = re.compile(
    r"^(?:我)?先?(?:跟|给|和)(?:你|您)(?:们)?说(?:一下|下)?[，,：:\s]*|^(?:我)?先说(?:一下|下)?[，,：:\s]+"
)
_REMARK = re.compile(r"我们|咱们|俺们|我|了$|因为|所以|刚|已经")
# 号 only after a number: 「序列号」「型号」 are no house numbers.
# 弄 only numbered (「…路128弄」): 「我不敢弄了」 is no lane.
_ADDRESS_HINT = re.compile(
    r"[省市区县镇乡村路街道巷楼栋层幢]|(?<=[0-9一二三四五六七八九十])弄|大道|园区|院区|校区|[0-9一二三四五六七八九十]号"
)
# A device's own paths (「光路异常」「液路报警」「管道堵了」): a fault, though 路 and 道 are place words.
_DEVICE_PATH = re.compile(r"[光气液电管线油]路|[管通风气轨]道")
# A place word that ends a would-be name (「路口」「二楼」「东区」), or one no name holds; 栋 and 道 are in
# names (「袁国栋」「李道明」).
_PLACE_IN_NAME = re.compile(
    r"[省市区县镇乡村路街巷楼层幢弄上下里边口]$|[省市县路街巷幢弄]|大道|园区|校区|[0-9一二三四五六七八九十]号"
)
# Below the city: what makes a hospital's name an address (「…医院住院部3楼」, 「…医院 北院区」).
_STREET_HINT = re.compile(r"[镇乡村路街道巷号楼栋层幢弄]|大道|园区|校区|院区|分院")
# 组 after two characters at least (「检验科免疫组」「生化组」, not 「这组」).
_DEPARTMENT_SUFFIX = (
    r"(?:科|室|中心|病区|病房|门诊|实验室|化验室|检验室|ICU|icu|检验部|急诊部|(?<=[\u4e00-\u9fff]{2})组"
    # 「急诊检验」「门诊化验」: the lab of a clinic, as its staff call it
    r"|(?<=急诊|门诊|住院|病房|体检)(?:检验|化验)(?![科室组部中所]))"
)
# A care unit named in Latin letters, alone or after its kind: 「ICU」「CCU」「NICU」「EICU」「急诊ICU」
# 「心内CCU」.
_CARE_UNIT = rf"[{HAN}]{{0,6}}(?i:[A-Z]{{0,2}}(?:ICU|CCU))"
_DEPARTMENT = re.compile(rf"^(?:[{HAN}A-Za-z]{{1,10}}?{_DEPARTMENT_SUFFIX}|{_CARE_UNIT})$")
_HOSPITAL_WORD = (
    r"(?:医院|卫生院|保健院|卫生服务中心|疾控中心|疾病预防控制中心|检验所|诊所|医学院|研究所|血站|门诊部"
    r"|医学中心)"
)
_HOSPITAL_WORD_RE = re.compile(_HOSPITAL_WORD)
_HOSPITAL = re.compile(rf"[{HAN}A-Za-z0-9（）()]{{1,24}}?{_HOSPITAL_WORD}")
_VAGUE_PLACE = re.compile(
    r"(?:就|在|我们|咱们|你们|这个|那个|这家|那家|本|我|去|到|的|里|上|镇上|市里|县里|大)+"
)
_PLACE_WORD = re.compile(rf"[{HAN}]{{1,6}}?(?:省|市|县|区|州|盟|旗)$")
_TITLE = r"(?:老师|主任|医生|护士长|护士|大夫|技师|师傅|工程师|组长|科长|院长|先生|女士|经理|主管)"
# Up to five characters: 「乌云其其格」「阿依古丽」 (Mongolian, Uyghur and Tibetan names are longer).
_ROLE_BEFORE_NAME = (
    r"(?:(?:主任|科长|护士长)?(?:助理|秘书|干事|技术员|检验师|医师|护师|实习生|进修生|规培生)"
    r"|(?:我的?|我们(?:科)?的?)?同事"  # 「换成我同事陈丽芳」
    r"|(?:我们(?:科|组|室|班)?的?)?(?:主任|科长|护士长|组长|班长|主管|老师))"  # 「写我们组长吴春梅」
)
# A transliterated name keeps its middle dot: 「阿依古丽·买买提」.
DOTTED_NAME = rf"[{HAN}]{{1,6}}[·・•][{HAN}]{{1,8}}"
_PERSON = re.compile(
    rf"^(?:(?:姓|叫我|我叫|我是|叫|找|联系人是?)\s*)?((?:{DOTTED_NAME}|[{HAN}]{{1,5}}?){_TITLE}?)$"
)
# Characters of phrases, not of names: 「不用试了」「没有」「好的」.
_NOT_IN_NAMES = re.compile(
    r"[不了吗呢吧啊没有是的在用试要去来说看找好行对嗯哦呃这那个么什谁哪电话号码机器仪设备科室院路号病诊我你他她问"
    r"哎诶欸唉嘿噢喔呀哟呦嗨咦哇哼嘛呗啦喂]"
)
_PLACE_WORD = re.compile(r"[上下里外口前后边头]")  # 「楼上」「路口」 are places
# Surnames that are also everyday words (「路明」「楼建国」「那日苏」): what follows must still be a name,
# not the rest of a place or a phrase (「楼上」「那边」「那咋办」).
_WORD_SURNAMES = {
    "路": _PLACE_WORD,
    "楼": _PLACE_WORD,
    "那": re.compile(r"^$|[上下里外口前后边头天就样些时会儿种份咋办啥]"),  # 「那」 alone is no name
}
# Phrases of waiting or checking, never names: 「等一下」「稍等」「我问问」「马上」.
_NOT_A_NAME = re.compile(
    r"一下|稍等|等等|等会|^等下$|^等我|^马上$|^开始|^可以|^提交|^确认|^没错|问问|看看|找找|回头|派人|派个|^赶紧|^赶快"
    r"|^快点|^尽快|都(?:报|修)|跳过|略过|空着|先空|留空|不填|不留"
    r"|报修|维修|保修|修理|报障|报个修|登记|^直接"  # 「报修」「直接登记」 to a question: the request, no name
    r"|[零一二两三四五六七八九十百]点[零一二三四五六七八九]"  # 「钾四点一」: a reading
)


def is_payload(text: str) -> bool:
    """A button payload, an `/intent` string or the words on one of our request buttons (「设备故障报修」,
    also what an old button's click becomes, bot/channels/user_text.py): a choice, never a field value."""
    return bool(_PAYLOAD.match(text)) or text.strip() in labels("intent_labels").values()


def strip_around(text: str) -> str:
    """The value without greetings, 「是」「在」 before it and particles after it."""
    value = text.strip()
    previous = None
    while previous != value:
        previous = value
        value = _LEAD.sub("", value).strip()
        value = _TRAIL.sub("", value).strip()
    return value


# Who is speaking before a hospital's name: 「我们…医院」「我院…」「咱们这边…」.
_WE = r"(?:我们|我们的|俺们|咱们|额们|阿拉|我伲|我哋|我院|本院|咱|俺|额|我)"
_OUR_HOSPITAL = re.compile(
    rf"^(?:{_WE}(?:单位|医院)?(?:这边|这里|这儿|这达|这搭|这块|那边|这)?(?:的)?)+(?:是|系)?"
)


def hospital(text: str) -> str | None:
    """A hospital-like name, whole with its province, city or county prefix: 「漯河市第二人民医院」."""
    if is_payload(text):
        return None
    # A space after a place word is inside the name (「信阳市 光华医院」); any other ends a part of the
    # message (「紧急报修 许昌市第二人民医院…」).
    joined = re.sub(r"(?<=[省市县区州])\s+", "", text.strip())
    part = next((p for p in re.split(r"\s+", joined) if _HOSPITAL_WORD_RE.search(p)), joined)
    compact = strip_around(
        re.sub(
            rf"^(?:{_WE}?(?:医院|单位))(?:名称|名字|的名字|全称)?(?:是|叫|为)?[：:]?", "", strip_around(part)
        )
    )
    match = _HOSPITAL.search(compact)
    if not match:
        return None
    name = match.group(0)
    # The regex is lazy: a place prefix right before the match belongs to the name (「漯河市」+「第二人民医
    # 院」).
    before = compact[: match.start()]
    prefix = _PLACE_WORD.search(before)
    while prefix and prefix.end() == len(before):
        name = prefix.group(0) + name
        before = before[: prefix.start()]
        prefix = _PLACE_WORD.search(before)
    name = strip_around(name)
    # 「我这里是绵阳市…保健院」: who is speaking, before the name
    # 「联系人是开封市…医院急诊科孟凡」: a field's name, before the hospital said as part of its value
    spoken = re.match(
        r"^.{0,8}?(?:(?:这里|这边|我们|我|单位|俺们?|阿拉|我伲|联系人|报修人|电话|手机|地址)是|(?:我哋|我)系)",
        name,
    )
    if spoken and len(name) - spoken.end() >= 3:
        name = name[spoken.end() :]
    # 「我们泉州市…医院」「我院…」「咱们这边…医院」: whose hospital it is, not part of its name
    ours = _OUR_HOSPITAL.match(name)
    if ours and _HOSPITAL.search(name, ours.end()) and len(name) - ours.end() >= 3:
        name = name[ours.end() :]
    own = _HOSPITAL_WORD_RE.sub("", name)
    if len(name) < 3 or not own or _VAGUE_PLACE.fullmatch(own):
        return None  # 「就在医院里」「我们医院」 name no hospital
    return name


def complete_hospital(value: str, text: str) -> str:
    """A hospital name some extractor cut short, completed from the message it came from."""
    whole = hospital(text)
    return whole if whole and whole.endswith(value) else value


def department(text: str) -> str | None:
    if is_payload(text) or re.search(r"\d", text):
        return None
    value = strip_around(re.sub(r"\s+", "", text))
    value = re.sub(r"^(?:科室|部门)(?:是|在)?", "", value)
    if _OURS.match(value):
        return None  # 「我们科」 says whose, not which
    # 「我们七院检验科」「咱医院检验科」: whose it is, then which
    value = re.sub(
        rf"^(?:{_WE}?[一二三四五六七八九十]{{1,3}}院|{_WE}(?:医院|院)?)的?(?=[{HAN}]{{2}})", "", value
    )
    if _DEPARTMENT.match(value) and not _HOSPITAL_WORD_RE.search(value):
        return value
    return None


# Where a report says whose department it is: right after the hospital's name, or after 「我们」「我是」.
_DEPARTMENT_AFTER = re.compile(r"(?:我们|咱们|俺们|咱|我是|我在)(?:医院|这边|这里|那边)?(?:的)?")
# 「儿科检验室」「急诊科化验室」: a room of a department, named with it.
_DEPARTMENT_IN = re.compile(
    rf"(?:[{HAN}A-Za-z]{{1,8}}?{_DEPARTMENT_SUFFIX}(?:[{HAN}]{{1,4}}?(?:室|科|中心))?|{_CARE_UNIT}(?![A-Za-z]))"
    r"(?!医院|卫生院)"
)
_OURS = re.compile(r"^(?:我们|咱们|俺们|我|咱|俺|本|这个|那个)(?:科|室|科室)$")
_WE = "(?:我们|咱们|俺们|咱|俺)"
_NOT_IN_DEPARTMENTS = re.compile(r"[的了台个在这那有是不机仪器]")
_OPENING = re.compile(r"(?:你好|您好|喂|嗯|那个)*[，,]?")
_PAUSE = re.compile(
    r"[，,、]*"
)  # 「许昌市中心医院，检验科」: a pause between the hospital and its department


def department_in(text: str) -> str | None:
    """The department a report names in passing: 「…第三人民医院检验科的刘燕」「我们急诊化验室…」."""
    compact = re.sub(r"\s+", "", text)
    name = hospital(compact)
    starts = [compact.index(name) + len(name)] if name and name in compact else []
    starts += [match.end() for match in _DEPARTMENT_AFTER.finditer(compact)]
    starts = [_PAUSE.match(compact, start).end() for start in starts]  # type: ignore[union-attr]
    opening = _OPENING.match(compact)  # 「急诊化验室的KR-800…」: the department first, then its device
    for start in [*starts, opening.end() if opening else 0]:
        match = _DEPARTMENT_IN.match(compact, start)
        if start not in starts and not (match and compact[match.end() : match.end() + 1] in ("的", "")):
            continue
        if match and not _NOT_IN_DEPARTMENTS.search(match.group(0)):
            value = department(match.group(0))
            if value:
                return value
    return None


# A caller who says who they are in a report: 「我是…检验科的刘燕，」「我叫王敏」「联系人马晓东」「同事郑阳」.
# A title said before the name is part of who they are, not the name: 「我是…检验科主任邵志刚」.
_SELF_NAMED = re.compile(
    rf"(?:我是|我叫|俺是|俺叫|咱叫|额是|额叫|他叫|她叫|联系人是?|找|同事)"
    rf"(?:[^，,。；;！!？?\s]{{0,30}}(?:的|{_TITLE}|(?<=医院)[{HAN}]{{1,6}}?[科室组]))?({DOTTED_NAME}|[{HAN}]{{2,5}}?)"
    rf"(?=[，,。；;！!？?\s]|电话|手机|$)"
)


_SURNAME_THEN_NAME = re.compile(
    # four characters too: 「我姓才 才让卓玛」 (Tibetan names)
    rf"(?:我|俺|额|的|^|[，,\s])(?:免贵)?姓([{HAN}])(?:叫|名叫)?[，,\s]*(\1[{HAN}]{{1,3}})(?=[，,。；;！!？?\s]|电话|手机|$)"
)


def person_in(text: str) -> str | None:
    """The name a caller gives for themselves inside a longer message."""
    surname_first = _SURNAME_THEN_NAME.search(text)
    if surname_first and person(surname_first.group(2)):
        return surname_first.group(2)  # 「我姓郝 郝建波」
    # Each cue in turn, also one inside a failed match (「我是她同事任杰」: not 「她同事任杰」, then 任杰).
    match = _SELF_NAMED.search(text)
    while match:
        name = person(match.group(1))
        if name:
            return name
        match = _SELF_NAMED.search(text, match.start() + 1)
    return None


def person(text: str) -> str | None:
    """A name or a title as a caller gives it: 「王敏」「李老师」「我姓周」 (→ 周)."""
    if is_payload(text) or re.search(r"\d", text) or only_agrees(text):
        return None  # 「中 没毛病」「係 冇錯」: a yes, never a name
    spelled = _name_among_spellings(text)
    if spelled:
        return spelled
    text = _SPELLED_OUT.sub(lambda m: "" if m.group(2) in m.group(1) else m.group(0), text)
    text = _SPELLED_OUT.sub(lambda m: "" if m.group(2) in m.group(1) else m.group(0), text)
    told = _RADICAL_TOLD.search(text)
    if told and told.group(1) in text[: told.start()]:
        text = text[: told.start()]
    value = strip_around(re.sub(r"\s+", "", text))
    value = re.sub(r"^(?:联系人|姓名|名字)(?:是|叫|写)?", "", value)
    # 「助理仝晓东」「进修生马丽」: who they are before the name is not the name
    value = re.sub(rf"^{_ROLE_BEFORE_NAME}(?=[{HAN}]{{2}})", "", value)
    # 「姓熊 熊卫东」「免贵姓熊 叫熊卫东」: the surname, then the whole name
    value = re.sub(rf"^(?:我)?(?:免贵)?姓([{HAN}])(?:叫|名叫|全名)?(?=\1[{HAN}])", "", value)
    value = re.sub(r"^免贵(?=姓)", "", value)
    value = re.sub(r"^姓", "", value) if len(value) <= 3 else value
    match = _PERSON.match(value)
    if not match:
        return None
    name = match.group(1)
    base = re.sub(f"{_TITLE}$", "", name)
    if re.fullmatch(DOTTED_NAME, base):
        return name  # no phrase has a middle dot; its sounds may be any characters (「热依拉·阿不都」)
    word_surname = _WORD_SURNAMES.get(base[:1])
    given = base[1:] if word_surname and not word_surname.search(base[1:]) else base
    if (
        not base
        or _NOT_IN_NAMES.search(given)
        or _NOT_A_NAME.search(base)
        or department(name)
        or _PLACE_IN_NAME.search(given)
    ):
        return None
    return name


# Surnames, for a name said on a line or between slashes of its own with no cue (「…/检验科/覃春燕/177…」):
# the common Han surnames, those frequent in the south-west and among the Zhuang, Bai, Yi and Miao (覃, 韦,
# 蒙, 农, 莫, 岑, 龙, 杨, 段, 普, 者), and the two-character ones.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮纪梅童凌毕单季裴霍涂成苗谷盛"
    "曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏"
    "席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐"
    "冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平"
    "计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈"
    "湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由者"
)
_DOUBLE_SURNAMES = re.compile(
    r"^(?:欧阳|司马|上官|诸葛|皇甫|尉迟|公孙|慕容|长孙|宇文|令狐|东方|夏侯|端木|西门|南宫|独孤|司徒|司空|呼延|轩辕|万俟)"
)
# First syllables of Tibetan names, which have no surname (「次仁卓嘎」「扎西顿珠」).
_TIBETAN_NAME = re.compile(
    r"^(?:扎西|次仁|格桑|多吉|卓玛|央金|德吉|平措|尼玛|达瓦|旦增|洛桑|索朗|白玛|强巴|普布|边巴|益西|才让|拉巴|巴桑|仁增|罗布|群培|贡嘎)"
)
# Characters given names are made of: a bare part needs both of its given characters among them, so that a
# word starting with a surname's character (「全自动」「管理员」「金标准」) is no name.
_GIVEN_NAME_CHARACTERS = set(
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成"
    "康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮"
    "翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘秀娟英华慧巧美娜静"
    "淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦"
    "晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰"
    "爽琬茗羽希欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪"
    "晴容睿烁堂唯威韦雯苇萧馨逸瑜彦易银盈莹雍永宇语玉钰誉元源远月悦跃芸韵泽展湛章哲真正之志忠洲卓子宗尧锋敏丰"
    "继长金宪远喜根耀武秉洪荣林桥昆仲水田川湘滨晖鑫淼磊焱垚森铭锐彤婧琪璇萱妍涵晗梓轩昊宸皓煜铮奕瑄颜芮甜秀莹"
    "立新军红卫东方胜利建国庆华春梅小晓大二三四五亮伟丹凯欣雨雪冬夏秋菊桂兰芬芳霞花杏桃兵旺财禄寿贤淑秀娜玲凤琴"
    "宏伟斌波涛静敏燕艳萍娟霞丽"
)


def bare_name(part: str, after_department: bool = False) -> str | None:
    """A part of a report that is a person's name and nothing else (「郝晓燕」「覃春燕」「阿依古丽·买买提」),
    said with no cue on a line or between slashes of its own; None for anything that may be a word. A
    two-character name only right after the department (「…/检验科/韦敏/…」), else it is read by the phone
    said right after it."""
    part = part.strip()
    if re.fullmatch(DOTTED_NAME, part):
        return person(part)
    double = _DOUBLE_SURNAMES.match(part)
    if double:
        fits = 3 <= len(part) <= 4
    elif _TIBETAN_NAME.match(part):
        fits = len(part) == 4
    else:
        # two characters are as often a word (「周末」「方便」)
        fits = (len(part) == 3 or (len(part) == 2 and after_department)) and part[0] in _SURNAMES
    if not fits or not re.fullmatch(f"[{HAN}]+", part):
        return None
    if not double and not _TIBETAN_NAME.match(part) and not set(part[1:]) <= _GIVEN_NAME_CHARACTERS:
        return None
    if (
        says_a_fault(part)
        or department(part)
        or _NOT_A_NAME.search(part)
        or _WORD_LIKE_A_NAME.fullmatch(part)
    ):
        return None
    return person(part)


# Words of two characters made of a surname and a name's character: 「明天」「安全」「正常」.
_WORD_LIKE_A_NAME = re.compile(
    r"明天|明早|今天|后天|安全|平安|正常|全部|马上|和平|高明|文明|明白|成功|安静|全国|文字|时间|平时"
)


def _name_among_spellings(text: str) -> str | None:
    """「是黄 草头黄 不是三横一竖那个王 黄秀清」: the full name among how its surname is written (「草头黄」
    ends with the surname the name starts with) and what it is not (「不是…」)."""
    said = [p for p in re.split(r"[\s，,、]+", text.strip()) if p]
    if len(said) < 2:
        return None
    parts = [re.sub(r"^(?:我)?姓", "", p) for p in said if not p.startswith("不是")]
    surnames = [p for p in map(strip_around, parts) if len(p) == 1]
    names = [name for name in map(person, parts) if name and len(name) >= 2]
    spellings = [
        n
        for n in names
        if any(o != n and o[0] == n[-1] for o in names) or (len(n) >= 3 and n[-1] in surnames)
    ]
    if len(parts) < 2 or not (spellings or len(parts) < len(said)):
        return None  # 「李 红梅」: one name, spaced
    names = [n for n in names if n not in spellings]
    if names:
        return names[-1]
    return person(surnames[-1]) if surnames else None


def phone(text: str) -> str | None:
    return normalise_phone(text)


def serial(text: str) -> str | None:
    return normalise_serial(text)


def address(text: str) -> str | None:
    """A site address: place words (市, 路, 号, 楼…), without filler; not a department, not 「跟刚才一样」
    alone."""
    if is_payload(text):
        return None
    if person(text.strip()) == text.strip() or _ASKS.search(text):
        return None  # 「袁国栋」: a name, though 栋 is a place word; 「…多久能到？我们在县里」: a question
    value = _FILLER_PHRASES.sub("", text.strip())
    value = strip_around(value)
    value = re.sub(r"^(?:医院|单位|设备|机器)?(?:地址|地点|位置|地方)(?:是|在)?[：:\s]*", "", value)
    value = strip_around(_SAYING.sub("", value))
    if not value or _NO_ADDRESS.search(value) or department(value):
        return None
    # 「…安昌路16号，不用排查了」「…清姜路45号，远程就不弄咧」: what follows the address in the same breath is
    # not part of it.
    # 「…南环路156号 我们搬新院区了」: a remark about it, place word or not, neither.
    parts = re.split(r"[，,；;。]\s*|\s+", value)
    while (
        len(parts) > 1
        and (
            not _ADDRESS_HINT.search(parts[-1])
            or _REMARK.search(parts[-1])
            or is_aside(parts[-1])
            # 「…和平路166号，徐州市云龙仁爱医院」: the hospital said next, after the street
            or (hospital(parts[-1]) == parts[-1] and names_a_street(value[: value.rfind(parts[-1])]))
        )
    ):
        parts.pop()
    if is_aside(parts[-1]):
        return None  # 「那远程就不弄了」: 弄 is a lane, but this is a wish
    value = value[: value.find(parts[-1]) + len(parts[-1])]  # as said, up to its last place word
    if says_a_fault(value):
        return None  # 「开机就报液路堵塞」: a symptom, though 路 is a place word
    if re.fullmatch(r"[\d\s\-+]+", value) or re.search(r"1[3-9]\d{9}", digits_only(value)):
        return None
    name = hospital(value)
    if name and not _STREET_HINT.search(value.replace(name, "")) and not re.search("[镇乡村]", name):
        return None  # 「郑州市金水医院」 names the hospital, not where it is (a township's 卫生院 does)
    placed = _DEVICE_PATH.sub("", value)
    return value if _ADDRESS_HINT.search(placed) and re.search(f"[{HAN}]", value) else None


def names_a_street(address: str) -> bool:
    """「…健康路1号」 says where the building is; 「门诊楼二楼」 only which floor of it."""
    return bool(re.search(r"[路街道巷弄]|大道|[0-9一二三四五六七八九十]号", _DEVICE_PATH.sub("", address)))


def amended_address(current: str, said: str) -> str:
    """A corrected part of the address put in its place: 「哈达街41号」 or 「41号」 for
    「赤峰市红山区哈达街14号」 gives 「赤峰市红山区哈达街41号」; a whole address stands as said."""
    said = said.strip()
    street = re.match(rf"[{HAN}]{{2,8}}?(?:大道|大街|路|街|道|巷|弄)", said)
    if street and street.group(0) in current and not current.startswith(street.group(0)):
        return current[: current.index(street.group(0))] + said
    if re.fullmatch(r"[0-9一二三四五六七八九十]+号", said) and re.search(
        r"[0-9一二三四五六七八九十]+号", current
    ):
        return re.sub(r"[0-9一二三四五六七八九十]+号(?!.*号)", said, current)
    floor = r"[0-9一二三四五六七八九十]+(?:楼|层)"
    if re.fullmatch(floor, said) and re.search(floor, current):
        return re.sub(f"{floor}(?!.*{floor})", said, current)  # 「楼层说错了 是六楼」
    # 「新乡市红旗区胜利路120号」 for 「红旗区平原路8号门诊楼三楼」: another street, the same building, floor
    building = re.search(r"[0-9一二三四五六七八九十]+号(.*?(?:楼|层|栋|座|室|病区).*)$", current)
    if building and _ENDS_WITH_STREET_NUMBER.search(said) and building.group(1) not in said:
        return said + building.group(1)
    return said


_ENDS_WITH_STREET_NUMBER = re.compile(r"(?:[路街道巷弄]|大道)[0-9一二三四五六七八九十]+号$")


_ALL_OF_THEM = re.compile(
    r"(?:这|那)?(?:两|三|几)?[台部个]?(?:机器|设备|仪器)?(?:都|一起|全部|一块)(?:要|得)?(?:报|修|报修|登记|派人)"
    r"(?:一下)?[了吧啊呀嘛]*"
)


def clinical_impact(text: str) -> str | None:
    """What the fault means for patients and samples, in the caller's words; never a number or a bare
    「对」."""
    if is_payload(text):
        return None
    value = strip_around(text)
    # 「影响：…」 names the field; 「影响不大」 is the answer itself
    value = re.sub(
        r"^(?:临床)?影响(?:也|再)?(?:改(?:一下|一哈|下|成|为)?|是|为|[：:\s，,])+", "", value
    ).strip()
    # 「…明天来都行，不用排查」「对，赶紧派人」「…可以推两天 远程就算了 派人来看看」: what the caller wants
    # done is no impact
    value = _NOT_THE_FAULT.sub(" ", value).strip(" ，,。")
    parts = re.split(r"([，,。；;\s]+)", value)
    value = "".join(
        before + part
        for before, part in zip(["", *parts[1::2]], parts[::2], strict=True)
        if part and not (_WISH_ONLY.fullmatch(part) and re.search(SENDS_ENGINEER, part))
    ).strip(" ，,。；;")
    # 「刚才说不影响说错了 …」: what was said wrong is not the impact
    value = _SAID_WRONG.sub("", value).strip(" ，,。")
    value = re.sub(r"^(?:对|是|嗯|好)[的呀啊]?[，,\s]+", "", value)
    if re.fullmatch(rf"(?:赶紧|赶快|快点?|尽快|马上|麻烦)?(?:{SENDS_ENGINEER})[吧啊呀来！!。]*", value):
        return None
    if _ALL_OF_THEM.fullmatch(value) or re.search(SKIPS_QUESTION, value):
        return None  # 「两台都报」「这个跳过吧 我说不好」: not what the fault means
    if not value or not re.search(f"[{HAN}]", value):
        return None
    if only_agrees(value) or only_agrees(text):
        return None  # 「没错 提交吧」「系 冇错 提交」: a yes to the read-back, said to the impact question
    if normalise_phone(value) and len(re.sub(r"[\d\s\-+]", "", value)) < 3:
        return None
    return value


# Prefixes that say who is talking or which hospital, not what is wrong: 「病房护士，…」「…医院检验科的，…」.
_FAULT_PREFIX = re.compile(
    rf"^(?:(?:你好|您好|喂|嗯|那个)[，,\s]*|我们(?:那|这)?(?:个|台|的)|(?:设备)?(?:序列号|编号)[A-Za-z0-9]+的"
    rf"|(?:故障|现象|问题)?(?:不对|错了|说错了)[，,\s]*(?:应该)?是?[，,：:\s]*"
    rf"|(?:故障|现象|问题|故障现象|故障描述)(?:改成|改为|改一下|应该是|是)?[，,：:\s]+"
    rf"|(?:我要|要|来)?报(?:个)?修[，,：:\s]*"
    rf"|(?:是|系)?这样(?:子)?的?[，,：:\s]+"  # 「系这样子的 …」「是这样的，…」: the story starts after it
    rf"|(?:我是|我们是)?[{HAN}]{{0,12}}?(?:护士|医生|老师|主任|技师|大夫)(?:长)?[，,、\s]+"
    rf"|(?:我们是|我是)?[{HAN}]{{2,20}}?(?:医院|科|室|中心)的?[，,、\s]+"
    # 「化学发光仪，…」「糖化仪HB-80，…」: the device alone, kept in its own field
    rf"|[{HAN}A-Za-z0-9\-]{{0,10}}?(?:分析仪|仪|工作站)\s*(?:[A-Za-z]{{1,4}}-?[A-Za-z]?\d{{1,5}}[A-Za-z]?)?[，,、\s]+"
    # 「搞么子咯今天一开机就…」「怎么搞的…」: an exclamation before the story
    r"|(?:搞|弄|整)(?:么子|啥子|什么|啥|么个|么事)(?:名堂|鬼)?(?:咯|哦|啊|嘛|哟|呀|哒)?[，,\s]*"
    r"|(?:咋|怎么|么样)(?:回事|搞的|整的|弄的)(?:啊|哦|呀|咯|嘛)?[，,\s]*)"
)
# What the caller wants instead of a guided check, one list for every reader: the intake (request words kept
# out of the fault, a check declined to any question) and the guide walk (left for an engineer).
# 「这个跳过吧」「我说不好」「先空着」: the caller leaves the question asked open.
SKIPS_QUESTION = r"跳过|先跳|下一(?:个|项|题)|先空着|空着吧|不填|先不(?:填|写)|说不好|说不上来|不好说"
SENDS_ENGINEER = r"派.{0,3}(?:人|工程师|师傅)|工程师(?:来|过来)|来人|上门|过来看|赶紧来|马上来"
# 「不用来人了」「不用派工程师了」「师傅别过来了」: no one is needed, the opposite of the above.
NO_ENGINEER_NEEDED = (
    r"(?:不用|不需要|用不着|不必|甭|无需|别)(?:再)?"
    r"(?:(?:派|叫)(?:个|一个)?(?:人|工程师|师傅)(?:来|过来|上门|跑一趟)?"
    r"|(?:人|工程师|师傅)?(?:来人|来(?![电回])|过来|上门|跑一趟))"
)
# 「按你说的重启了一下 现在能正常进样了」「这下可以出结果了」: the device works again, in the caller's
# own words (a guide's reply phrases and the intake's 「好了」「能用了」 name the common ones).
# 「只能等了」「还是不能进样」 do not say it.
WORKS_AGAIN = (
    r"(?:现在|已经|又|终于|总算|这下|这回)(?:就)?(?:能|可以)[^，,。；;！!？?不没\s]{1,6}了(?![吗么吧])"
    r"|(?<![不没])能正常[^，,。；;！!？?不没\s]{1,6}了(?![吗么吧])"
    # 「…又测了一个 出来了 钾四点一 钠一百三十九 正常了」: the last word on it
    r"|(?<![不没])(?:都|又|已经|现在|全)?正常了[啊呀哈啦嘞咯哦。！!~～\s]*$"
)
# 「不用排查」, and the other way round: 「远程不搞了」.
DECLINES_CHECKS = (
    r"(?:不用|不要|别|不想|没空|没时间|不|莫得?|冇得?|甭)(?:再)?(?:做|搞|进行)?(?:排查|试|检查|自检|教我|指导|远程)了?|别让我(?:试|弄|查)"
    r"|(?:远程|排查|检查|自检)(?:就|也)?(?:不|别|不用|不要|莫)(?:搞|弄|做|试|整|用|需要|要|排查)"
    r"|(?:远程|排查)(?:那个|那些)?(?:就|也)?(?:算了|免了|拉倒)"  # 「远程就算了，派个师傅来」
    r"|(?:远程|排查)[^，,。；;\s]{0,8}?(?:就)?(?:别|不|甭)(?:整|搞|弄|试)了?"  # 「远程整不明白就别整了」
    r"|不敢(?:再)?(?:弄|动|试|碰|操作)|别(?:试|弄)了|直接(?:派(?:个|一个)?(?:人|工程师)|来人|上门|派)(?:吧|来|过来)?"
    # an English form's 「Remote guidance not needed, send someone please.」
    # (also with its spaces taken out)
    r"|(?i:(?:remote|guidance|troubleshooting)[a-z ]{0,20}?not ?needed|no ?remote"
    r"|send ?(?:someone|an ?engineer|a ?technician))"
)
# 「先教我怎么排堵」「你先带我查一下」: the caller asks to be walked through a check.
# Also asked for remote help: 「能不能远程帮我看下」「可以先远程教下点搞吗」「能不能先电话里教我弄一下」.
_MAY_YOU = r"(?:你们|你|您)?(?:能不能|能否|可不可以|可唔可以|可以|请|麻烦)(?:你们|你|您)?(?:先)?"
ASKS_FOR_GUIDANCE = (
    rf"(?:{_MAY_YOU}(?:远程|电话里|在电话里|线上)(?:帮我|帮忙|给我)?(?:教|指导|看|弄|排查)"
    rf"|{_MAY_YOU}(?:帮我|给我)?(?:教|指导)|(?:远程|电话里)(?:帮我|帮忙|给我)(?:教|指导|看|弄|排查)"
    r"|(?:你|您)?(?:先)?(?:教我|教教我|带我|带着我|指导我|指导一下)"
    r"|(?:你们|您|你)?(?:先)?(?:远程|电话里|在电话里|线上)(?:先)?(?:教教?|指导|带着?)(?:我们?|俺们?)?(?=一下|下))"
    r"(?:一下|下)?[^，,。；;]{0,8}"
)
# What the caller wants done, said with the fault: 「…撞针了 要报修 不用排查」.
_NOT_THE_FAULT = re.compile(
    r"(?:^|[，,。；;\s])(?:紧急|急|我要|要|想|来)?(?:报修|报个修|急修)(?:一下)?(?=[，,。；;\s]|$)"
    rf"|[，,。；;\s]*(?:{DECLINES_CHECKS})|[，,。；;\s]+{ASKS_FOR_GUIDANCE}$"
)


# A clause made only of what the caller wants done (no check, send someone), in any dialect, with the words
# around such a wish: 「远程就莫搞哒」「恁也甭教俺弄了」「侬直接叫工程师过来好伐」「麻溜派个人过来」.
_WISH_WORDS = (
    r"不用|不要|不需要|不必|别|莫|勿|甭|嫑|覅|唔使|唔要|冇需要|免了|拉倒|算了|省了|就不|不搞|莫搞|不弄|要"
    r"|远程(?:排查|指导|协助|诊断)?|排查|指导|自检|电话里|教|弄|搞|试"
    r"|派|喊|叫|请|安排|找|来|过来|上门|看下|看看|瞅瞅|瞧瞧|瞅一眼|一下|个|一个|人|工程师|师傅|技术员|有空|得空|抽空"
    r"|你们|您们|您了|您|你|恁|侬|俺|我|跟|这儿|那些|这些|这|就|也|都|那啥|那|直接|赶紧|赶快|麻溜|快点|马上|尽快|麻烦"
    r"|得|给|帮|报个?修|维修"  # 「我得报个修」「麻烦给报个修」: the request itself
    r"|这周|这个星期|本周|下周|今天|明天|后天|上午|下午|就行|也行|都行|可以"  # 「这周来就行」: when
    r"|吧|嘛|哒|咯|了|啊|呀|啦|喔|哦|哈|噻|嘞|哩|咧|好伐|中不中|行不行|好不好|得不得|好吗|可以吗|行吗"
)
_WISH_ONLY = re.compile(rf"(?:{_WISH_WORDS})+")
# What a wish needs besides such words: a check declined or someone sent for.
_WISH_CUE = re.compile(r"远程|排查|指导|教|派|喊|叫|请|安排|上门|过来|来|报个?修")

# What callers say next to the symptom that is no part of it, one pattern per kind: a clause (between commas,
# full stops or spaces) holding one of these, and no word of a fault, leaves the description and the site
# address. The urgency words and what waits or was done with the samples are the clinical impact, which the
# triage rules (kb/triage.yml) read from the whole message; the rest belongs in no field (a request for help
# is answered by the guide offer, a question by its answer, and the ticket keeps the time it was received).
_WHEN = (
    r"明天|后天|大后天|今天|改天|过两天|过几天|这两天|这几天|近两天|一两天|两三天|晚点|回头|下午|上午"
    r"|(?:下|这|本)?(?:个)?(?:周|礼拜|星期)[一二三四五六日天]?"
)
_PARTICLES = r"的|了|啊|呀|吧|哦|哈|啦|嘛|咧|嘞|哩|噻|哒|咯"
ASIDES = {
    # 「你们能远程教教我怎么弄吗」「能不能帮忙看看」「这可咋办啊」: help asked for (nowhere)
    "help_asked": (
        rf"{ASKS_FOR_GUIDANCE}|(?:能|可以|麻烦)(?:帮|给)(?:我|忙|我们)?(?:看|弄|处理)"
        # 么样搞: 武汉话; 啷个: 西南官话
        rf"|(?:咋|怎么|怎样|如何|么样|咋个|啷个|点样)(?:办|弄|处理|搞|整)(?:{_PARTICLES}|呢|才好)*$"
    ),
    # 「你们莫问那么多了」「别问了 直接来」「问来问去的」: the caller tired of questions (nowhere)
    # 「老问这些干啥」「填这么多干嘛」
    "questioning": (
        r"(?:别|莫|不要|甭|嫑|少|不用|唔好)(?:再)?问(?!题)|问(?:那么|这么|恁么|辣么)多|问来问去|问个没完"
        r"|(?:问|填)(?:这些|那些|这么多|那么多)(?:干啥|干嘛|做啥|做什么|有啥用)?$|(?:老|总|一直)(?:是)?问(?!题)"
    ),
    # 「我姓龙」「免贵姓覃」「我叫龙宗贵」「我是小王」: who is calling (the contact person, read apart)
    "who": (
        rf"^(?:我|俺|额|阿拉|我们)?(?:免贵)?(?:姓|叫)[{HAN}]{{1,4}}$"
        rf"|^(?:我|俺|额)是(?:小|老)[{HAN}](?:{_PARTICLES})*$"
    ),
    # 「谢谢啊」「拜托拜托」「求求你们了」「麻烦你们快点」: a courtesy or a plea (nowhere)
    "courtesy": (
        r"^(?:谢谢|多谢|感谢|拜托|求求|麻烦)"
        rf"(?:你|您|你们|您们|大家|谢谢|拜托|求求|快点|赶紧|尽快|一下|{_PARTICLES})*$"
    ),
    # 「明天来人看就行」「下周出结果也行」「周三过来都可以」: when to come (nowhere; the call-back settles it)
    "when_to_come": (
        rf"^(?:工程师|师傅|你们|人)?(?:{_WHEN})(?:再|派人|来人|来|过来|上门|看|看看|修|出结果|出报告|做|弄|处理|人|的时候|{_PARTICLES})*"
        rf"(?:就行|也行|都行|也可以|就可以|都可以|没关系|没事|可以|都成|也成)(?:{_PARTICLES})*$"
    ),
    # 「不着急」「不是很急」「挺急的」「急死了」「等得起」: urgency (clinical impact)
    "urgency": (
        r"^(?:不过|但是|但|就是|[不没]|是|很|挺|特别|非常|比较|十分|有点|太|算|那么|怎么|蛮|好|大|用|着|真|也|都|还|倒|其实"
        rf"|急死|急得很|急|紧急|要紧|等得起|等得了|能等|可以等|{_PARTICLES})*"
        rf"(?:急|要紧|等得起|等得了|能等|可以等)(?:{_PARTICLES}|死了|得很)*$"
    ),
    # 「贼闹心」「烦死了」「愁人」: how the caller feels about it (nowhere)
    "feeling": (
        r"^(?:贼|真|太|好|老|可|特别|非常|很|挺|简直|把人)?(?:闹心|烦人|烦死了?|愁人|愁死了?|头疼|头大|上火|窝火"
        rf"|郁闷|崩溃|要命|急人|恼火)(?:{_PARTICLES})*$"
        # 「哎妈呀」「我的天」「真是服了」: an exclamation
        r"|^(?:哎呀?妈呀|我的(?:天|妈)|天哪|天呐|老天爷?|真是服了|服了|完了完了|要死了?|晕死了?|倒霉|晦气|真是的"
        rf"|烦得很|哎[哟呦]喂?|哎呀呀?|唉呀|我去)(?:{_PARTICLES})*$"
    ),
    # 「现在半夜两点多」「这么晚了」「凌晨三点」: the time of the call (nowhere)
    "time_of_call": (
        r"^(?:现在|这会儿?|这个点|这么晚|都|已经|快|是|大|我|我们|在|上|值)*"
        r"(?:半夜|深夜|凌晨|后半夜|夜里|深更半夜|这么晚|晚上|夜班|大夜班?|小夜班?)?"
        r"(?:[0-9一二三四五六七八九十两]+点)?(?:多|半|多钟|钟)?(?:了|的|啦)?$"
    ),
    # 「这个点还有人吗」「工程师多久能到」「介嘛情况啊」: a question to the hotline (nowhere; answered), or a
    # greeting (「哎您好」, 「半夜打扰了」)
    "question": (
        r"还有人|有人(?:吗|在吗|值班|接)|有没有人"
        rf"|^(?:介|这|那|这是|是)?(?:嘛|啥|什么|咋|怎么)(?:情况|回事|原因)(?:{_PARTICLES}|呢|呀)*$"
        r"|^(?:哎|诶|喂|嗯|啊|哦|你好|您好|麻烦了?|打扰了?|(?:您|你)受累|劳驾|辛苦了?"  # 「您受累」(北京话)
        r"|(?:是|这是|这里是)?(?:售后|客服|厂家|维修部?)(?:吗|吧|嘛|不|是吧|对吧|没错吧)"  # 「是售后吧」
        r"|(?:这么晚|大?半夜|深夜|凌晨|大晚上)(?:了|还)?(?:打扰|麻烦)(?:您|你们?)?(?:了|啦)?)+$"
        r"|(?:多久|多长时间|什么时候|啥时候|几点|几时|好久)(?:能|可以|会|才)?(?:到|来|过来|上门|派人|修好)"
        r"|(?:你们|您们?|客服|工程师|师傅).{0,10}(?:吗|么|嘛)$"
    ),
    # 「序列号找不到」「铭牌看不清」「序列号没空找」: the serial said to be missing (nowhere; the serial is
    # skipped)
    "serial_missing": (
        r"(?:序列号|编号|铭牌)[^，,。]{0,4}(?:找不到|找不着|没找着|没有|看不清|不知道|掉了|磨掉|没空找|没时间找|不找了|不用找)"
        r"|(?:找不到|找不着|没找着|没有|看不清|不知道)[^，,。]{0,2}(?:序列号|铭牌)"
    ),
    # 「急诊的电解质先送检验科那台做了」「血铅的样本先存着」「家长都在外面」: what was done with the samples,
    # and people waiting outside (clinical impact). Samples or patients waiting (「急诊样本在等」) are the
    # impact too, but stay: without them a short symptom (「反应杯卡住了」) scores guides it does not fit.
    "samples": (
        r"(?:先|都|已经|暂时)(?:送|转|拿|放|存|留|搁|冻|拉)(?:到|去|在|着)?.{0,10}(?:做|测|查|着)"
        r"|(?:样本|标本|血样|血)(?:先|都|暂时)?(?:存|放|冻|留|搁|冷藏)(?:着|起来|在冰箱)"
        r"|(?:家长|家属|病人|患者|孩子|老人|孕妇|产妇|病号)[^，,。]{0,6}(?:在外面|外面等|在走廊|走廊等|在门口|门口等)"
    ),
}
# The hour is read apart: its words are all optional, so a clause made of them must also name a time.
_ASIDE = re.compile("|".join(f"(?:{pattern})" for kind, pattern in ASIDES.items() if kind != "time_of_call"))
_TIME_OF_CALL = re.compile(ASIDES["time_of_call"])
_TIME_WORD = re.compile(r"半夜|深夜|凌晨|夜里|这么晚|晚上|夜班|[0-9一二三四五六七八九十两]点")
# An alarm's code (「E-207」「Err12」), not a model (「MS-600」).
ALARM_CODE = r"(?<![A-Za-z])(?:E|Err|ERR|e)[-\s]?\d{2,4}(?!\d)"
# Another alarm told in words (「又跳了个报警，说稀释液不足」「还弹了一个提示 写着试剂仓温度高」), read by
# the intake (added to the fault) and by a guided step (the step that checks it).
_ALARM_IN_WORDS = re.compile(
    r"(?:又|还|再|也|新|另外又?)(?:跳出?来?|弹出?来?|报(?![修案备])|出现?|冒出?来?|显示|提示)了?"
    r"(?:一?个|一条)?(?:新的?)?(?:报警|警报|提示|警告|错误|故障)?"
    r"[，,：:\s]*(?:说是?|显示|提示|写着|内容是|是)?[：:\s]*(?![不没])([^，,。；;！!？?\s]{2,12})"
)
# Not another alarm: 「又出现同样的报警」「又出毛病了」「又显示正常了」「又提示了一下就没了」「还显示那个」
# 「再出现的话」.
_NO_NEW_ALARM = re.compile(
    r"同样|一样|还是|那个|这个|原来|问题|毛病|正常|可以|能用|好了|一下|没了|没事|的话|一次|一遍"
)
# What every alarm says: an alarm made only of these names nothing (「又报警了」).
_ALARM_WORDS = re.compile(
    r"报警|提示|警告|错误|故障|异常|不足|不够|用完了?|没了|满了|过低|过高|偏高|偏低|了$"
)


def alarm_in_words(text: str) -> str | None:
    """Another alarm the caller names in words, as they said it (「稀释液不足」); None when they name none."""
    match = _ALARM_IN_WORDS.search(text)
    if match is None:
        return None
    alarm = re.sub(r"[了的啦呢啊]+$", "", match.group(1))
    if len(alarm) < 2 or _NO_NEW_ALARM.search(alarm) or not alarm_core(alarm):
        return None
    return alarm


def alarm_core(alarm: str) -> str:
    """What an alarm names (「稀释液不足」 → 「稀释液」), without the words every alarm has."""
    return _ALARM_WORDS.sub("", alarm)


# Words of a fault: a clause with one is the symptom, whatever else it says (「样本针堵了怎么办」).
_FAULT_WORDS = re.compile(
    r"报错|报警|故障|异常|错误|坏|堵|撞|卡住|卡了|漏|不亮|不转|不动|黑屏|死机|偏高|偏低|过高|过低|不准|失控|失败|超时|漂移"
    r"|进不去|不进去|没反应|无反应"
    r"|[做测出打开吸升转读]不(?:了|出|上|来|动|开|起|到)"
    rf"|{ALARM_CODE}"
)


def says_a_fault(text: str) -> bool:
    """The text has a word of a fault (「报错」「堵」「偏高」) or an error code (「E-41」)."""
    return bool(_FAULT_WORDS.search(text))


def is_aside(clause: str) -> bool:
    """The clause says what the caller wants done, asks, or says of urgency, the hour or the samples: no part
    of a symptom or an address."""
    clause = clause.strip()
    if not clause or says_a_fault(clause):
        return False
    if _WISH_ONLY.fullmatch(clause) and (_WISH_CUE.search(clause) or len(clause) <= 3):
        return True
    return bool(_TIME_OF_CALL.fullmatch(clause) and _TIME_WORD.search(clause)) or bool(_ASIDE.search(clause))


def _without_wishes(text: str) -> str:
    """The text without its asides (and what is left of one: 「你们」「咯」)."""
    parts = re.split(r"([，,。；;！!？?\s]+)", text)
    kept = ""
    for before, part in zip(["", *parts[1::2]], parts[::2], strict=True):
        if part and not is_aside(part):
            kept += (before if kept else "") + part
    return kept


def asks_for_guidance(text: str) -> bool:
    return bool(re.search(ASKS_FOR_GUIDANCE, text)) and not re.search(DECLINES_CHECKS, text)


_ONLY_REPORT = re.compile(
    r"^(?:我要|要|想|来)?(?:报修|报个修|报一下修|保修|抱修|报秀|baoxiu|bao xiu)(?:一下)?$", re.IGNORECASE
)


def only_report(text: str) -> bool:
    """「报修」 and nothing else (also typed as 保修, 报秀)."""
    return bool(_ONLY_REPORT.match(text.strip()))


def fault(text: str) -> str | None:
    """The fault in the caller's words, without a payload, a greeting, who is calling or 「故障不对，是」."""
    if is_payload(text) or only_agrees(text):
        return None
    value = _without_wishes(_NOT_THE_FAULT.sub(" ", text)).strip().strip("。.!！~～，, ")
    previous = None
    while previous != value:
        previous = value
        value = _FAULT_PREFIX.sub("", value).strip()
    if not value or _ONLY_REPORT.match(value) or only_agrees(value) or len(re.findall(f"[{HAN}]", value)) < 2:
        return None
    return value


VALIDATORS: dict[str, Callable[[str], str | None]] = {
    "hospital": hospital,
    "department": department,
    "contact_person": person,
    "contact_phone": phone,
    "serial_number": serial,
    "site_address": address,
    "clinical_impact": clinical_impact,
    "fault_description": fault,
}
