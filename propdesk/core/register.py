"""The form and record register of SPEC §19 as data: default document types per project.

(key, form name, number code, record-name suffix or "", project kinds). A record name such as
`地王/客服记录-17` is `{project.record_prefix}/客服记录-17`; both are editable per project (R-GEN-03).
"""

from __future__ import annotations

from typing import Final

RES, SALES = "residential", "sales_centre"
BOTH = (RES, SALES)

FORM_REGISTER: Final[list[tuple[str, str, str, str, tuple[str, ...]]]] = [
    ("movein_appointment", "办理入住预约登记表", "RZ", "客服记录-01", (RES,)),
    ("key_issue", "钥匙发放、文件回收登记表", "YS", "客服记录-02", (RES,)),
    ("house_inspection", "验房单", "YF", "客服记录-03", (RES,)),
    ("archive_borrowing", "档案借阅登记表", "JY", "客服记录-04", (RES,)),
    ("archive_catalogue", "业主档案卷内目录", "ML", "客服记录-05", (RES,)),
    ("internal_filing", "内业资料存档记录", "CD", "客服记录-06", (RES,)),
    ("visit_plan", "业主走访工作计划", "ZJ", "客服记录-07", (RES,)),
    ("visit_record", "业主走访记录", "ZF", "客服记录-08", (RES,)),
    ("visit_feedback", "走访意见反馈书", "FK", "客服记录-09", (RES,)),
    ("quality_inspection", "品质检查记录表", "PJ", "客服记录-10", (RES,)),
    ("quality_rectification", "品质检查整改通知单", "ZG", "客服记录-11", (RES,)),
    ("hot_water_topup", "热水续费通知书", "RS", "客服记录-12", (RES,)),
    ("tennis_booking", "网球场订场记录", "WQ", "客服记录-13", (RES,)),
    ("storage_entrustment", "物品寄存委托书", "JC", "客服记录-14", (RES,)),
    ("front_desk_ledger", "前台接待台帐", "QT", "客服记录-15", (RES,)),
    ("repair_sheet", "工程部维修单", "WX", "客服记录-16", (RES,)),
    ("contact_sheet", "部门工作联系单", "LX", "客服记录-17", BOTH),
    ("complaint", "客户投诉登记表", "TS", "", BOTH),
    ("complaint_handling", "投诉处理书", "CL", "", BOTH),
    ("reply_letter", "回馈函件", "HH", "", BOTH),
    ("vip_card", "VIP客户资料卡", "VIP", "", (SALES,)),
    ("visit", "来访接待记录", "LF", "", (SALES,)),
    ("appointment", "预约接待登记", "YY", "", (SALES,)),
]
