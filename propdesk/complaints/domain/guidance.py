"""Guidance shown on the intake and handling screens: service principles, standard phrases
(R-GEN-12, R-COMPLAINT-05/17/36..41/54/71) and the six STEPS (R-COMPLAINT-81..86).

The phrases are quoted verbatim from the seeds (punctuation included); [S3] text is given in
Simplified characters. Placeholders (X先生, XXX) are template slots for the UI.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

# key -> phrases, in the order they are shown.
GUIDANCE: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        # Service principles: R-GEN-12, R-COMPLAINT-17 (S0) and R-COMPLAINT-71 (S3)
        "principles": (
            "先处理心情,后处理事情",
            "谦恭礼貌、迅速周到",
            "有礼、有节、有据",
            "礼貌、乐观、热情、友善、耐心、平等",
        ),
        # R-COMPLAINT-05: never argue or quarrel [S0][S3]
        "conduct": (
            "避免和客户不必要的冲突",
            "严禁与客户进行辩论、争吵",
        ),
        # R-COMPLAINT-36: face-to-face reception etiquette [S2]
        "reception_etiquette": (
            "停止所做的任何工作,抬头面向业主,起身相迎,问好,让座,倒水",
            "仔细倾听业主的投诉,不要打断业主,注意业主倾诉不要将他看做个人问题,不要打断,避免解释或指出事实",
            "表现出适当的关心,要同情了解业主的感受,不要表现出不耐烦",
        ),
        "not_sure": ("对不起,您说的这件事我不太清楚,请稍等一下,我马上了解一下",),
        # R-COMPLAINT-37: establish the facts [S2]
        "establish_facts": ("X先生,我会将问题处理得使您满意,您看,哪项服务打扰您了!",),
        # R-COMPLAINT-38: major / compensation complaints before responsibility is defined [S2]
        "no_promise": ("会就此事与有关部门协调,给业主答复",),
        # R-COMPLAINT-40: telephone reception [S2]
        "phone_transfer": ("请您稍等,您所说的事情由XXX负责,他会帮您解决问题,我帮您转接",),
        "phone_wait": ("对不起,我让您久等了",),
        "phone_invite": ("我是XXX有什么我可以帮忙的吗?",),
        # R-COMPLAINT-41: read back before replying [S2]
        "phone_read_back": (
            "对于谈话中涉及的人员、地点、预定时间、问题描述等重点内容,应复述一遍加以确认",
        ),
        # R-COMPLAINT-54: CM phone complaints start with an apology [S3] (A-CMP-10: 歉意)
        "apology_first": ("首先向客户表示歉意",),
    }
)

# The six steps of the sales-centre guideline [S3 篇2], (name, text). Step 4 keeps the seed's
# wording except the typo 象 -> 向 ("向他提供正确的信息"), as A-CMP-10 does for 兼意 -> 歉意.
_STEPS: Final = (
    ("关注", "放下手里的工作,面对客户,保持与客户的目光接触"),
    (
        "聆听",
        "仔细听取客户所诉,记录并提问,记录下客户的姓名、房号、联系方式,如有可能留取客户名片",
    ),
    ("关键", "找出问题的关键,告诉自己认真对待,要争取完满的解决客户问题"),
    (
        "行动",
        "告诉客户我们会帮助他,当他不明白时向他提供正确的信息。若是公司的错误时要向客户表示道歉。"
        "尽快的找到解决的办法,并告诉客户如何帮助他解决问题",
    ),
    (
        "求助",
        "如果我们已经尽力但没能解决客户的问题时,我们必须向上级主管或责任部门求助,"
        "向他们说明客户的问题,而不是再让客户重复这个问题",
    ),
    (
        "完成",
        "确保客户满意我们的解决方式和处理后,要认真的进行登记存档,"
        "并保持和客户的经常性沟通,使客户真正的成为我们的朋友!",
    ),
)


def steps_checklist() -> tuple[tuple[str, str], ...]:
    """The six STEPS (关注, 聆听, 关键, 行动, 求助, 完成) with their seed text, in order
    (R-COMPLAINT-81..86); shown as a checklist at intake when `Policy.steps_checklist`."""
    return _STEPS
