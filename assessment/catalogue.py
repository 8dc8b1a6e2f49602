"""The default catalogue of 第四条: item names verbatim from the regulation, default points ours.

The regulation names the six basic-management and eight target-management items but gives no
points. The defaults below sum to exactly 100 per track; each year may change them while it is in
preparation (and "start next year from this one" copies the previous year's). The sub-items of
优质服务 and 廉政建设 follow 第六条 and 第十一条, which describe those items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .scoring import TRACK_TOTAL


@dataclass(frozen=True)
class SubItemSpec:
    name: str
    points: str
    rule: str = ""


@dataclass(frozen=True)
class ItemSpec:
    name: str
    max_points: str
    description: str
    rule: str
    sub_items: tuple[SubItemSpec, ...] = field(default_factory=tuple)


BASIC_ITEMS = (
    ItemSpec(
        "文明创建",
        "15",
        "文明单位创建工作开展情况，窗口环境、文明用语、仪容仪表。",
        "未开展文明创建活动的扣5分；窗口环境脏乱、服务用语不规范的，每发现一例扣1分，扣完为止。",
    ),
    ItemSpec(
        "优质服务",
        "25",
        "建立优质服务规范制度，实行限时办结制、服务承诺制、首问负责制、责任追究制（第六条）。",
        "每项制度未建立或未落实的扣该细项分值；群众有效投诉每例扣2分，扣完为止。",
        (
            SubItemSpec("限时办结制", "5", "超时办结每例扣1分"),
            SubItemSpec("服务承诺制", "5", "未公开服务承诺扣5分"),
            SubItemSpec("首问负责制", "5", "推诿群众每例扣2分"),
            SubItemSpec("责任追究制", "5", "未建立责任追究制度扣5分"),
            SubItemSpec("群众满意度", "5", "满意度低于90%的每低1个百分点扣1分"),
        ),
    ),
    ItemSpec(
        "廉政建设",
        "20",
        "廉政建设责任制落实情况（第十一条）。",
        "发生违纪违法案件的，该项不得分；其他问题每发现一例扣2分，扣完为止。",
        (
            SubItemSpec("“一岗双责”落实", "10", "未签订责任书扣5分"),
            SubItemSpec("廉政约谈", "5", "未按规定开展约谈扣5分"),
            SubItemSpec("禁止利用职权从事营利活动", "5", "发现一例扣5分"),
        ),
    ),
    ItemSpec(
        "政治业务学习",
        "15",
        "政治理论和业务知识学习制度、计划、记录及效果。",
        "无学习计划扣3分；学习记录不全的每缺一次扣1分，扣完为止。",
    ),
    ItemSpec(
        "信息宣传",
        "10",
        "政策宣传、政务信息报送和信息公开情况。",
        "全年报送信息少于12篇的，每少1篇扣0.5分，扣完为止。",
    ),
    ItemSpec(
        "公共管理",
        "15",
        "考勤、请销假、外出报备、安全保密、档案等内部管理（参见第五条）。",
        "每发现一例违反考勤和请销假制度的扣1分，扣完为止。",
    ),
)

TARGET_ITEMS = (
    ItemSpec(
        "待遇发放情况",
        "15",
        "各项社会保险待遇按时足额发放，审核、复核、发放环节规范。",
        "待遇未按时足额发放的，每发现一例扣2分，扣完为止。",
    ),
    ItemSpec(
        "扩大参保覆盖面情况",
        "15",
        "全年扩面目标任务完成情况。",
        "按目标任务完成比例计分：每低于目标1个百分点扣1分，扣完为止。",
    ),
    ItemSpec(
        "规范化建设情况",
        "10",
        "经办流程、服务标准、窗口建设规范化。",
        "每发现一项不规范扣1分，扣完为止。",
    ),
    ItemSpec(
        "基金财务管理情况",
        "15",
        "基金收支、银行账户、预算决算、对账管理（参见第八条）。",
        "每发现一例违反基金财务制度的扣3分，扣完为止。",
    ),
    ItemSpec(
        "个人权益记录管理情况",
        "10",
        "个人权益记录的采集、核对、维护、查询和保密。",
        "每发现一例记录错误或泄露扣2分，扣完为止。",
    ),
    ItemSpec(
        "稽核审计工作情况",
        "15",
        "稽核计划、稽核覆盖面、问题整改（参见第十条）。",
        "未完成稽核计划的扣5分；发现问题未督促整改的每例扣2分，扣完为止。",
    ),
    ItemSpec(
        "信息化工作情况",
        "10",
        "核心业务系统应用、数据质量、操作权限管理（参见第九条）。",
        "每发现一例违规操作或权限问题扣1分，扣完为止。",
    ),
    ItemSpec(
        "社会化服务情况",
        "10",
        "社会化管理服务、网上经办和便民服务。",
        "每项服务未开展扣2分，扣完为止。",
    ),
)

DEFAULT_CATALOGUE = {"basic": BASIC_ITEMS, "target": TARGET_ITEMS}


def _check_defaults() -> None:
    for track, items in DEFAULT_CATALOGUE.items():
        total = sum(Decimal(item.max_points) for item in items)
        assert total == TRACK_TOTAL, f"default {track} catalogue sums to {total}"  # noqa: S101
        for item in items:
            if item.sub_items:
                sub_total = sum(Decimal(sub.points) for sub in item.sub_items)
                assert sub_total == Decimal(item.max_points), item.name  # noqa: S101


_check_defaults()
