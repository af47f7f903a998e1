"""A deterministic demo data set for Hà Nội (``manage.py seed_demo``).

What it builds
--------------
* Hà Nội and its 126 real communes (``org.services_units``), two historical districts (valid until
  30 June 2025) and the enterprise bloc committee.
* The demo officials of ``DEMO_LOGINS`` (password ``DEMO_PASSWORD``).
* About 4,000 enterprises with member registers, cases in every state, surveys and backdated case history,
  built so that the figures of seed 000 (Hà Nội, first half of 2024) come out exactly: see
  ``SEED_000_H1_2024`` and the groups below.

The enterprise groups (sizes are fixed; everything else is drawn from ``random.Random(2024)``)
-------------------------------------------------------------------------------------------------
A  2,054 cells established before 2024 (decision by the district or the bloc committee). The 501 members
   admitted in the first half of 2024 (4 of them business owners) are admitted in these cells.
B  65 cells established in the period (decision by the historical district), surveyed before 2024.
C  812 enterprises with exactly one survey in the period (405 deep, 407 basic):
   C1 81 with >= 3 full members (recognised before 2024) whose case is in outreach or later on 30 June 2024,
   C2 153 with 1-2 full members (recognised before 30 June 2024), nurturing,
   C3 578 without members.
   C2 and C3 registers do not change afterwards; some of their cases are closed (and reopened) later.
D  The rest, with no member admitted on or before 30 June 2024 and no date inside the period:
   D1 cases closed before 2024 (some reopened later), D2 enterprises without a case, D3 cases opened after the
   period (members admitted after the period, so eligibility comes in 2025-2026).
Mass organizations (``massorgs``): exactly 330 unions (220 trade unions, 110 youth unions, in 330 distinct
enterprises) established in the period with 17,313 members admitted at establishment; every other establishment
date and every later membership entry (admissions and departures after the period, a few youth federations) lies
outside the period.
Of the 2,119 cells established by 30 June 2024 (A + B), exactly 2,018 adopted coordination rules by then.

Idempotent: enterprises are keyed by tax code, officials by username, units by code. A second run creates
nothing; if some demo enterprises are missing, only those (with their registers and cases) are added.
"""

from __future__ import annotations

import datetime
import random
import time
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from cases.models import Case, CaseHistory, Proposal, Survey
from core.text import fold
from massorgs.models import (
    TRADE_UNION,
    YOUTH_FEDERATION,
    YOUTH_UNION,
    MassOrganization,
    MassOrganizationHistory,
    MembershipEntry,
)
from massorgs.services import mass_organization_kinds_ensure
from members.models import PROBATION, PartyMember
from org.models import Official, Role, Unit
from org.services import official_set_roles
from org.services_units import units_load_from_package
from registry.models import Enterprise

D = datetime.date
S = Case.State
R = Case.ClosedReason
T = Enterprise.Type
OS = Enterprise.OperatingStatus

SEED = 2024
DEMO_PASSWORD = "cellflow-demo"
PERIOD_START = D(2024, 1, 1)
PERIOD_END = D(2024, 6, 30)
DISTRICTS_UNTIL = D(2025, 6, 30)  # districts decided new cells until the two-level reform
DEMO_TODAY = D(2026, 11, 20)  # no date in the demo data is later than this
BATCH_SIZE = 1000

# Seed 000 (Hà Nội, first half of 2024): what the demo data reproduces, and the targets set for the period.
SEED_000_H1_2024: dict[str, Any] = {
    "unit_code": "01",
    "period_start": PERIOD_START,
    "period_end": PERIOD_END,
    "surveyed": 812,
    "deep_surveyed": 405,
    "eligible": 81,
    "with_1_2_members": 153,
    "new_party_organizations": 65,
    "new_members": 501,
    "new_member_owners": 4,
    "new_mass_organizations": 330,  # 220 trade unions, 110 youth unions
    "new_mass_organization_members": 17313,
    "party_organizations": 2119,
    "party_organizations_with_coordination_rules": 2018,
    "targets": {
        "new_party_organizations": 90,
        "new_members": 903,
        # Per mass organization kind: 370 + 180 = 550 organizations, 26.000 + 9.000 = 35.000 members.
        "massorg:trade_union": 370,
        "massorg:youth_union": 180,
        "massorg_members:trade_union": 26000,
        "massorg_members:youth_union": 9000,
    },
}

# --- Units -------------------------------------------------------------------------------------------

HANOI = "01"
HK, CN, HH, BD, NH, GV = "00070", "00073", "00097", "00004", "00008", "00025"
DISTRICT_HK, DISTRICT_BD, BLOC = "01-D001", "01-D002", "01-KDN"
EXTRA_UNITS = (  # code, name, level, party committee, valid until
    (DISTRICT_HK, "Quận Hoàn Kiếm", Unit.Level.DISTRICT, "Quận ủy Hoàn Kiếm", DISTRICTS_UNTIL),
    (DISTRICT_BD, "Quận Ba Đình", Unit.Level.DISTRICT, "Quận ủy Ba Đình", DISTRICTS_UNTIL),
    (BLOC, "Đảng ủy Khối doanh nghiệp Hà Nội", Unit.Level.BLOC, "Đảng ủy Khối doanh nghiệp Hà Nội", None),
)


@dataclass(frozen=True)
class _Ward:
    code: str
    name: str
    weight: int
    district: str | None
    streets: tuple[str, ...]
    type_boost: tuple[tuple[str, float], ...] = ()


def _list(text: str) -> tuple[str, ...]:
    """A comma-separated list (keeps the long name tables compact)."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


WARDS: tuple[_Ward, ...] = (
    _Ward(HK, "Phường Hoàn Kiếm", 700, DISTRICT_HK, _list(
        "phố Hàng Bài, phố Tràng Tiền, phố Đinh Tiên Hoàng, phố Hàng Bạc, phố Hàng Gai, phố Bà Triệu, "
        "phố Lý Thái Tổ, phố Hàng Đào")),
    _Ward(CN, "Phường Cửa Nam", 450, DISTRICT_HK, _list(
        "phố Quán Sứ, phố Lý Thường Kiệt, phố Trần Hưng Đạo, phố Hai Bà Trưng, phố Phan Bội Châu, phố Thợ Nhuộm, "
        "phố Hàng Bông")),
    _Ward(HH, "Phường Hồng Hà", 350, DISTRICT_HK, _list(
        "phố Trần Quang Khải, phố Trần Nhật Duật, phố Phúc Tân, phố Nguyễn Hữu Huân, đường Bạch Đằng, "
        "phố Chương Dương Độ")),
    _Ward(BD, "Phường Ba Đình", 450, DISTRICT_BD, _list(
        "phố Phan Đình Phùng, phố Quán Thánh, phố Nguyễn Trường Tộ, phố Hàng Than, phố Trúc Bạch, phố Hòe Nhai")),
    _Ward(NH, "Phường Ngọc Hà", 300, DISTRICT_BD, _list(
        "phố Đội Cấn, phố Ngọc Hà, phố Liễu Giai, phố Văn Cao, phố Hoàng Hoa Thám, phố Đốc Ngữ")),
    _Ward(GV, "Phường Giảng Võ", 350, DISTRICT_BD, _list(
        "phố Giảng Võ, phố Kim Mã, phố Núi Trúc, phố Cát Linh, phố Nguyễn Thái Học, phố Ngọc Khánh")),
    _Ward("00167", "Phường Cầu Giấy", 180, None, _list(
        "đường Cầu Giấy, phố Duy Tân, phố Trần Thái Tông, phố Nguyễn Phong Sắc, phố Trung Kính")),
    _Ward("00235", "Phường Đống Đa", 180, None, _list("phố Tây Sơn, phố Thái Hà, phố Chùa Bộc, phố Xã Đàn")),
    _Ward("00256", "Phường Hai Bà Trưng", 180, None, _list("phố Huế, phố Lò Đúc, phố Thái Phiên, phố Lê Đại Hành")),
    _Ward("00367", "Phường Thanh Xuân", 170, None, _list(
        "đường Nguyễn Trãi, phố Khuất Duy Tiến, phố Lê Văn Thiêm, phố Nguyễn Tuân")),
    _Ward("00148", "Phường Long Biên", 170, None, _list(
        "đường Nguyễn Văn Cừ, phố Ngọc Lâm, phố Nguyễn Sơn, phố Long Biên")),
    _Ward("09556", "Phường Hà Đông", 170, None, _list("đường Quang Trung, phố Tô Hiệu, phố Lê Trọng Tấn")),
    _Ward("00583", "Xã Bát Tràng", 170, None, _list("thôn Bát Tràng, thôn Giang Cao, thôn Kim Lan"),
          ((T.COOPERATIVE, 5.0), (T.HOUSEHOLD, 3.0), (T.FOREIGN_INVESTED, 0.2))),
    _Ward("08974", "Xã Quang Minh", 180, None, _list("Khu công nghiệp Quang Minh, thôn Kim Tiền, thôn Bạch Đa"),
          ((T.FOREIGN_INVESTED, 6.0), (T.NON_PUBLIC, 0.3))),
)  # fmt: skip
WARD_BY_CODE = {w.code: w for w in WARDS}
DEMO_WARDS = (HK, CN, HH, BD, NH, GV)  # the wards with a former district

# --- Officials ---------------------------------------------------------------------------------------

ROLE_LABELS = {
    Role.WARD_OFFICIAL: "Cán bộ phụ trách",
    Role.COMMITTEE_MEMBER: "Cấp ủy viên phụ trách",
    Role.ORGANIZATION_OFFICER: "Cán bộ Ban Tổ chức",
    Role.DECISION_MAKER: "Bí thư (quyết định)",
    Role.SUPERVISOR: "Thành viên Ban Chỉ đạo",
    Role.ADMINISTRATOR: "Quản trị viên",
}


@dataclass(frozen=True)
class _DemoOfficial:
    username: str
    last_name: str
    first_name: str
    title: str
    unit_code: str | None
    roles: tuple[str, ...]
    is_staff: bool = False
    is_superuser: bool = False


DEMO_OFFICIALS: tuple[_DemoOfficial, ...] = (
    _DemoOfficial("admin", "Nguyễn Hoàng", "Quân", "Quản trị hệ thống", None, (), True, True),
    _DemoOfficial("hn.quantri", "Trần Minh", "Đức", "Chuyên viên Văn phòng Thành ủy, quản trị cellflow", HANOI,
                  (Role.ADMINISTRATOR,), True),
    _DemoOfficial("hn.bcd", "Phạm Quang", "Vinh", "Phó Trưởng Ban Tổ chức Thành ủy, thành viên Ban Chỉ đạo", HANOI,
                  (Role.SUPERVISOR,)),
    _DemoOfficial("hn.bantochuc", "Đỗ Thị", "Lan", "Chuyên viên Ban Tổ chức Thành ủy", HANOI,
                  (Role.ORGANIZATION_OFFICER,)),
    _DemoOfficial("hk.canbo", "Nguyễn Văn", "An", "Cán bộ phụ trách doanh nghiệp, Đảng ủy Phường Hoàn Kiếm", HK,
                  (Role.WARD_OFFICIAL,)),
    _DemoOfficial("hk.capuy", "Hoàng Thị", "Mai", "Đảng ủy viên phụ trách khối doanh nghiệp, Phường Hoàn Kiếm", HK,
                  (Role.COMMITTEE_MEMBER,)),
    _DemoOfficial("hk.bantochuc", "Vũ Đức", "Minh", "Chuyên viên Ban Xây dựng Đảng, Đảng ủy Phường Hoàn Kiếm", HK,
                  (Role.ORGANIZATION_OFFICER,)),
    _DemoOfficial("hk.bithu", "Trần Văn", "Hùng", "Bí thư Đảng ủy Phường Hoàn Kiếm", HK, (Role.DECISION_MAKER,)),
    _DemoOfficial("cn.canbo", "Bùi Thị", "Hạnh", "Cán bộ phụ trách doanh nghiệp, Đảng ủy Phường Cửa Nam", CN,
                  (Role.WARD_OFFICIAL,)),
    _DemoOfficial("bd.canbo", "Đặng Quang", "Huy", "Cán bộ phụ trách doanh nghiệp, Đảng ủy Phường Ba Đình", BD,
                  (Role.WARD_OFFICIAL,)),
)  # fmt: skip
_UNIT_NAMES = {None: "—", HANOI: "Thành phố Hà Nội", **{w.code: w.name for w in WARDS}}

# (username, role, unit): printed by seed_demo at the end.
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = tuple(
    (
        o.username,
        ", ".join(ROLE_LABELS[r] for r in o.roles) or "Quản trị hệ thống (superuser)",
        _UNIT_NAMES[o.unit_code],
    )
    for o in DEMO_OFFICIALS
)

# Who records what in a ward's cases (None: recorded without a named official, e.g. imported history).
_ACTORS = {
    HK: {"field": "hk.canbo", "proposal": "hk.bantochuc", "decision": "hk.bithu"},
    CN: {"field": "cn.canbo", "proposal": "hn.bantochuc", "decision": None},
    BD: {"field": "bd.canbo", "proposal": "hn.bantochuc", "decision": None},
}
_NO_ACTORS = {"field": None, "proposal": "hn.bantochuc", "decision": None}

# --- Names -------------------------------------------------------------------------------------------

FAMILY = tuple(
    (name, int(weight))
    for name, weight in (
        item.split(":")
        for item in _list(
            "Nguyễn:38, Trần:11, Lê:9, Phạm:7, Hoàng:5, Vũ:4, Phan:4, Đặng:3, Bùi:3, Đỗ:3, Hồ:2, Ngô:2, Dương:2, "
            "Đinh:2, Trịnh:2, Lý:1, Đào:1, Mai:1, Tạ:1, Lương:1, Cao:1, Chu:1"
        )
    )
)
MALE_MIDDLE = _list("Văn, Đức, Hữu, Minh, Quang, Tiến, Xuân, Mạnh, Thành, Công, Duy, Trọng, Anh")
MALE_GIVEN = _list(
    "An, Bình, Cường, Dũng, Đạt, Hải, Hiếu, Hoàng, Hùng, Huy, Khánh, Kiên, Long, Lâm, Minh, Nam, Phong, Phúc, "
    "Quân, Sơn, Thắng, Thành, Trung, Tuấn, Tùng, Việt, Vinh"
)
FEMALE_MIDDLE = _list("Thị, Thu, Ngọc, Thanh, Minh, Phương, Hồng, Thúy, Bích, Kim, Hải")
FEMALE_GIVEN = _list(
    "Anh, Chi, Dung, Giang, Hà, Hạnh, Hằng, Hoa, Huyền, Hương, Lan, Linh, Loan, Mai, Nga, Ngọc, Nhung, Phương, "
    "Quỳnh, Thảo, Thủy, Trang, Vân, Yến"
)
FOREIGN_OWNERS = _list(
    "Kim Min-jun, Park Ji-hoon, Lee Sang-woo, Choi Young-ho, Tanaka Hiroshi, Suzuki Kenji, Yamamoto Takeshi, "
    "Sato Yuki, Chen Wei, Lin Jianguo, Wang Li, Tan Wei Ming, Lim Boon Keng, David Miller, Thomas Müller, Anna Schmidt"
)
FIELDS = _list(
    "Thương mại và Dịch vụ, Xây dựng, Đầu tư và Phát triển, Công nghệ Thông tin, Du lịch, Vận tải, "
    "In và Truyền thông, Thực phẩm, Dược phẩm, May mặc, Kiến trúc, Tư vấn Thiết kế, Cơ khí, Điện tử, Bất động sản, "
    "Giáo dục, Thiết bị Y tế, Nội thất, Xuất nhập khẩu, Khách sạn, Phần mềm, Môi trường, Logistics, Quảng cáo, "
    "Điện lạnh, Vật liệu Xây dựng"
)
BRANDS = _list(
    "Minh Phát, Hưng Thịnh, An Khang, Thành Công, Hoàng Long, Phú Gia, Đại Việt, Tân Á, Sao Mai, Bình Minh, "
    "Thăng Long, Hồng Hà, Kim Ngân, Phúc An, Trường Sơn, Việt Tiến, Nam Hải, Quang Anh, Hòa Bình, Hà Thành, "
    "Ngọc Lan, Tràng An, Hải Đăng, Vạn Xuân, Đông Đô, Thiên Phú, Lạc Hồng, Long Giang, Đức Minh, Anh Dương, "
    "Phương Đông, Hoa Sen, Kinh Bắc, Tây Hồ, Gia Bảo, Thịnh Vượng, Nhật Quang, Ánh Dương, Bảo Châu, Vĩnh Phúc"
)
SUFFIXES = ("", "", "", " Hà Nội", " Việt Nam", " Miền Bắc", " Toàn Cầu", " Số 1", " Thủ Đô", " Quốc tế")
FOREIGN_BRANDS = _list(
    "Hanwa, Daesung, Sunrise, Kyowa, Minato, Golden Dragon, Pacific, Everbright, Shinwoo, Nikko Seimitsu, Jinlong, "
    "Samil, Tokai, Evergreen, Bluewave, Unitec, Kosei, Dongjin, Haesung, Taiyo Kasei, Seojin, Asahi Kogyo, "
    "Fortune Star, Meiwa"
)
FOREIGN_FIELDS = _list(
    "Electronics, Precision, Technology, Industrial, Textile, Packaging, Components, Logistics, Foods, Engineering, "
    "Plastics, Optics"
)
SCHOOLS = _list("Trường Mầm non, Trường Tiểu học, Trường Trung học cơ sở, Trường THPT, Trường Liên cấp")
HOSPITALS = _list("Bệnh viện Đa khoa, Bệnh viện Mắt, Phòng khám Đa khoa, Bệnh viện Răng Hàm Mặt")
COOP_FIELDS = _list(
    "Dịch vụ Nông nghiệp, Gốm sứ, Vận tải, Môi trường, Thủ công Mỹ nghệ, Dịch vụ Điện, Rau an toàn, Mây tre đan"
)
HOUSEHOLD_TRADES = _list(
    "Cửa hàng gốm, Xưởng gốm, Quán ăn, Cửa hàng tạp hóa, Tiệm may, Cửa hàng điện thoại, Xưởng mộc, Cơ sở in ấn"
)

TYPE_WEIGHTS_ALL = {
    T.LIMITED_LIABILITY: 38,
    T.JOINT_STOCK: 22,
    T.SOLE_PROPRIETORSHIP: 8,
    T.PARTNERSHIP: 2,
    T.COOPERATIVE: 6,
    T.NON_PUBLIC: 7,
    T.FOREIGN_INVESTED: 9,
    T.HOUSEHOLD: 8,
}
TYPE_WEIGHTS_ESTABLISHED = {
    T.LIMITED_LIABILITY: 35,
    T.JOINT_STOCK: 30,
    T.SOLE_PROPRIETORSHIP: 4,
    T.PARTNERSHIP: 2,
    T.COOPERATIVE: 6,
    T.NON_PUBLIC: 10,
    T.FOREIGN_INVESTED: 12,
    T.HOUSEHOLD: 0,
}
# The 65 cells of the period, by type (every type that can hold a cell appears).
TYPES_NEW_IN_PERIOD = {
    T.LIMITED_LIABILITY: 20,
    T.JOINT_STOCK: 18,
    T.FOREIGN_INVESTED: 8,
    T.NON_PUBLIC: 8,
    T.COOPERATIVE: 5,
    T.SOLE_PROPRIETORSHIP: 4,
    T.PARTNERSHIP: 2,
}
WORKERS = {  # (low, high, log-normal mu, sigma)
    T.HOUSEHOLD: (2, 9, 1.5, 0.4),
    T.SOLE_PROPRIETORSHIP: (5, 80, 3.0, 0.6),
    T.PARTNERSHIP: (5, 60, 2.9, 0.5),
    T.COOPERATIVE: (8, 150, 3.4, 0.6),
    T.LIMITED_LIABILITY: (10, 900, 3.9, 0.9),
    T.JOINT_STOCK: (20, 3500, 4.6, 1.0),
    T.FOREIGN_INVESTED: (50, 8000, 5.6, 1.0),
    T.NON_PUBLIC: (25, 600, 4.3, 0.6),
}

# Tết and other public holidays in the years where most of the activity lies (weekends are checked apart).
_HOLIDAY_RANGES = (
    (D(2023, 1, 20), D(2023, 1, 26)),
    (D(2024, 2, 8), D(2024, 2, 14)),
    (D(2025, 1, 25), D(2025, 2, 2)),
    (D(2026, 2, 14), D(2026, 2, 22)),
    (D(2024, 4, 29), D(2024, 5, 1)),
    (D(2025, 4, 30), D(2025, 5, 1)),
    (D(2024, 9, 2), D(2024, 9, 3)),
    (D(2025, 9, 1), D(2025, 9, 2)),
)


def _is_workday(day: datetime.date) -> bool:
    return day.weekday() < 5 and not any(a <= day <= b for a, b in _HOLIDAY_RANGES)


def _workday_before(day: datetime.date) -> datetime.date:
    while not _is_workday(day):
        day -= datetime.timedelta(days=1)
    return day


def mst_check_digit(first9: str) -> int | None:
    """The tenth digit of a tax code (None: no valid code has these nine digits)."""
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    check = 10 - sum(w * int(d) for w, d in zip(weights, first9, strict=True)) % 11
    return check if check < 10 else None


# --- Plan --------------------------------------------------------------------------------------------

# The state machine's own transitions (read from Case), so a demo history is one the services could have written.
_TRANSITIONS = Case.transition_table()
_NOTES = {
    "open": "Mở hồ sơ theo danh sách doanh nghiệp trên địa bàn.",
    "start_nurturing": "Chưa đủ 3 đảng viên chính thức: phân công đảng viên phát hiện, bồi dưỡng, tạo nguồn kết nạp.",
    "start_outreach": "Đủ 3 đảng viên chính thức: gặp gỡ, vận động chủ doanh nghiệp.",
    "start_proposal": "Chủ doanh nghiệp đồng ý thành lập chi bộ.",
    "submit_proposal": "Trình tờ trình thành lập chi bộ lên cấp ủy cấp trên.",
    "reopen": "Doanh nghiệp hoạt động trở lại: mở lại hồ sơ.",
}
_CLOSE_NOTES = {
    R.DISSOLVED: "Doanh nghiệp đã giải thể.",
    R.SUSPENDED: "Doanh nghiệp tạm ngừng hoạt động.",
    R.LEFT_ADDRESS: "Doanh nghiệp không còn hoạt động tại địa chỉ đăng ký.",
    R.OWNER_REFUSED: "Chủ doanh nghiệp không đồng ý thành lập chi bộ sau nhiều lần gặp gỡ.",
    R.MERGED: "Doanh nghiệp đã sáp nhập vào công ty mẹ.",
    R.DUPLICATE: "Trùng hồ sơ: doanh nghiệp đã đăng ký lại với mã số thuế mới.",
    R.OTHER: "Doanh nghiệp chuyển sang mô hình hộ kinh doanh, không còn đối tượng.",
    R.DECISION_REFUSED: "Nhân sự đề xuất bí thư chi bộ chưa đáp ứng tiêu chuẩn; chưa đồng ý thành lập.",
}
_STATUS_AFTER_CLOSE = {
    R.DISSOLVED: OS.DISSOLVED,
    R.SUSPENDED: OS.SUSPENDED,
    R.LEFT_ADDRESS: OS.LEFT_ADDRESS,
    R.MERGED: OS.DISSOLVED,
}


@dataclass
class _Member:
    full_name: str
    admitted_on: datetime.date
    is_owner: bool = False
    left_on: datetime.date | None = None

    @property
    def recognized_full_on(self) -> datetime.date | None:
        recognized = self.admitted_on + PROBATION
        return recognized if recognized <= DEMO_TODAY else None

    def full_on(self, day: datetime.date) -> bool:
        recognized = self.recognized_full_on
        return recognized is not None and recognized <= day and (self.left_on is None or self.left_on > day)


@dataclass
class _CasePlan:
    ward: _Ward
    rows: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    state: str = ""
    last_change: datetime.datetime | None = None

    @property
    def last_day(self) -> datetime.date:
        return self.rows[-1]["at"].astimezone(_TZ).date()

    def _stamp(self, rng: random.Random, day: datetime.date) -> datetime.datetime:
        at = datetime.datetime.combine(day, datetime.time(8 + rng.randrange(8), rng.randrange(60)), _TZ)
        if self.rows:
            previous = self.rows[-1]["at"]
            if day < previous.astimezone(_TZ).date():
                raise RuntimeError(f"demo plan goes back in time: {day} after {previous}")
            if at <= previous:
                at = previous + datetime.timedelta(minutes=7)
        return at

    def go(
        self,
        rng: random.Random,
        event: str,
        day: datetime.date,
        *,
        actor: str | None = None,
        note: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        sources, target = _TRANSITIONS[event]
        if self.state not in sources:
            raise RuntimeError(f"demo plan: {event} is not allowed from {self.state!r}")
        if day > DEMO_TODAY:
            raise RuntimeError(f"demo plan: {event} on {day} is after {DEMO_TODAY}")
        at = self._stamp(rng, day)
        self.rows.append(
            {
                "at": at,
                "event": event,
                "from_state": self.state,
                "to_state": target,
                "actor": actor,
                "note": _NOTES.get(event, "") if note is None else note,
                "data": data or {},
            }
        )
        self.state = target
        self.last_change = at

    def survey(self, rng: random.Random, day: datetime.date, kind: str, workers: int, actor: str | None) -> None:
        if self.state not in Case.OPEN_STATES:
            raise RuntimeError("demo plan: survey on a case that is not open")
        at = self._stamp(rng, day)
        note = (
            "Khảo sát sâu: tình hình đảng viên, công đoàn, đoàn thanh niên, ý kiến chủ doanh nghiệp."
            if (kind == Survey.Kind.DEEP)
            else "Khảo sát cơ bản tại doanh nghiệp."
        )
        self.rows.append(
            {
                "at": at,
                "event": "survey",
                "from_state": self.state,
                "to_state": self.state,
                "actor": actor,
                "note": note,
                "data": {"kind": kind, "surveyed_on": day.isoformat()},
            }
        )
        self.surveys.append({"surveyed_on": day, "kind": kind, "worker_count": workers, "actor": actor, "note": note})


@dataclass
class _EnterprisePlan:
    group: str
    ward: _Ward
    enterprise_type: str
    fields: dict[str, Any] = field(default_factory=dict)
    members: list[_Member] = field(default_factory=list)
    cases: list[_CasePlan] = field(default_factory=list)
    # (kind code, established on, members at establishment, later entries: (day, admitted, left))
    mass_organizations: list[tuple[str, datetime.date, int, list[tuple[datetime.date, int, int]]]] = field(
        default_factory=list
    )

    def full_count(self, day: datetime.date) -> int:
        return sum(1 for m in self.members if m.full_on(day))

    @property
    def workers(self) -> int:
        return self.fields["worker_count"]


_TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)


class _Planner:
    """Draws the whole demo data set in memory; nothing here touches the database."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.names: set[str] = set()
        self.tax_codes: set[str] = set()
        self.plans: list[_EnterprisePlan] = []

    # -- small draws --
    def day(self, start: datetime.date, end: datetime.date, *, workday: bool = True) -> datetime.date:
        if end < start:
            raise RuntimeError(f"demo plan: empty date range {start}..{end}")
        for _ in range(200):
            day = start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))
            if not workday or _is_workday(day):
                return day
        return start

    def after(self, day: datetime.date, low: int, high: int, *, limit: datetime.date = DEMO_TODAY) -> datetime.date:
        """A working day ``low``..``high`` days after ``day``, never later than ``limit`` (nor before ``day``)."""
        end = min(limit, day + datetime.timedelta(days=high))
        if end < day:
            raise RuntimeError(f"demo plan: nothing fits between {day} and {limit}")
        start = min(day + datetime.timedelta(days=low), end)
        return self.day(start, end)

    def split(self, n: int, weights: dict[str, float]) -> list[str]:
        """Exactly ``n`` labels in proportion to ``weights`` (largest remainders), shuffled."""
        total = sum(weights.values())
        raw = {k: n * w / total for k, w in weights.items()}
        counts = {k: int(v) for k, v in raw.items()}
        for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[: n - sum(counts.values())]:
            counts[k] += 1
        labels = [k for k, c in counts.items() for _ in range(c)]
        self.rng.shuffle(labels)
        return labels

    def person(self) -> str:
        family = self.rng.choices([f for f, _ in FAMILY], [w for _, w in FAMILY])[0]
        if self.rng.random() < 0.5:
            return f"{family} {self.rng.choice(MALE_MIDDLE)} {self.rng.choice(MALE_GIVEN)}"
        return f"{family} {self.rng.choice(FEMALE_MIDDLE)} {self.rng.choice(FEMALE_GIVEN)}"

    def phone(self) -> str:
        return self.rng.choice(("09", "08", "03", "07")) + "".join(str(self.rng.randrange(10)) for _ in range(8))

    def tax_code(self) -> str:
        while True:
            first9 = "01" + f"{self.rng.randrange(10**7):07d}"
            check = mst_check_digit(first9)
            code = f"{first9}{check}"
            if check is not None and first9[2:] != "0000000" and code not in self.tax_codes:
                self.tax_codes.add(code)
                return code

    def ward(self, wards: Sequence[_Ward] = WARDS) -> _Ward:
        return self.rng.choices(wards, [w.weight for w in wards])[0]

    def enterprise_type(self, ward: _Ward, weights: dict[str, float]) -> str:
        boost = dict(ward.type_boost)
        types = list(weights)
        return self.rng.choices(types, [weights[t] * boost.get(t, 1.0) for t in types])[0]

    def workers(self, enterprise_type: str, minimum: int = 0) -> int:
        low, high, mu, sigma = WORKERS[enterprise_type]
        value = int(self.rng.lognormvariate(mu, sigma))
        return max(minimum, min(high, max(low, value)))

    def name(self, enterprise_type: str, ward: _Ward) -> tuple[str, str]:
        """(enterprise name, owner name)."""
        rng = self.rng
        for _ in range(1000):
            owner = self.person()
            brand = rng.choice(BRANDS)
            if enterprise_type == T.LIMITED_LIABILITY:
                kind = rng.choice(("Công ty TNHH", "Công ty TNHH", "Công ty TNHH MTV"))
                name = f"{kind} {rng.choice(FIELDS)} {brand}{rng.choice(SUFFIXES)}"
            elif enterprise_type == T.JOINT_STOCK:
                name = f"Công ty Cổ phần {rng.choice(FIELDS)} {brand}{rng.choice(SUFFIXES)}"
            elif enterprise_type == T.SOLE_PROPRIETORSHIP:
                name = f"Doanh nghiệp tư nhân {rng.choice(FIELDS)} {brand}"
            elif enterprise_type == T.PARTNERSHIP:
                kind = rng.choice(("Công ty Luật Hợp danh", "Công ty Hợp danh Kiểm toán", "Công ty Hợp danh Tư vấn"))
                name = f"{kind} {brand}{rng.choice(SUFFIXES)}"
            elif enterprise_type == T.COOPERATIVE:
                place = ward.name.split(" ", 1)[1]
                name = f"Hợp tác xã {rng.choice(COOP_FIELDS)} {rng.choice((brand, place))}{rng.choice(SUFFIXES[:4])}"
            elif enterprise_type == T.NON_PUBLIC:
                kind = rng.choice(SCHOOLS + HOSPITALS)
                name = f"{kind} {brand}" + rng.choice(("", "", " cơ sở 2", " cơ sở 3", " Hà Nội"))
            elif enterprise_type == T.FOREIGN_INVESTED:
                owner = rng.choice(FOREIGN_OWNERS)
                name = f"Công ty TNHH {rng.choice(FOREIGN_BRANDS)} {rng.choice(FOREIGN_FIELDS)}" + rng.choice(
                    (" Việt Nam", " Vina", " Hà Nội")
                )
            else:
                name = f"Hộ kinh doanh {rng.choice(HOUSEHOLD_TRADES)} {owner}"
            if name not in self.names:
                self.names.add(name)
                return name, owner
        raise RuntimeError("demo plan: ran out of enterprise names")

    def address(self, ward: _Ward) -> str:
        street = self.rng.choice(ward.streets)
        if street.startswith("Khu công nghiệp"):
            return f"Lô {self.rng.choice('ABCDE')}{self.rng.randint(1, 40)}, {street}, {ward.name}, Hà Nội"
        if street.startswith("thôn"):
            return f"Số {self.rng.randint(1, 200)}, {street}, {ward.name}, Hà Nội"
        return f"Số {self.rng.randint(1, 180)} {street}, {ward.name}, Hà Nội"

    def number_decisions(self) -> None:
        """Number the establishment decisions in date order per committee and year (other decisions of the
        committee take the numbers in between)."""
        approvals = [
            (case.fields["deciding_committee"], row["at"], case, row)
            for plan in self.plans
            for case in plan.cases
            for row in case.rows
            if row["event"] == "approve"
        ]
        counters: dict[tuple[str, int], int] = {}
        for committee, _at, case, row in sorted(approvals, key=lambda a: (a[0], a[1])):
            day = case.fields["decision_date"]
            key = (committee, day.year)
            counters[key] = counters.get(key, self.rng.randint(3, 20)) + self.rng.randint(1, 4)
            suffix = {DISTRICT_HK: "QU", DISTRICT_BD: "QU", BLOC: "ĐUK"}.get(committee, "ĐU")
            number = f"{counters[key]}-QĐ/{suffix}"
            case.fields["decision_number"] = number
            row["note"] = f"Quyết định số {number} ngày {day:%d/%m/%Y}."
            row["data"]["decision_number"] = number

    def committee(self, plan: _EnterprisePlan, day: datetime.date) -> str:
        if day <= DISTRICTS_UNTIL:
            return plan.ward.district or BLOC
        if plan.workers >= 1000 and self.rng.random() < 0.5:
            return BLOC
        return plan.ward.code

    # -- enterprises --
    def enterprise(
        self,
        group: str,
        *,
        wards: Sequence[_Ward] = WARDS,
        types: dict[str, float] | None = None,
        enterprise_type: str | None = None,
        min_workers: int = 0,
    ) -> _EnterprisePlan:
        ward = self.ward(wards)
        etype = enterprise_type or self.enterprise_type(ward, types or TYPE_WEIGHTS_ALL)
        name, owner = self.name(etype, ward)
        contact = self.person()
        mailbox = fold(contact).replace(" ", "") + str(self.rng.randint(1, 99))
        plan = _EnterprisePlan(
            group,
            ward,
            etype,
            fields={
                "name": name,
                "tax_code": self.tax_code(),
                "enterprise_type": etype,
                "address": self.address(ward),
                "unit": ward.code,
                "former_district": ward.district,
                "owner_name": owner,
                "contact_name": contact,
                "contact_phone": self.phone(),
                "contact_email": "" if etype == T.HOUSEHOLD else f"{mailbox}@gmail.com",
                "worker_count": self.workers(etype, min_workers),
                "operating_status": OS.ACTIVE,
            },
        )
        self.plans.append(plan)
        return plan

    def members(self, plan: _EnterprisePlan, n: int, start: datetime.date, end: datetime.date) -> list[_Member]:
        new = [_Member(self.person(), self.day(start, end, workday=start < end)) for _ in range(n)]
        plan.members.extend(new)
        return new

    def case(self, plan: _EnterprisePlan) -> _CasePlan:
        case = _CasePlan(plan.ward)
        plan.cases.append(case)
        return case

    def actor(self, plan: _EnterprisePlan, job: str) -> str | None:
        return _ACTORS.get(plan.ward.code, _NO_ACTORS)[job]

    def open(self, plan: _EnterprisePlan, case: _CasePlan, day: datetime.date) -> None:
        case.go(self.rng, "open", day, actor=self.actor(plan, "field"))

    def survey(self, plan: _EnterprisePlan, case: _CasePlan, day: datetime.date, kind: str = Survey.Kind.BASIC) -> None:
        workers = plan.workers if day >= D(2024, 1, 1) else max(1, int(plan.workers * self.rng.uniform(0.8, 1.1)))
        case.survey(self.rng, day, kind, workers, self.actor(plan, "field"))

    def assess(self, plan: _EnterprisePlan, case: _CasePlan, day: datetime.date) -> None:
        event = "start_outreach" if plan.full_count(day) >= 3 else "start_nurturing"
        case.go(self.rng, event, day, actor=self.actor(plan, "field"))

    def outreach_when_eligible(self, plan: _EnterprisePlan, case: _CasePlan) -> datetime.date:
        """Nurturing ends by itself on the day the third full member is recognised."""
        days = sorted(m.recognized_full_on for m in plan.members if m.recognized_full_on and m.left_on is None)
        day = max(days[2], case.last_day)
        case.go(
            self.rng,
            "start_outreach",
            day,
            actor=self.actor(plan, "field"),
            note="Tự động: doanh nghiệp đã có 3 đảng viên chính thức.",
            data={"automatic": True},
        )
        return day

    def approve(self, plan: _EnterprisePlan, case: _CasePlan, day: datetime.date, committee: str | None = None) -> None:
        committee = committee or self.committee(plan, day)
        actor = self.actor(plan, "decision" if day > DISTRICTS_UNTIL else "proposal")
        # The number is given by number_decisions() once every decision is known.
        case.go(
            self.rng,
            "approve",
            day,
            actor=actor,
            note="",
            data={"decision_number": "", "decision_date": day.isoformat(), "deciding_committee": committee},
        )
        case.fields.update(decision_number="", decision_date=day, deciding_committee=committee)

    def close(self, plan: _EnterprisePlan, case: _CasePlan, day: datetime.date, reason: str) -> None:
        note = _CLOSE_NOTES[reason]
        if reason == R.DECISION_REFUSED:
            case.go(self.rng, "refuse", day, actor=self.actor(plan, "decision"), note=note)
        else:
            case.go(self.rng, "close", day, actor=self.actor(plan, "field"), note=note, data={"reason": reason})
        case.fields.update(closed_reason=reason, closed_note=note)
        if reason in _STATUS_AFTER_CLOSE:
            plan.fields["operating_status"] = _STATUS_AFTER_CLOSE[reason]

    def proceed(self, plan: _EnterprisePlan, case: _CasePlan, goal: str, *, not_before: datetime.date) -> None:
        """Move a case at outreach (or later) on toward ``goal`` with realistic gaps; stop if time runs out."""
        rng = self.rng
        day = max(case.last_day, not_before)
        if goal == "owner_refused":
            if case.state == S.OUTREACH and day < DEMO_TODAY - datetime.timedelta(days=30):
                self.close(plan, case, self.after(day, 30, 300), R.OWNER_REFUSED)
                return
            goal = S.ESTABLISHED
        order = [S.OUTREACH, S.PROPOSAL, S.DECISION, S.ESTABLISHED]
        target = {"decision_refused": S.DECISION, "returned": S.ESTABLISHED}.get(goal, goal)
        while order.index(case.state) < order.index(target):
            day = max(case.last_day, not_before) + datetime.timedelta(days=rng.randint(15, 120))
            if day > DEMO_TODAY - datetime.timedelta(days=5):
                return
            day = self.day(day, min(DEMO_TODAY, day + datetime.timedelta(days=20)))
            if case.state == S.OUTREACH:
                initiative = rng.random() < 0.1
                case.go(
                    rng,
                    "start_proposal",
                    day,
                    actor=self.actor(plan, "proposal"),
                    note="Chủ doanh nghiệp có đơn xin thành lập chi bộ." if initiative else None,
                    data={"owner_initiative": initiative},
                )
            elif case.state == S.PROPOSAL:
                case.go(rng, "submit_proposal", day, actor=self.actor(plan, "proposal"))
            elif goal == "returned" and not any(r["event"] == "return_to_proposal" for r in case.rows):
                case.go(
                    rng,
                    "return_to_proposal",
                    day,
                    actor=self.actor(plan, "decision"),
                    note="Bổ sung lý lịch đảng viên và phương án nhân sự bí thư chi bộ.",
                )
            else:
                self.approve(plan, case, day)
                self.rules(case, day)
        if goal == "decision_refused" and case.state == S.DECISION and case.last_day < DEMO_TODAY:
            self.close(plan, case, self.after(case.last_day, 15, 60), R.DECISION_REFUSED)

    def rules(
        self,
        case: _CasePlan,
        decision: datetime.date,
        *,
        coordination: bool | None = True,
        coordination_by: datetime.date = DEMO_TODAY,
    ) -> None:
        """Working rules follow the decision within weeks; coordination rules with management take longer."""
        working = decision + datetime.timedelta(days=self.rng.randint(10, 75))
        case.fields["working_rules_adopted_on"] = working if working <= DEMO_TODAY else None
        if coordination:
            start = decision + datetime.timedelta(days=7)
            end = min(coordination_by, decision + datetime.timedelta(days=240))
            case.fields["coordination_rules_adopted_on"] = self.day(start, end) if start <= end else None
        else:
            case.fields["coordination_rules_adopted_on"] = None

    # -- groups --
    def build(self) -> list[_EnterprisePlan]:
        self.group_a_b()
        self.group_c()
        self.group_d()
        self.number_decisions()
        self.branches()
        self.new_members()
        self.unions()
        return self.plans

    def established_before(
        self, plan: _EnterprisePlan, decision: datetime.date, *, survey_by: datetime.date, committee: str | None = None
    ) -> _CasePlan:
        """A case that ends with the cell established on ``decision``; its members make the guards true."""
        rng = self.rng
        submit = _workday_before(decision - datetime.timedelta(days=rng.randint(10, 40)))
        proposal = _workday_before(submit - datetime.timedelta(days=rng.randint(10, 45)))
        outreach = _workday_before(proposal - datetime.timedelta(days=rng.randint(15, 150)))
        nurtured = rng.random() < 0.35
        case = self.case(plan)
        if nurtured:
            # Two full members at the survey; the third one's recognition moves the case on by itself.
            third = self.members(plan, 1, outreach - PROBATION, outreach - PROBATION)[0]
            outreach = third.recognized_full_on
            self.members(plan, 2, D(1998, 1, 1), outreach - PROBATION - datetime.timedelta(days=200))
            survey_hi = min(survey_by, outreach - datetime.timedelta(days=40))
            survey = self.day(
                min(outreach - datetime.timedelta(days=400), survey_hi - datetime.timedelta(days=30)), survey_hi
            )
            self.open(plan, case, self.day(survey - datetime.timedelta(days=60), survey - datetime.timedelta(days=1)))
            self.survey(plan, case, survey, rng.choice((Survey.Kind.BASIC, Survey.Kind.DEEP)))
            case.go(
                rng,
                "start_nurturing",
                self.after(survey, 1, 10, limit=outreach - datetime.timedelta(days=5)),
                actor=self.actor(plan, "field"),
            )
            self.outreach_when_eligible(plan, case)
        else:
            survey_hi = min(survey_by, outreach - datetime.timedelta(days=5))
            survey = self.day(
                min(outreach - datetime.timedelta(days=120), survey_hi - datetime.timedelta(days=30)), survey_hi
            )
            n = min(rng.choice((3, 3, 4, 4, 5, 5, 6, 7, 8, 10, 12)), max(3, plan.workers // 3))
            self.members(plan, n, D(1998, 1, 1), survey - PROBATION - datetime.timedelta(days=10))
            self.open(plan, case, self.day(survey - datetime.timedelta(days=60), survey - datetime.timedelta(days=1)))
            self.survey(plan, case, survey, rng.choice((Survey.Kind.BASIC, Survey.Kind.DEEP)))
            self.assess(plan, case, self.after(survey, 1, 5, limit=outreach))
        case.go(
            rng,
            "start_proposal",
            max(proposal, case.last_day),
            actor=self.actor(plan, "proposal"),
            data={"owner_initiative": rng.random() < 0.1},
        )
        case.go(rng, "submit_proposal", max(submit, case.last_day), actor=self.actor(plan, "proposal"))
        if rng.random() < 0.08:
            returned = _workday_before(case.last_day + (decision - case.last_day) // 3)
            if case.last_day < returned < decision - datetime.timedelta(days=3):
                case.go(
                    rng,
                    "return_to_proposal",
                    returned,
                    actor=self.actor(plan, "decision"),
                    note="Bổ sung danh sách đảng viên chính thức.",
                )
                case.go(
                    rng,
                    "submit_proposal",
                    self.after(returned, 1, 3, limit=decision),
                    actor=self.actor(plan, "proposal"),
                )
        self.approve(plan, case, decision, committee)
        return case

    def group_a_b(self) -> None:
        rng = self.rng
        a_plans, b_cases = [], []
        years = list(range(2012, 2024))
        for _ in range(2054):
            plan = self.enterprise("A", types=TYPE_WEIGHTS_ESTABLISHED, min_workers=12)
            year = rng.choices(years, [1 + (y - 2012) for y in years])[0]
            decision = self.day(D(year, 1, 5), D(year, 12, 28))
            case = self.established_before(plan, decision, survey_by=decision)
            a_plans.append((plan, case))
        b_types = self.split(65, TYPES_NEW_IN_PERIOD)
        demo = [WARD_BY_CODE[c] for c in DEMO_WARDS]
        for i, etype in enumerate(b_types):
            plan = self.enterprise("B", wards=[demo[i % len(demo)]], enterprise_type=etype, min_workers=12)
            decision = self.day(D(2024, 1, 8), D(2024, 6, 28))
            case = self.established_before(plan, decision, survey_by=D(2023, 12, 22), committee=plan.ward.district)
            b_cases.append(case)
        # Coordination rules: B cells adopt them 1-10 months after the decision (some after the period);
        # A cells by 30 June 2024 except exactly enough of them to leave 101 without.
        for case in b_cases:
            self.rules(case, case.fields["decision_date"])
        b_without = sum(
            1
            for c in b_cases
            if not c.fields["coordination_rules_adopted_on"] or c.fields["coordination_rules_adopted_on"] > PERIOD_END
        )
        a_without = set(rng.sample(range(len(a_plans)), 101 - b_without))
        for i, (_plan, case) in enumerate(a_plans):
            decision = case.fields["decision_date"]
            if i in a_without:
                late = rng.random() < 0.4
                self.rules(case, decision, coordination=None)
                if late:
                    case.fields["coordination_rules_adopted_on"] = self.day(D(2024, 7, 15), D(2026, 10, 30))
            else:
                self.rules(case, decision, coordination_by=PERIOD_END)

    def group_c(self) -> None:
        rng = self.rng
        kinds = [Survey.Kind.DEEP] * 405 + [Survey.Kind.BASIC] * 407
        rng.shuffle(kinds)
        groups = ["C1"] * 81 + ["C2"] * 153 + ["C3"] * 578
        c1_fates = self.split(
            81,
            {
                "outreach": 25,
                "proposal": 10,
                S.DECISION: 10,
                S.ESTABLISHED: 35,
                "owner_refused": 10,
                "decision_refused": 5,
                "returned": 5,
            },
        )
        # C2 and C3 registers stay as they were on 30 June 2024 (later growth is shown by group D3), so that
        # even a count that ignores dates finds 153 enterprises with 1-2 members and 578 without.
        c2_fates = self.split(153, {"stay": 85, "closed": 15})
        c3_fates = self.split(578, {"stay": 62, "closed": 28, "reopened": 10})
        for group, kind in zip(groups, kinds, strict=True):
            if group == "C1":
                plan = self.enterprise("C1", types=TYPE_WEIGHTS_ESTABLISHED, min_workers=15)
                self.members(plan, rng.choice((3, 3, 3, 4, 4, 5, 6)), D(2004, 1, 1), D(2022, 6, 30))
                opened = self.day(D(2023, 9, 1), D(2024, 5, 20))
                survey_end, assess_limit = D(2024, 6, 5), D(2024, 6, 21)
            elif group == "C2":
                plan = self.enterprise("C2", min_workers=8)
                self.members(plan, rng.choice((1, 1, 1, 2, 2)), D(2008, 1, 1), D(2023, 5, 31))
                opened = self.day(D(2023, 10, 1), D(2024, 6, 10))
                survey_end, assess_limit = D(2024, 6, 20), D(2024, 7, 12)
            else:
                plan = self.enterprise("C3")
                opened = self.day(D(2023, 10, 1), D(2024, 6, 14))
                survey_end, assess_limit = D(2024, 6, 25), D(2024, 7, 19)
            case = self.case(plan)
            self.open(plan, case, opened)
            if opened < D(2023, 12, 1) and rng.random() < 0.3:
                self.survey(plan, case, self.day(opened, D(2023, 12, 28)))
            self.survey(plan, case, self.day(max(opened, D(2024, 1, 2)), survey_end), kind)
            self.assess(plan, case, self.after(case.last_day, 1, 14, limit=assess_limit))
            if group == "C1":
                self.c1_later(plan, case, c1_fates.pop())
            elif group == "C2":
                self.nurturing_later(plan, case, c2_fates.pop())
            else:
                self.nurturing_later(plan, case, c3_fates.pop())

    def c1_later(self, plan: _EnterprisePlan, case: _CasePlan, fate: str) -> None:
        rng = self.rng
        if fate != "outreach" and rng.random() < 0.25:  # some moved on within the period
            day = case.last_day + datetime.timedelta(days=rng.randint(5, 30))
            if day <= D(2024, 6, 28):
                case.go(
                    rng, "start_proposal", day, actor=self.actor(plan, "proposal"), data={"owner_initiative": False}
                )
        if fate == "outreach":
            return
        self.proceed(plan, case, fate, not_before=D(2024, 7, 1))

    def grow(self, plan: _EnterprisePlan, case: _CasePlan, *, start: datetime.date, end: datetime.date) -> bool:
        """New admissions after the period until three members are full; the case moves to outreach."""
        missing = 3 - plan.full_count(DEMO_TODAY)
        if missing > 0:
            self.members(plan, missing, start, end)
        if plan.workers < len(plan.members) * 2:
            plan.fields["worker_count"] = len(plan.members) * 4
        if case.state != S.NURTURING:
            return False
        self.outreach_when_eligible(plan, case)
        return True

    def nurturing_later(self, plan: _EnterprisePlan, case: _CasePlan, fate: str) -> None:
        rng = self.rng
        start = max(case.last_day + datetime.timedelta(days=1), D(2024, 7, 1))
        if case.state == S.SURVEYING:
            case.go(rng, "start_nurturing", self.after(start, 0, 20), actor=self.actor(plan, "field"))
        if fate == "closed":
            reason = rng.choices((R.SUSPENDED, R.LEFT_ADDRESS, R.DISSOLVED, R.MERGED, R.OTHER), (35, 35, 15, 8, 7))[0]
            self.close(plan, case, self.day(max(start, case.last_day), D(2026, 10, 30)), reason)
        elif fate == "reopened":
            self.close(plan, case, self.day(max(start, case.last_day), D(2025, 6, 30)), R.SUSPENDED)
            self.reopen(plan, case)

    def reopen(self, plan: _EnterprisePlan, case: _CasePlan) -> None:
        rng = self.rng
        day = self.after(max(case.last_day, D(2024, 7, 1)), 60, 500, limit=D(2026, 11, 10))
        case.go(rng, "reopen", day, actor=self.actor(plan, "field"))
        case.fields.update(closed_reason="", closed_note="")
        plan.fields["operating_status"] = OS.ACTIVE
        if rng.random() < 0.5 and day < D(2026, 10, 1):
            self.survey(plan, case, self.after(day, 3, 30))
            self.assess(plan, case, self.after(case.last_day, 1, 10))

    def group_d(self) -> None:
        rng = self.rng
        # D1: cases closed before 2024, without members on 30 June 2024; some reopened later.
        d1_reasons = self.split(
            180, {R.SUSPENDED: 35, R.LEFT_ADDRESS: 30, R.DISSOLVED: 20, R.MERGED: 7, R.DUPLICATE: 4, R.OTHER: 4}
        )
        for reason in d1_reasons:
            plan = self.enterprise("D1")
            case = self.case(plan)
            opened = self.day(D(2016, 1, 4), D(2023, 6, 30))
            self.open(plan, case, opened)
            self.survey(plan, case, self.after(opened, 1, 40, limit=D(2023, 12, 1)))
            self.assess(plan, case, self.after(case.last_day, 1, 15, limit=D(2023, 12, 10)))
            self.close(plan, case, self.after(case.last_day, 30, 700, limit=D(2023, 12, 28)), reason)
            if reason == R.SUSPENDED and rng.random() < 0.35:
                self.reopen(plan, case)
        # D2: enterprises without a case (never surveyed, or no longer at their address).
        for status in self.split(300, {OS.ACTIVE: 55, OS.SUSPENDED: 20, OS.LEFT_ADDRESS: 20, OS.DISSOLVED: 5}):
            plan = self.enterprise("D2")
            plan.fields["operating_status"] = status
        # D3: cases opened after the period.
        fates = self.split(589, {S.SURVEYING: 18, S.NURTURING: 40, "grow": 25, "closed": 17})
        for fate in fates:
            plan = self.enterprise("D3")
            case = self.case(plan)
            if fate == S.SURVEYING:
                self.open(plan, case, self.day(D(2026, 8, 3), D(2026, 11, 18)))
                continue
            last_open = {"grow": D(2025, 3, 31), "closed": D(2026, 6, 30)}.get(fate, D(2026, 9, 30))
            opened = self.day(D(2024, 7, 1), last_open)
            self.open(plan, case, opened)
            self.survey(plan, case, self.after(opened, 1, 30), rng.choice((Survey.Kind.BASIC, Survey.Kind.DEEP)))
            case.go(rng, "start_nurturing", self.after(case.last_day, 1, 10), actor=self.actor(plan, "field"))
            if fate == "grow":
                start = case.last_day + datetime.timedelta(days=10)
                self.grow(plan, case, start=start, end=min(D(2025, 10, 31), start + datetime.timedelta(days=400)))
                goal = rng.choice(
                    (
                        S.OUTREACH,
                        S.PROPOSAL,
                        S.DECISION,
                        S.ESTABLISHED,
                        S.ESTABLISHED,
                        "owner_refused",
                        "decision_refused",
                    )
                )
                self.proceed(plan, case, goal, not_before=case.last_day)
            elif fate == "closed":
                reason = rng.choice((R.SUSPENDED, R.LEFT_ADDRESS, R.DISSOLVED, R.DUPLICATE, R.MERGED, R.OTHER))
                self.close(plan, case, self.after(case.last_day, 20, 400), reason)
            elif rng.random() < 0.35:
                start = max(case.last_day, D(2025, 1, 1))
                if start < D(2026, 11, 1):
                    self.members(plan, rng.choice((1, 2)), start, D(2026, 11, 15))

    def branches(self) -> None:
        """A few enterprises without a case are branches (tax code 10+3 digits) of established companies."""
        rng = self.rng
        parents = [
            p for p in self.plans if p.group == "A" and p.enterprise_type in (T.JOINT_STOCK, T.LIMITED_LIABILITY)
        ]
        children = [p for p in self.plans if p.group == "D2"]
        counters: Counter[str] = Counter()
        for child in rng.sample(children, 40):
            parent = rng.choice(parents)
            counters[parent.fields["tax_code"]] += 1
            self.tax_codes.discard(child.fields["tax_code"])
            code = f"{parent.fields['tax_code']}-{counters[parent.fields['tax_code']]:03d}"
            name = f"Chi nhánh {parent.fields['name']} tại {child.ward.name}"
            if name in self.names:
                name = f"{name} ({counters[parent.fields['tax_code']]})"
            self.names.add(name)
            child.enterprise_type = parent.enterprise_type
            child.fields.update(
                name=name,
                tax_code=code,
                enterprise_type=parent.enterprise_type,
                owner_name=parent.fields["owner_name"],
                contact_email=parent.fields["contact_email"],
            )

    def new_members(self) -> None:
        """The 501 admissions of the period (4 business owners) go to cells established before 2024; more
        admissions before and after the period make the registers look lived in."""
        rng = self.rng
        cells = [p for p in self.plans if p.group == "A"]
        for i in range(501):
            plan = rng.choice(cells)
            member = self.members(plan, 1, PERIOD_START, PERIOD_END)[0]
            if i < 4:
                member.is_owner = True
                member.full_name = plan.fields["owner_name"] = self.person()
        for plan in rng.sample(cells, 500):  # admitted after the cell was set up, before 2024
            decision = plan.cases[0].fields["decision_date"]
            if decision < D(2023, 11, 1):
                self.members(plan, rng.choice((1, 1, 2)), decision + datetime.timedelta(days=30), D(2023, 12, 22))
        for plan in rng.sample(cells, 450):  # after the period: some still probationary
            self.members(plan, rng.choice((1, 1, 2)), D(2024, 7, 8), D(2026, 11, 13))
        for plan in rng.sample(cells, 120):  # a few members left their enterprise after the period
            spare = [m for m in plan.members if m.admitted_on < PERIOD_START and not m.is_owner]
            if len(spare) >= 5:
                rng.choice(spare).left_on = self.day(D(2024, 8, 1), D(2026, 10, 30))
        for plan in rng.sample(cells, 25):  # owners who joined the party long ago
            old = [m for m in plan.members if m.admitted_on < D(2020, 1, 1) and not m.is_owner]
            if old and not any(m.is_owner for m in plan.members):
                old[0].is_owner = True
                plan.fields["owner_name"] = old[0].full_name

    def unions(self) -> None:
        """330 unions founded in the period with 17,313 members; all other union dates outside the period. Some
        older unions admit members or lose some after the period (dated entries), and a few large enterprises
        have a youth federation founded outside the period."""
        rng = self.rng
        active = [p for p in self.plans if p.fields["operating_status"] == OS.ACTIVE and p.workers >= 40]
        chosen = rng.sample(active, 330)
        trade, youth = chosen[:220], chosen[220:]
        counts = [rng.randint(25, min(p.workers, 160)) for p in trade]
        counts += [rng.randint(10, min(p.workers // 2, 80)) for p in youth]
        caps = [p.workers for p in trade] + [p.workers // 2 for p in youth]
        counts = _fit_sum(rng, counts, caps, SEED_000_H1_2024["new_mass_organization_members"], low=5)
        trade_set = {id(p) for p in trade}
        for plan, count in zip(chosen, counts, strict=True):
            kind = TRADE_UNION if id(plan) in trade_set else YOUTH_UNION
            plan.mass_organizations.append((kind, self.day(PERIOD_START, PERIOD_END), count, []))
        for plan in self.plans:
            for kind, chance, share in ((TRADE_UNION, 0.55, (0.4, 0.9)), (YOUTH_UNION, 0.3, (0.1, 0.4))):
                if any(k == kind for k, *_rest in plan.mass_organizations) or plan.workers < 20:
                    continue
                if rng.random() > chance:
                    continue
                if rng.random() < 0.75:
                    founded = self.day(D(2008, 1, 2), D(2023, 12, 28))
                else:
                    founded = self.day(D(2024, 7, 1), D(2026, 11, 13))
                members = max(3, int(plan.workers * rng.uniform(*share)))
                later: list[tuple[datetime.date, int, int]] = []
                if founded < PERIOD_START and rng.random() < 0.2:  # counts entered after the period
                    later.append((self.day(D(2024, 7, 1), D(2026, 10, 30)), rng.randint(1, 12), rng.randint(0, 3)))
                plan.mass_organizations.append((kind, founded, members, later))
        for plan in rng.sample([p for p in self.plans if p.workers >= 300], 12):
            founded = (
                self.day(D(2015, 1, 5), D(2023, 12, 20))
                if rng.random() < 0.5
                else self.day(D(2024, 7, 1), D(2026, 11, 13))
            )
            plan.mass_organizations.append((YOUTH_FEDERATION, founded, max(5, plan.workers // 10), []))


def _fit_sum(rng: random.Random, values: list[int], caps: list[int], target: int, *, low: int) -> list[int]:
    """Scale ``values`` so they add up to exactly ``target``, each staying within [low, cap]."""
    factor = target / sum(values)
    values = [min(cap, max(low, round(v * factor))) for v, cap in zip(values, caps, strict=True)]
    diff = target - sum(values)
    indexes = list(range(len(values)))
    while diff:
        rng.shuffle(indexes)
        moved = False
        for i in indexes:
            if diff > 0 and values[i] < caps[i]:
                values[i] += 1
                diff -= 1
                moved = True
            elif diff < 0 and values[i] > low:
                values[i] -= 1
                diff += 1
                moved = True
            if not diff:
                break
        if not moved:
            raise RuntimeError("demo plan: cannot reach the union member total")
    return values


def _verify(plans: Iterable[_EnterprisePlan]) -> None:
    """The guards the services enforce hold at every step of every planned case."""
    needs_three = {"start_outreach", "start_proposal", "submit_proposal", "approve"}
    for plan in plans:
        open_cases = 0
        for case in plan.cases:
            for row in case.rows:
                day = row["at"].astimezone(_TZ).date()
                if row["event"] in needs_three and plan.full_count(day) < 3:
                    raise RuntimeError(f"demo plan: {row['event']} without 3 full members ({plan.fields['name']})")
                if row["event"] == "start_nurturing" and plan.full_count(day) >= 3:
                    raise RuntimeError(f"demo plan: nurturing with 3 full members ({plan.fields['name']})")
            if case.rows[-1]["event"] == "survey":
                raise RuntimeError("demo plan: a case must not end on a survey")
            full_now = plan.full_count(DEMO_TODAY)
            if case.state in (S.OUTREACH, S.PROPOSAL, S.DECISION, S.ESTABLISHED) and full_now < 3:
                raise RuntimeError(f"demo plan: {case.state} case without 3 full members")
            if case.state == S.NURTURING and full_now >= 3:
                raise RuntimeError("demo plan: nurturing case with 3 full members")
            open_cases += case.state in Case.OPEN_STATES
        if open_cases > 1:
            raise RuntimeError("demo plan: two open cases for one enterprise")


def demo_plan() -> list[_EnterprisePlan]:
    """The demo enterprises as plain data (deterministic: the same on every call)."""
    plans = _Planner().build()
    _verify(plans)
    return plans


# --- Writing -----------------------------------------------------------------------------------------


def _write(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _ensure_units() -> tuple[dict[str, int], dict[str, Unit]]:
    loaded = units_load_from_package(province_code=HANOI)
    hanoi = Unit.objects.get(code=HANOI)
    for code, name, level, committee, valid_until in EXTRA_UNITS:
        unit = Unit.objects.filter(code=code).first() or Unit(code=code)
        wanted = {
            "name": name,
            "level": level,
            "parent_id": hanoi.pk,
            "party_committee_name": committee,
            "valid_until": valid_until,
        }
        if unit.pk is None or any(getattr(unit, k) != v for k, v in wanted.items()):
            loaded["created" if unit.pk is None else "updated"] += 1
            for k, v in wanted.items():
                setattr(unit, k, v)
            unit.save()
    codes = [HANOI, BLOC, DISTRICT_HK, DISTRICT_BD, *WARD_BY_CODE]
    return loaded, Unit.objects.in_bulk(codes, field_name="code")


def _ensure_officials(units: dict[str, Unit]) -> tuple[int, dict[str, int]]:
    existing = {o.username: o for o in Official.objects.filter(username__in=[d.username for d in DEMO_OFFICIALS])}
    password = None
    created = 0
    for demo in DEMO_OFFICIALS:
        if demo.username in existing:  # never touch an account that is already there (password included)
            continue
        password = password or make_password(DEMO_PASSWORD)
        official = Official.objects.create(
            username=demo.username,
            password=password,
            first_name=demo.first_name,
            last_name=demo.last_name,
            title=demo.title,
            unit=units[demo.unit_code] if demo.unit_code else None,
            is_staff=demo.is_staff,
            is_superuser=demo.is_superuser,
            email=f"{demo.username}@cellflow.invalid",
        )
        official_set_roles(official=official, roles=demo.roles)
        created += 1
    ids = dict(Official.objects.filter(username__in=[d.username for d in DEMO_OFFICIALS]).values_list("username", "pk"))
    return created, ids


def _save_plans(plans: list[_EnterprisePlan], units: dict[str, Unit], actors: dict[str, int]) -> dict[str, int]:
    unit_id = {code: unit.pk for code, unit in units.items()}
    enterprises = []
    for plan in plans:
        f = dict(plan.fields)
        f["unit_id"] = unit_id[f.pop("unit")]
        district = f.pop("former_district")
        f["former_district_id"] = unit_id[district] if district else None
        f["search_text"] = Enterprise.search_text_of(name=f["name"], tax_code=f["tax_code"])
        enterprises.append(Enterprise(**f))
    Enterprise.objects.bulk_create(enterprises, batch_size=BATCH_SIZE)

    members, cases = [], []
    for plan, enterprise in zip(plans, enterprises, strict=True):
        for m in sorted(plan.members, key=lambda m: m.admitted_on):
            recognized = m.recognized_full_on
            members.append(
                PartyMember(
                    enterprise_id=enterprise.pk,
                    full_name=m.full_name,
                    admitted_on=m.admitted_on,
                    is_owner=m.is_owner,
                    status=PartyMember.Status.FULL if recognized else PartyMember.Status.PROBATIONARY,
                    recognized_full_on=recognized,
                    left_on=m.left_on,
                    note="Chủ doanh nghiệp" if m.is_owner else "",
                )
            )
        for c in plan.cases:
            f = dict(c.fields)
            committee = f.pop("deciding_committee", None)
            cases.append(
                Case(
                    enterprise_id=enterprise.pk,
                    state=c.state,
                    opened_at=c.rows[0]["at"],
                    state_changed_at=c.last_change,
                    deciding_committee_id=unit_id[committee] if committee else None,
                    **f,
                )
            )
    PartyMember.objects.bulk_create(members, batch_size=BATCH_SIZE)
    Case.objects.bulk_create(cases, batch_size=BATCH_SIZE)

    surveys, history = [], []
    case_plans = [c for plan in plans for c in plan.cases]
    for c, case in zip(case_plans, cases, strict=True):
        for s in c.surveys:
            surveys.append(
                Survey(
                    case_id=case.pk,
                    kind=s["kind"],
                    surveyed_on=s["surveyed_on"],
                    worker_count=s["worker_count"],
                    surveyed_by_id=actors.get(s["actor"]),
                    note=s["note"],
                )
            )
        for r in c.rows:
            data = dict(r["data"])
            if "deciding_committee" in data:
                data["deciding_committee_id"] = unit_id[data.pop("deciding_committee")]
            history.append(
                CaseHistory(
                    case_id=case.pk,
                    actor_id=actors.get(r["actor"]),
                    at=r["at"],
                    event=r["event"],
                    from_state=r["from_state"],
                    to_state=r["to_state"],
                    note=r["note"],
                    data=data,
                )
            )
    Survey.objects.bulk_create(surveys, batch_size=BATCH_SIZE)
    CaseHistory.objects.bulk_create(history, batch_size=BATCH_SIZE)
    proposals = _save_proposals(plans, enterprises, cases, members, unit_id, actors)
    _save_mass_organizations(plans, enterprises)
    return {
        "enterprises": len(enterprises),
        "members": len(members),
        "cases": len(cases),
        "surveys": len(surveys),
        "history": len(history),
        "proposals": proposals,
    }


def _save_proposals(
    plans: list[_EnterprisePlan],
    enterprises: list[Enterprise],
    cases: list[Case],
    members: list[PartyMember],
    unit_id: dict[str, int],
    actors: dict[str, int],
) -> int:
    """The submission (tờ trình) of every case awaiting the decision, as ``cases.services.proposal_submit`` writes it:
    the members active on the day it was submitted (full and probationary), the two longest-standing full members as
    secretary and deputy, the committee that decides (the former district before the reform, the ward after it),
    dated and signed as the history's last ``submit_proposal`` row."""
    register: dict[int, list[PartyMember]] = {}
    for m in members:
        register.setdefault(m.enterprise_id, []).append(m)
    case_iter = iter(cases)
    made: list[tuple[Proposal, list[PartyMember]]] = []
    for plan, enterprise in zip(plans, enterprises, strict=True):
        for c in plan.cases:
            case = next(case_iter)
            if c.state != S.DECISION:
                continue
            row = [r for r in c.rows if r["event"] == "submit_proposal"][-1]
            day = row["at"].astimezone(_TZ).date()
            active = [
                m
                for m in register.get(enterprise.pk, [])
                if m.admitted_on <= day and (m.left_on is None or m.left_on > day)
            ]
            full = [m for m in active if m.recognized_full_on and m.recognized_full_on <= day]
            if len(full) < 3:  # the guard held when the plan submitted it; never write a proposal it would refuse
                raise RuntimeError(f"demo plan: proposal of {enterprise.tax_code} with {len(full)} full members")
            committee = (plan.ward.district or BLOC) if day <= DISTRICTS_UNTIL else plan.ward.code
            proposal = Proposal(
                case_id=case.pk,
                cell_name=f"Chi bộ {enterprise.name}",
                secretary_id=full[0].pk,
                deputy_id=full[1].pk,
                reports_to_id=unit_id[committee],
                organization_kind=case.organization_kind,
                dated_on=day,
                submitted_by_id=actors[row["actor"]],
                submitted_at=row["at"],
            )
            made.append((proposal, active))
    Proposal.objects.bulk_create([p for p, _m in made], batch_size=BATCH_SIZE)
    through = Proposal.members.through
    through.objects.bulk_create(
        [through(proposal_id=p.pk, partymember_id=m.pk) for p, active in made for m in active], batch_size=BATCH_SIZE
    )
    return len(made)


def _save_mass_organizations(plans: list[_EnterprisePlan], enterprises: list[Enterprise]) -> int:
    """The plans' mass organizations with their membership entries and a history row each (in bulk)."""
    kinds = mass_organization_kinds_ensure()
    organizations, planned = [], []
    for plan, enterprise in zip(plans, enterprises, strict=True):
        for kind, founded, members, later in plan.mass_organizations:
            organizations.append(
                MassOrganization(enterprise_id=enterprise.pk, kind=kinds[kind], established_on=founded)
            )
            planned.append((founded, members, later))
    MassOrganization.objects.bulk_create(organizations, batch_size=BATCH_SIZE)
    entries, history = [], []
    for organization, (founded, members, later) in zip(organizations, planned, strict=True):
        entries.append(
            MembershipEntry(
                organization=organization,
                counted_on=founded,
                admitted=members,
                source=MembershipEntry.Source.ESTABLISHMENT,
            )
        )
        entries.extend(
            MembershipEntry(organization=organization, counted_on=d, admitted=a, departed=g) for d, a, g in later
        )
        history.append(
            MassOrganizationHistory(
                organization=organization,
                event=MassOrganizationHistory.Event.RECORDED,
                changes={"established_on": founded.isoformat(), "members": members},
            )
        )
    MembershipEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)
    MassOrganizationHistory.objects.bulk_create(history, batch_size=BATCH_SIZE)
    return len(organizations)


def demo_seed(*, stdout: TextIO | None = None) -> dict[str, Any]:
    """Create (or top up) the demo data set; see the module docstring. Returns what was created."""
    started = time.monotonic()
    with transaction.atomic():
        loaded, units = _ensure_units()
        _write(
            stdout,
            f"Units: {loaded['created']} created, {loaded['updated']} updated "
            f"(Hà Nội, {loaded['communes']} communes, 2 historical districts, 1 bloc committee).",
        )
        officials_created, actors = _ensure_officials(units)
        _write(
            stdout,
            f"Officials: {officials_created} created, {len(DEMO_OFFICIALS) - officials_created} "
            "already present (left unchanged).",
        )
        plans = demo_plan()
        existing = set(
            Enterprise.objects.filter(tax_code__in=[p.fields["tax_code"] for p in plans]).values_list(
                "tax_code", flat=True
            )
        )
        missing = [p for p in plans if p.fields["tax_code"] not in existing]
        if missing:
            saved = _save_plans(missing, units, actors)
        else:
            saved = dict.fromkeys(("enterprises", "members", "cases", "surveys", "history", "proposals"), 0)
        _write(
            stdout,
            (
                f"Enterprises: {saved['enterprises']} created, {len(existing)} already present; "
                f"{saved['members']} party members, {saved['cases']} cases, {saved['surveys']} surveys, "
                f"{saved['history']} history entries, {saved['proposals']} proposals created."
            ),
        )
        # The reporting periods and targets, then the report deadlines (they need the periods), in the same
        # transaction.
        from .demo_deadlines import demo_deadlines_seed
        from .demo_targets import demo_targets_seed

        for summary in (demo_targets_seed(stdout=stdout), demo_deadlines_seed(stdout=stdout)):
            if summary:
                _write(stdout, summary)
        # Candidates and mass organizations' establishments, through the services and flows (devdata.demo_members).
        from .demo_members import demo_members_seed

        _write(stdout, demo_members_seed(plans=plans))
    return {
        "units_created": loaded["created"],
        "units_updated": loaded["updated"],
        "officials_created": officials_created,
        "enterprises_present": len(existing),
        **saved,
        "seconds": round(time.monotonic() - started, 1),
    }
