"""Areas (区划) keyed by the statistical area code (统计用区划代码), pure functions shared by every part.

The full code has 12 digits; its prefixes name the levels: province 2 digits (41 河南省), city 4 (4101 郑州市),
district or county 6 (410105 金水区), sub-district or township 9, village or community 12. cctrack keeps an
area by its SHORT code (the prefix of its level) so that "is inside" is "starts with": 410105 is inside 4101
and 41. A 12-digit code padded with zeros (410105000000) is shortened to its level's prefix.
"""
import re

PROVINCE, CITY, DISTRICT, SUBDISTRICT, VILLAGE = "province", "city", "district", "subdistrict", "village"
LEVEL_DIGITS = {PROVINCE: 2, CITY: 4, DISTRICT: 6, SUBDISTRICT: 9, VILLAGE: 12}
LEVEL_OF_DIGITS = {n: level for level, n in LEVEL_DIGITS.items()}
LEVEL_NAMES = {PROVINCE: "省", CITY: "市", DISTRICT: "区（县）", SUBDISTRICT: "街道（乡镇）", VILLAGE: "社区（村）"}
ABOVE_OFFICE = (PROVINCE, CITY, DISTRICT)  # the codes every office and centre carries as top-level fields
PARENT_LEVEL = {CITY: PROVINCE, DISTRICT: CITY, SUBDISTRICT: DISTRICT, VILLAGE: SUBDISTRICT}


def short_code(text: object) -> str:
    """The short code of ``text`` (digits; a 12-digit code padded with zeros is shortened), or ValueError in Chinese."""
    code = str(text if text is not None else "").strip()
    if code.endswith(".0"):  # a spreadsheet cell read as a number
        code = code[:-2]
    if not re.fullmatch(r"\d+", code):
        raise ValueError(f"区划代码“{code}”只能由数字组成")
    if len(code) == 12:
        for digits in (2, 4, 6, 9):
            if set(code[digits:]) == {"0"}:
                return code[:digits]
        return code
    if len(code) not in LEVEL_OF_DIGITS:
        raise ValueError(f"区划代码“{code}”位数不对，应为 2、4、6、9 或 12 位（如 41、4101、410105）")
    if code[:2] == "00" or (len(code) > 2 and set(code[-2:]) == {"0"} and len(code) in (4, 6)):
        raise ValueError(f"区划代码“{code}”无效")
    return code


def level_of(code: str) -> str:
    """The level of a short code."""
    return LEVEL_OF_DIGITS[len(code)]


def parent_of(code: str) -> str | None:
    """The short code of the area directly above ``code`` (None for a province)."""
    level = level_of(code)
    parent = PARENT_LEVEL.get(level)
    return None if parent is None else code[:LEVEL_DIGITS[parent]]


def ancestors(code: str | None) -> dict[str, str | None]:
    """{province, city, district}: the codes of ``code`` and the areas above it, up to the district
    (None where ``code`` is above that level, or when it is None)."""
    out: dict[str, str | None] = dict.fromkeys(ABOVE_OFFICE)
    if not code:
        return out
    for level in ABOVE_OFFICE:
        digits = LEVEL_DIGITS[level]
        if len(code) >= digits:
            out[level] = code[:digits]
    return out


def contains(scope: str | None, code: str | None) -> bool:
    """True when area ``code`` lies inside area ``scope`` (or is it); None scope is the whole installation."""
    if scope is None:
        return True
    return bool(code) and str(code).startswith(scope)
