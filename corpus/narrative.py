"""The document's prose (概况, 决算情况说明, 绩效, 名词解释), section by section.

Paragraphs are lists of pieces (see :mod:`corpus.prose`); pieces a defect may change carry a
*slot* id such as ``income.total.amount`` or ``basic.301.pct``. Defects override a slot's text;
renderers only decide spacing, wrapping and glyphs. Every number is restated from
:class:`FinalAccounts`, so a clean narrative agrees with the tables exactly.
"""

from __future__ import annotations

from decimal import Decimal
from random import Random

from corpus.catalog import CN_NUMERALS
from corpus.departments import REASONS
from corpus.model import VEHICLE_ROWS, Fen, FinalAccounts, fmt_plain, percent
from corpus.prose import N, Narrative, Piece, T, Writer, pct_text, score_text


def _overview(w: Writer) -> None:
    a, d = w.a, w.a.dept
    w.para("h1", f"第一部分 {d.name}概况")
    w.para("h2", "一、部门主要职责")
    for i, duty in enumerate(d.duties):
        w.para("body", f"（{CN_NUMERALS[i]}）{duty}。")
    w.para("h2", "二、机构设置及人员情况")
    w.para(
        "body",
        f"纳入本套部门决算汇编范围的单位共1个，即{d.name}（本级）。{d.short}内设{d.inner_units}个职能科室。",
    )
    total = d.staff_actual + d.retirees + d.pensioners
    # 实有人数 = 在职 + 离休 + 退休 + (由养老保险基金发放养老金的离退休人员, listed after the
    # semicolon: A416 leaves that scope to the reader); 退休 is a slot (A416's defect changes it)
    w.para("body", f"本部门{a.year}年末编制数{d.staff_quota}人", _quota_parts(d.staff_quota, "staff.quota"),
           f"；年末实有人数{total}人，其中在职人员{d.staff_actual}人，离休人员0人，退休人员",
           N(str(d.retirees), "staff.retirees"), "人（不含由养老保险基金发放养老金的离退休人员）；年末其他人员0人；"
           f"由养老保险基金发放养老金的离退休人员{d.pensioners}人。")  # fmt: skip


def quota_split(quota: int) -> tuple[int, int]:
    """(行政编制, 事业编制) of an 编制数: a quarter (rounded down) are 事业编制."""
    return quota - quota // 4, quota // 4


def _quota_parts(quota: int, key: str) -> list[Piece]:
    """“，其中行政编制a人、事业编制b人” (slots ``<key>.admin`` / ``<key>.public``; restated in 绩效, A413)."""
    admin, public = quota_split(quota)
    out = [T("，其中行政编制"), N(str(admin), f"{key}.admin"), T("人")]
    if public:
        out += [T("、事业编制"), N(str(public), f"{key}.public"), T("人")]
    return out


def _income_expenditure(w: Writer) -> None:
    a, y, pv = w.a, w.a.year, w.a.previous
    w.para("h2", "一、收入决算情况说明")
    w.para(
        "body",
        f"本部门{y}年度收入总计",
        w.money(a.grand_total, "income.total"),
        "，其中年初结转和结余",
        w.money(a.carry_in, "income.carry_in"),
        "，",
        w.yoy("income.carry_in", a.carry_in, pv["carry_in"]),
        "；本年收入合计",
        w.money(a.income, "income.current"),
        "，",
        w.yoy("income.current", a.income, pv["income"]),
        w.reason("income", a.income > pv["income"]),
        # stated (as 0, 持平) so that every line of both sides has its previous-year value (A415)
        "；使用非财政拨款结余",
        w.money(0, "income.nonfiscal_used"),
        "，",
        w.yoy("income.nonfiscal_used", 0, 0),
        "。",
    )
    parts = [
        ("财政拨款收入", a.fiscal_income, "fiscal"),
        ("事业收入", 0, "business"),
        ("经营收入", 0, "operating"),
        ("上级补助收入", 0, "superior"),
        ("附属单位上缴收入", 0, "affiliated"),
        ("其他收入", a.other_income, "other"),
    ]
    body: list[Piece] = [T("本年收入的具体构成：")]
    for i, (label, fen, key) in enumerate(parts):
        body += [T("；" if i else "")] + w.share(label, fen, a.income, f"income.part.{key}")
    w.para("body", body, "。")
    w.para("h2", "二、支出决算情况说明")
    up = a.expenditure > pv["expenditure"]
    tail = [T(w.reason("carry", a.carry_out > pv["carry_out"]))] if a.carry_out != pv["carry_out"] else []
    w.para(
        "body",
        f"本部门{y}年度支出总计",
        w.money(a.grand_total, "expenditure.total"),
        "，其中本年支出合计",
        w.money(a.expenditure, "expenditure.current"),
        "，",
        w.yoy("expenditure.current", a.expenditure, pv["expenditure"]),
        w.reason("income", up),
        "；年末结转和结余",
        w.money(a.carry_out, "expenditure.carry_out"),
        "，",
        w.yoy("expenditure.carry_out", a.carry_out, pv["carry_out"]),
        tail,
        "；结余分配",
        w.money(0, "expenditure.distribution"),
        "，",
        w.yoy("expenditure.distribution", 0, 0),
        "。",
    )
    parts = [("基本支出", a.basic, "basic"), ("项目支出", a.project, "project"), ("经营支出", 0, "operating"),
             ("上缴上级支出", 0, "upper"), ("对附属单位补助支出", 0, "affiliated")]  # fmt: skip
    body = [T("本年支出的具体构成：")]
    for i, (label, fen, key) in enumerate(parts):
        body += [T("；" if i else "")] + w.share(label, fen, a.expenditure, f"expenditure.part.{key}")
    w.para("body", body, "。")


def _fiscal(w: Writer) -> None:
    a, y = w.a, w.a.year
    w.para("h2", "三、财政拨款支出决算情况说明")
    budget = sum(a.budgets.values())
    w.para(
        "body",
        f"本部门{y}年度财政拨款本年支出",
        w.completion("fiscal.total", budget, a.fiscal_expenditure, "年初预算数", "完成年初预算的"),
        "。其中：",
    )
    for i, cat in enumerate(a.categories(fiscal_only=True)):
        b, d = a.budgets[cat], a.sum_prefix(cat, True)
        tail = (
            "。"
            if b == d
            else (f"。预决算差异主要原因：{w.rng.choice(REASONS['budget'][0 if d > b else 1])}。")
        )
        if b == 0:
            tail = "，主要原因：年中追加预算。"
        w.para(
            "body",
            f"（{CN_NUMERALS[i]}）{a.names[cat]}（类）",
            w.completion(f"fiscal.{cat}", b, d, "年初预算数", "完成年初预算的"),
            tail,
        )
    _fiscal_items(w)
    w.para("h2", "四、一般公共预算财政拨款基本支出决算情况说明")
    w.para(
        "body",
        f"本部门{y}年度一般公共预算财政拨款基本支出",
        w.money(a.fiscal_basic, "basic.total"),
        "，其中：",
    )
    labels = [
        ("301", "工资福利支出"),
        ("302", "商品和服务支出"),
        ("303", "对个人和家庭补助支出"),
        ("310", "资本性支出"),
    ]
    for i, (cls, label) in enumerate(labels):
        cur, prev = a.econ_class(cls), a.previous[cls]
        topic = {"301": "personnel", "302": "goods", "303": "personnel", "310": "capital"}[cls]
        why = w.reason(topic, cur > prev) if cur != prev else ""
        w.para(
            "body",
            f"（{CN_NUMERALS[i]}）{label}",
            w.money(cur, f"basic.{cls}"),
            "，",
            w.yoy(f"basic.{cls}", cur, prev),
            why,
            "。",
        )


# What each 项 of table 05 pays for (五(三)-style item list). Each text differs from every other;
# only a 项 of 住房/医疗/养老 names its own area (N306 reads those words), none ends in 基本支出/项目支出
# (N304) or lists “主要包括” (N305), and none restates a number.
ITEM_USAGES = {
    "行政运行": "保障机关正常运转的工资福利、办公和水电等日常开支",
    "一般行政管理事务": "业务培训、专题调研和宣传资料印制",
    "信访事务": "来信来访接待和矛盾纠纷排查化解",
    "其他政府办公厅（室）及相关机构事务支出": "政务值班和重要会议筹办",
    "专项普查活动": "经济普查和人口抽样调查的组织实施",
    "审计业务": "审计项目现场实施和聘请中介机构",
    "招商引资": "招商推介活动和投资项目洽谈对接",
    "档案馆": "档案接收整理、数字化加工和库房维护",
    "基层司法业务": "人民调解、社区矫正和法治宣传",
    "其他科学技术管理事务支出": "科技项目评审和科技成果转化服务",
    "群众文化": "群众文化活动组织和公共文化场馆免费开放",
    "行政单位离退休": "离退休人员的离退休费和生活补贴",
    "机关事业单位基本养老保险缴费支出": "按规定为在职职工缴纳的基本养老保险费",
    "机关事业单位职业年金缴费支出": "按规定为在职职工缴纳的职业年金",
    "死亡抚恤": "去世人员的丧葬费和一次性抚恤金",
    "其他退役军人事务管理支出": "退役军人服务保障和优抚对象走访慰问",
    "行政单位医疗": "在职职工的基本医疗保险缴费",
    "公务员医疗补助": "公务员医疗补助缴费",
    "其他医疗保障管理事务支出": "医保基金监管和医疗保障政策宣传",
    "其他城乡社区管理事务支出": "城市环境整治和社区公共设施维护",
    "其他农业农村支出": "农业技术推广和农村人居环境整治",
    "其他涉外发展服务支出": "对外交流合作和涉外展会组织",
    "住房公积金": "按规定为职工缴存的住房公积金",
}


def _fiscal_items(w: Writer) -> None:
    """After the 类 paragraphs of 三, every 项 of table 05 (一般公共预算财政拨款支出决算表) with its 决算数
    and 用途: “1、XX支出（类）XX（款）XX（项）支出决算为X万元，主要用于：…。” (slots
    ``items.<code>.amount`` / ``items.<code>.usage``; N303–N307 read them, N320 the 类 they name)."""
    a = w.a
    for i, lf in enumerate(lf for lf in a.leaves if lf.fiscal):
        head = f"{i + 1}、{a.names[lf.code[:3]]}（类）{a.names[lf.code[:5]]}（款）{lf.name}（项）支出决算为"
        usage = ITEM_USAGES.get(lf.name, f"{lf.name}方面的业务工作")
        w.para("body", head, N(fmt_plain(lf.total), f"items.{lf.code}.amount"), "万元，主要用于：",
               T(usage, f"items.{lf.code}.usage"), "。")  # fmt: skip


def _three_public(w: Writer) -> None:
    y, tp = w.a.year, w.a.three_public
    label = "全年预算数" if tp.show_full_year else "年初预算数"
    done = "完成全年预算的" if tp.show_full_year else "完成预算的"
    attr = "full_year" if tp.show_full_year else "initial"
    w.para("h2", "五、财政拨款“三公”经费支出决算情况说明")

    def yoy_tail(key: str, cur: Fen, prev: Fen) -> list[Piece]:
        why = [T(w.reason("three_public", cur > prev))] if cur != prev else []
        return [T("。决算数"), *w.yoy(key, cur, prev), *why]

    total_cur, total_prev = tp.total("actual"), tp.total("previous")
    w.para(
        "body",
        f"本部门{y}年度财政拨款“三公”经费支出",
        w.completion("3p.total", tp.total(attr), total_cur, label, done),
        "；决算数",
        w.yoy("3p.total", total_cur, total_prev),
        "，其中：",
    )
    ab = tp.abroad
    w.para(
        "body",
        "（一）因公出国（境）费",
        w.completion("3p.abroad", getattr(ab, attr), ab.actual, label, done),
        yoy_tail("3p.abroad", ab.actual, ab.previous),
        "。全年安排因公出国（境）团组",
        N(str(tp.abroad_groups), "3p.abroad.groups"),
        "个，累计",
        N(str(tp.abroad_people), "3p.abroad.people"),
        "人次。",
    )
    cp, cr = tp.car_purchase, tp.car_running
    w.para(
        "body",
        "（二）公务用车购置及运行维护费",
        label,
        N(fmt_plain(getattr(cp, attr) + getattr(cr, attr)), "3p.car.budget"),
        "万元，决算数",
        N(fmt_plain(cp.actual + cr.actual), "3p.car.actual"),
        "万元，其中：公务用车购置",
        w.completion("3p.car_purchase", getattr(cp, attr), cp.actual, label, done),
        "。全年使用财政拨款购置公务用车",
        N(str(tp.cars_bought), "3p.cars_bought"),
        "辆。公务用车运行维护费",
        w.completion("3p.car_running", getattr(cr, attr), cr.actual, label, done),
        yoy_tail("3p.car_running", cr.actual, cr.previous),
        "。年末使用财政拨款负担费用的公务用车保有量",
        N(str(tp.cars_held), "3p.cars_held"),
        "辆。",
    )
    rc = tp.reception
    w.para(
        "body",
        "（三）公务接待费",
        w.completion("3p.reception", getattr(rc, attr), rc.actual, label, done),
        yoy_tail("3p.reception", rc.actual, rc.previous),
        "。全年国内公务接待",
        N(str(tp.reception_batches), "3p.reception.batches"),
        "批，累计接待",
        N(str(tp.reception_people), "3p.reception.people"),
        "人次，其中外事接待0批，累计接待0人次。",
    )


def _other_sections(w: Writer) -> None:
    a, y, pr = w.a, w.a.year, w.a.procurement
    w.para("h2", "六、机关运行经费支出情况说明")
    prev = a.previous["admin_cost"]
    w.para(
        "body",
        f"本部门{y}年度机关运行经费支出",
        w.money(a.public, "admin_cost"),
        "，决算数",
        w.yoy("admin_cost", a.public, prev),
        T(w.reason("goods", a.public > prev) if a.public != prev else "", "admin_cost.reason"),
        "。",
    )
    w.para("h2", "七、政府采购支出情况说明")
    body = [T(f"本部门{y}年度政府采购支出总额"), *w.money(pr.total, "proc.total"), T("，其中：政府采购货物支出"),
            *w.money(pr.goods, "proc.goods"), T("、政府采购工程支出"), *w.money(pr.works, "proc.works"),
            T("、政府采购服务支出"), *w.money(pr.services, "proc.services"), T("。授予中小企业合同金额"),
            *w.money(pr.sme, "proc.sme"), T("，占政府采购支出总额的"), N(pct_text(percent(pr.sme, pr.total)), "proc.sme.share"),
            T("，其中：授予小微企业合同金额"), *w.money(pr.small_micro, "proc.small"),
            T("，占授予中小企业合同金额的"), N(pct_text(percent(pr.small_micro, pr.sme)), "proc.small.share"), T("。")]  # fmt: skip
    kinds = [
        ("货物", pr.sme_goods, pr.goods),
        ("工程", pr.sme_works, pr.works),
        ("服务", pr.sme_services, pr.services),
    ]
    said = [k for k in kinds if k[2] > 0]
    for i, (label, sme, whole) in enumerate(said):
        body += [T(f"{label}采购授予中小企业合同金额占{label}支出金额的"), N(pct_text(percent(sme, whole)))]
        body.append(T("。" if i == len(said) - 1 else "，"))
    w.para("body", body)
    w.para("h2", "八、国有资产占用情况说明")
    v = a.assets.vehicles
    body = [
        T(f"截至{y}年12月31日，本部门共有车辆"),
        N(str(a.assets.vehicle_total), "assets.vehicles"),
        T("辆（台），其中："),
    ]
    for i, name in enumerate(VEHICLE_ROWS):
        body += [T(name), N(str(v[name])), T("辆" + ("、" if i < len(VEHICLE_ROWS) - 1 else "。"))]
    for j, (label, n) in enumerate(a.assets.equipment):
        body += [T(("本部门" if j == 0 else "") + label.split("（台")[0]), N(str(n)), T("台（套）")]
        body.append(T("。" if j == len(a.assets.equipment) - 1 else "，"))
    w.para("body", body)


def _grade_counts(grade: str) -> list[Piece]:
    """评价结果为“优”的项目1个，…“差”的项目0个 (one project, graded ``grade``)."""
    out: list[Piece] = []
    for i, g in enumerate(("优", "良", "中", "差")):
        out += [
            T(("，" if i else "") + f"评价结果为“{g}”的项目"),
            N(str(int(g == grade)), f"perf.count.{g}"),
            T("个"),
        ]
    return out


def _performance(w: Writer) -> None:
    a, y, pf = w.a, w.a.year, w.a.performance
    w.para("h2", "九、预算绩效情况说明")
    w.para("h3", "（一）绩效管理工作开展情况。")
    w.para("body", f"根据预算绩效管理要求，本部门组织对纳入{y}年度部门预算范围的项目支出全面开展绩效自评，"
           "对照年初设定的绩效目标逐项核实完成情况，形成自评结论。共对", N("1", "perf.projects"),
           "个项目开展绩效自评，其中", _grade_counts(pf.stated_grade), "。")  # fmt: skip
    # the department's 整体支出 evaluation covers its 一般公共预算 spending (A417 checks the amount)
    w.para("body", f"组织对“{a.dept.name}”1个部门开展整体支出绩效评价，涉及一般公共预算支出",
           N(fmt_plain(a.fiscal_expenditure), "perf.whole.amount"), "万元。")  # fmt: skip
    # the 预算绩效管理 考核's 总分 with its parts, as the attached report states it (P610)
    scores = management_scores(a)
    parts: list[Piece] = [T("（其中")]
    for i, (name, _, score) in enumerate(scores):
        parts += [T(("、" if i else "") + f"{name}指标"), N(score_text(score), f"mgmt.part.{i}"), T("分")]
    w.para("body", f"经{a.dept.short}绩效评价小组评定，{y}年预算绩效管理工作考核总分为",
           N(score_text(sum((s for _, _, s in scores), Decimal(0))), "mgmt.total"), "分", parts, "）。")  # fmt: skip
    w.para("h3", "（二）部门决算中项目绩效自评结果。")
    # the level of government the department speaks of (W607): a 市 department's own 市级 决算
    w.para("body", "我部门今年在", T("市", "perf.level"), f"级部门决算中反映“{pf.project}”项目绩效自评结果。")
    w.para("body", f"{a.dept.name}“{pf.project}”项目支出绩效自评表如下：")
    w.para("score_table")
    w.para("h3", "（三）项目绩效评价结论。")
    w.para(
        "body",
        "该项目全年预算数",
        w.money(pf.budget_full, "perf.budget"),
        "，全年执行数",
        w.money(pf.executed, "perf.executed"),
        "，执行率",
        N(pct_text(pf.execution_rate), "perf.rate"),
        f"。该项目{y}年度评价得分为",
        N(score_text(pf.stated_total), "perf.score"),
        "分，",
        T(f"评价为{pf.stated_grade}", "perf.grade"),
        "。项目资金拨付及时，绩效目标基本实现。",
    )
    # the 绩效 report restates the department's staff (as real reports do): a second statement
    # the narrative must agree with (A413)
    d = a.dept
    w.para("body", f"本部门{y}年末编制数{d.staff_quota}人", _quota_parts(d.staff_quota, "perf.quota"), "；年末实有人数",
           N(str(d.staff_actual + d.retirees + d.pensioners), "perf.staff.total"),
           "人，其中在职人员", N(str(d.staff_actual), "perf.staff.in_service"), "人。")  # fmt: skip


def _glossary(w: Writer) -> None:
    w.para("h1", "第四部分 名词解释")
    for i, (term, text) in enumerate([
        ("财政拨款收入", "指本级财政当年拨付的资金。"),
        ("其他收入", "指除财政拨款收入、事业收入、经营收入等以外的各项收入。"),
        ("年初结转和结余", "指以前年度尚未完成、结转到本年按有关规定继续使用的资金。"),
        ("基本支出", "指为保障机构正常运转、完成日常工作任务而发生的人员经费和公用经费。"),
        ("项目支出", "指在基本支出之外为完成特定行政任务和事业发展目标所发生的支出。"),
        ("“三公”经费", "指用财政拨款安排的因公出国（境）费、公务用车购置及运行维护费和公务接待费。"),
        ("机关运行经费", "指为保障行政单位运行用于购买货物和服务的各项资金。"),
    ]):  # fmt: skip
        w.para("body", f"（{CN_NUMERALS[i]}）{term}：{text}")
    # a 科目 with its level and code, as real glossaries print them (S702 checks the pair). Not
    # 行政运行: S702 compares names allowing one OCR-misread character only from five characters on
    main = next(lf.code for lf in w.a.leaves if lf.name == "一般行政管理事务")
    w.para("body", T(f"（{CN_NUMERALS[i + 1]}）一般行政管理事务（项 {main}）", "glossary.subject"),
           "：反映行政单位未单独设置项级科目的其他项目支出。")  # fmt: skip
    # a 科目 as a 类/款/项 chain without codes (S702 finds its codes in the tables). 住房公积金: no
    # character the OCR style misreads, so a scan's table still names the 项 exactly. The term and
    # its “：” come first, so no defect kind that picks “（N）…” paragraphs takes this one
    names = w.a.names
    if "2210201" in names:
        item = names["2210201"]
        chain = f"（{CN_NUMERALS[i + 2]}）{item}：{names['221']}（类）{names['22102']}（款）{item}（项）"
        w.para(
            "body",
            T(chain, "glossary.chain"),
            "，反映行政事业单位按住房公积金管理规定为职工缴存的住房公积金。",
        )


# the 预算绩效管理 考核's parts and their 分值 (P610: the narrative's 总分 and the attached report)
MANAGEMENT_PARTS = (
    ("基础工作管理", 20, "成立预算绩效管理工作领导小组，制定预算绩效管理工作办法"),
    ("绩效目标管理", 20, "在规定时间内报送项目支出绩效目标表"),
    ("绩效监控管理", 20, "按季度报送项目支出绩效目标执行监控表"),
    ("绩效评价管理", 30, "完成项目支出绩效自评并提交绩效自评表"),
    ("结果运用管理", 10, "将评价结果在一定范围内公开并用于完善管理"),
)


def management_scores(a: FinalAccounts) -> list[tuple[str, int, Decimal]]:
    """(part, 分值, 得分) of the 预算绩效管理 考核: 0–2 points off a part, from the text seed."""
    rng = Random(f"mgmt:{a.text_seed}")
    return [
        (name, weight, Decimal(weight - rng.choice((0, 0, 1, 2)))) for name, weight, _ in MANAGEMENT_PARTS
    ]


def _management_report(w: Writer) -> None:
    """The attached 预算绩效管理工作自评报告: “自评得M分” (slot ``mgmt.self``), then a numbered
    section per part ending “依据评分标准，该指标得k分。” (M = Σ k = the narrative's 总分)."""
    a = w.a
    scores = management_scores(a)
    w.para("h1", "附件")
    w.para("h2", f"{a.year}年度{a.dept.name}预算绩效管理工作自评报告")
    w.para("body", f"根据预算绩效管理考核评分标准，{a.dept.short}自评得",
           N(score_text(sum((s for _, _, s in scores), Decimal(0))), "mgmt.self"), "分。现将有关情况报告如下：")  # fmt: skip
    for i, ((name, _, score), (_, _, work)) in enumerate(zip(scores, MANAGEMENT_PARTS, strict=True)):
        w.para("h2", f"{CN_NUMERALS[i]}、{name}")
        w.para("body", f"{a.dept.short}{work}。依据评分标准，该指标得",
               N(score_text(score), f"mgmt.item.{i}"), "分。")  # fmt: skip


def build_narrative(a: FinalAccounts) -> Narrative:
    """All prose of the document, with the table block and the score table as placeholders."""
    w = Writer(a)
    _overview(w)
    w.para("h1", f"第二部分 {a.year}年度部门决算表")
    w.para("tables")
    w.para("h1", f"第三部分 {a.year}年度部门决算情况说明")
    _income_expenditure(w)
    _fiscal(w)
    _three_public(w)
    _other_sections(w)
    _performance(w)
    _glossary(w)
    _management_report(w)
    return Narrative(w.paras)
