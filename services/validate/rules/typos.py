"""Typos: a curated confusion set of phrases that are wrong in every context a government finance
document can put them in (like the proofreading lists 公文校对 uses and pycorrector's confusion
sets; no model). Each entry is a multi-character phrase with enough context that it cannot match
correct text; duplicated words are W602's, not this rule's."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from shared.models import Category, Evidence, Finding, ParsedDocument, Severity
from shared.normalize import fold_text

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import make_finding


@dataclass(frozen=True)
class Typo:
    """``pattern`` matches the wrong phrase (on NFKC text without spaces); the correction is the
    match with ``wrong`` replaced by ``right``."""

    pattern: str
    wrong: str
    right: str
    note: str


_AFTER_MODAL = r"(?<=[为要应须将并])"  # “为确实做好…”, but not “确实做好了” (indeed done)
CONFUSIONS: list[Typo] = [
    # found by expert auditors in the seeds
    Typo(
        _AFTER_MODAL + r"确实(?:做好|加强|抓好|履行)(?![了的过])",
        "确实",
        "切实",
        "“切实”（实实在在地）误作“确实”",
    ),
    Typo(r"(?<![大校特连一绝])招开(?=[^,，。;；]{0,8}会)", "招开", "召开", "“召开”会议误作“招开”"),
    Typo(
        r"(?:无法|难以|不能|不易|较难)准备(?:判断|评估|衡量|统计|核算|计算|预测|测算)",
        "准备",
        "准确",
        "“准确”误作“准备”",
    ),
    Typo(r"授权中小微?企业的?合同", "授权", "授予", "政府采购中合同“授予”中小企业，误作“授权”"),
    Typo(r"截至目(?=\d)", "截至目", "截至", "“截至目前”改写为具体日期时残留“目”字"),
    Typo(r"截止目(?=\d)", "截止目", "截至", "“截至目前”改写为具体日期时残留“目”字"),
    Typo(r"顶级科目", "顶级", "项级", "政府收支分类科目分类、款、项三级，无“顶级”（“项”误作“顶”）"),
    Typo(r"等\d+企业", "企业", "家企业", "数词后缺少量词（“等13家企业”）"),
    Typo(r"[,，]增下降\d", "增下降", "下降", "模板“增长（下降）”删改时残留“增”字"),
    Typo(r"指标[:：]\d+[:：]", "指标:", "指标", "指标序号前多出冒号（“指标6：”）"),
    Typo(
        r"按支出功能分类[,，]?其中[:：]?基本支出",
        "功能分类",
        "性质分类",
        "基本支出、项目支出是按支出性质的划分，不是支出功能分类",
    ),
    # well-known errors of official documents (公文常见错别字)
    Typo(r"布署", "布署", "部署", "“部署”误作“布署”"),
    Typo(r"(?:进行|完成|负责|设备|空调|监控|系统)按装", "按装", "安装", "“安装”误作“按装”"),
    Typo(r"(?:统筹|合理)按排", "按排", "安排", "“安排”误作“按排”"),
    Typo(r"度过(?:难关|危机)", "度过", "渡过", "“渡过难关”的“渡”误作“度”"),
    Typo(r"截止目前", "截止", "截至", "“截至”后接时间，“截止”不带宾语"),
    Typo(
        r"帐(?:户|目|务|簿|面|款|号|册)|(?:记|对|报|转|挂|查|做|建|入|销|结|总|明细|流水)帐",
        "帐",
        "账",
        "会计用字为“账”（“帐”指帐篷、蚊帐等）",
    ),
    Typo(r"(?<![重再所])做为", "做为", "作为", "“作为”误作“做为”"),
    Typo(r"必须品", "必须品", "必需品", "“必需品”误作“必须品”"),
    Typo(r"再接再励", "再接再励", "再接再厉", "“再接再厉”误作“再接再励”"),
    Typo(r"贯切(?:落实|执行|中央|党的|上级)|认真贯切", "贯切", "贯彻", "“贯彻”误作“贯切”"),
    Typo(r"拔付|财政拔款|下拔(?:资金|经费)", "拔", "拨", "“拨款”“拨付”误作“拔”"),
    Typo(r"部份", "部份", "部分", "规范用字为“部分”"),
    Typo(r"积效", "积效", "绩效", "“绩效”误作“积效”"),
    Typo(r"公务接侍|接侍费", "接侍", "接待", "“接待”误作“接侍”"),
    Typo(r"一如继往", "一如继往", "一如既往", "“一如既往”误作“一如继往”"),
    Typo(r"按步就班", "按步就班", "按部就班", "“按部就班”误作“按步就班”"),
    Typo(r"默守成规", "默守成规", "墨守成规", "“墨守成规”误作“默守成规”"),
    Typo(r"有的放失", "有的放失", "有的放矢", "“有的放矢”误作“有的放失”"),
    Typo(r"相辅相承", "相辅相承", "相辅相成", "“相辅相成”误作“相辅相承”"),
    Typo(r"不容质疑", "不容质疑", "不容置疑", "“不容置疑”误作“不容质疑”"),
    Typo(r"膨涨", "膨涨", "膨胀", "“膨胀”误作“膨涨”"),
    Typo(r"峻工", "峻工", "竣工", "“竣工”误作“峻工”"),
    Typo(r"勤简节约", "勤简节约", "勤俭节约", "“勤俭节约”误作“勤简节约”"),
    Typo(r"历行节约", "历行节约", "厉行节约", "“厉行节约”误作“历行节约”"),
    Typo(r"扶恤", "扶恤", "抚恤", "“抚恤”误作“扶恤”"),
    Typo(r"釆(?:购|取|用|集|纳)", "釆", "采", "“采”误作形近字“釆”"),
    Typo(r"办工(?:室|经费|用房|设备|楼)", "办工", "办公", "“办公”误作“办工”"),
    Typo(
        r"事物支出|(?:机构|政务|财政|外事|侨务)事物\((?:项|款)\)",
        "事物",
        "事务",
        "科目名称中的“事务”误作“事物”",
    ),
    Typo(r"年出预算", "年出", "年初", "“年初预算”误作“年出预算”"),
]

# each entry's ``wrong`` is a literal of its match: a plain substring test over the whole text picks
# the few entries worth running (one alternation regex with lookbehinds costs ~0.1 ms a line)
_COMPILED = [re.compile(t.pattern) for t in CONFUSIONS]
OCR_LOOKALIKE = 0.8  # a typo in text read by OCR: marked unsure (the scan may print it right)
_SPACE = re.compile(r"\s+")


def _normalised(texts: list[str]) -> list[str]:
    """Each text NFKC-normalised (Kangxi radicals ⼀⽀ → 一支) without whitespace (OCR spaces out
    characters); normalised in one call, which costs a tenth of one call per line."""
    whole = _SPACE.sub("", fold_text("\x00".join(texts)))
    return whole.split("\x00")


@rule(
    "W690",
    "typo",
    Category.WORDING,
    Severity.INFO,
    "疑似错别字",
    "按一份人工整理的错别字表（公文校对常用的易错词，如“确实做好”→“切实做好”、“招开”→“召开”、“布署”→“部署”、"
    "“帐户”→“账户”）逐行查找说明文字中的错别字。表中每一项都带有足够的上下文，只在写错时才会出现；"
    "字词重复由 W602 检查，“其它”等可接受的写法不报告。",
    "错别字虽不影响数字，却说明公开文本未经校对，降低公开文件的严肃性和可信度。",
    "为确实做好 2021 年度部门绩效自评工作，提高财政资金使用效益……（应为“切实做好”）",
)
def typo(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if not doc.passages:
        raise NotApplicable("没有可检查的文本")
    lines = doc.passages
    norms = _normalised([p.quote for p in lines])
    whole = "".join(norms)
    present = [i for i, t in enumerate(CONFUSIONS) if t.wrong in whole]
    for i, ref in enumerate(lines):
        ctx.tick()
        if not present:
            continue
        # a phrase may wrap onto the next line of the same page
        joined = i + 1 < len(lines) and lines[i + 1].prov.page == ref.prov.page
        own = norms[i]
        text = own + norms[i + 1] if joined else own
        for index in present:
            if CONFUSIONS[index].wrong not in text:
                continue
            # a match starting on the next line alone is reported there
            hits = [m for m in _COMPILED[index].finditer(text) if m.start() < len(own)]
            if not hits:
                continue
            entry, m = CONFUSIONS[index], hits[0]  # one finding per entry and line
            wrong = m.group(0)
            right = wrong.replace(entry.wrong, entry.right)
            again = f"（本行共 {len(hits)} 处）" if len(hits) > 1 else ""
            crosses = m.end() > len(own)
            quote = ref.quote.strip() + (lines[i + 1].quote.strip() if crosses else "")
            f = make_finding(
                rule,
                ctx,
                f"疑似错别字：“{wrong}”应为“{right}”。{again}",
                [Evidence(quote=quote[:160], prov=ref.prov)],
                [wrong],
                right,
                f"错别字表：{entry.note}",
                # on a scan a look-alike character is as likely the recogniser's as the writer's
                OCR_LOOKALIKE if doc.kind.is_ocr else 1.0,
            )
            if f:
                yield f
