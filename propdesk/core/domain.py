"""Pure rules of the core: Chinese phone and ID-card formats, masking, pinyin search keys.

No Django, no I/O: plain values in, plain values out (STYLE §2).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
SALUTATION_WORDS = {"mr": "先生", "ms": "女士", "miss": "小姐"}
AREA_MAX = Decimal("100000")


def normalise_mobile(value: str) -> str:
    """Strip spaces, dashes and a +86/0086 prefix: '+86 138-0013-8000' → '13800138000'."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def is_valid_mobile(value: str) -> bool:
    """A mainland mobile number: 11 digits starting 13–19."""
    return bool(MOBILE_RE.match(value))


@dataclass(frozen=True)
class IdCardCheck:
    ok: bool
    number: str
    reason: str = ""  # "format" | "checksum" | "birth_date" | "region" | ""


def check_id_number(value: str, *, today: dt.date) -> IdCardCheck:
    """Validate an 18-digit resident ID-card number (居民身份证) with python-stdnum's `cn.ric`:
    format, region, birth date (not in the future) and the ISO 7064 check digit."""
    number = (value or "").strip().upper().replace(" ", "")
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return IdCardCheck(False, number, "format")
    try:
        ric.validate(number)
    except StdnumError as exc:
        return IdCardCheck(False, number, _id_failure_reason(number, exc))
    if ric.get_birth_date(number) > today:
        return IdCardCheck(False, number, "birth_date")
    return IdCardCheck(True, number)


def _id_failure_reason(number: str, exc: StdnumError) -> str:
    """Tell the clerk which part is wrong: check digit, birth date or region code."""
    if "checksum" in type(exc).__name__.lower():
        return "checksum"
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "birth_date"
    return "region"


def birth_date_from_id(number: str) -> dt.date:
    return ric.get_birth_date(number)  # type: ignore[no-any-return]


def mask_mobile(value: str) -> str:
    """138****5678: keep the first three and last four digits."""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"


def mask_id_number(value: str) -> str:
    """110***********1234: keep the region's first three and the last four characters."""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese name, lower case: 张三 → ('zhangsan', 'zs').
    Non-Chinese characters are kept as they are (lower-cased) so 'Li Lei' still matches 'll'."""
    # Imported here: pypinyin's dictionaries cost ~55 MiB, and most processes (a web worker
    # serving queues, the job consumer) never save a name.
    from pypinyin import Style, lazy_pinyin

    chunks = lazy_pinyin(name or "", style=Style.NORMAL, errors="default")
    syllables = [word for chunk in chunks for word in chunk.split()]
    full = "".join(syllables).lower()
    initials = "".join(word[0] for word in syllables).lower()
    return full, initials


def addressed_as(name: str, salutation: str) -> str:
    """Surname plus salutation as the seeds address people: 张先生, 李女士, 王小姐."""
    word = SALUTATION_WORDS.get(salutation, "")
    return f"{name[:1]}{word}" if word and name else name


def quantize_area(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_money(value: Decimal) -> str:
    """¥1,234.50 (yuan, two places)."""
    q = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    return f"{sign}¥{abs(q):,.2f}"
