"""The spreadsheet formats of the registry: columns, reading XLSX/CSV, writing XLSX.

One workbook may hold four sheets, 房屋 (dwellings), 人员 (persons), 户
(households, one row per member) and 组织机构 (organisations: 驻区单位, 物业企业,
业委会, 社会组织, 商户 …); a CSV file holds one of them. Headers are
Chinese, as offices write them; the English keys are accepted too. Templates
and exports use the same headers, so an export can be corrected and imported
again (masked personal values excepted).

Cells are read as text. An ID number typed into Excel as a number has already
lost its last digits (Excel keeps 15 significant digits), so a numeric cell in
an ID column is refused with a hint instead of being guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import exports

from gongzhi.core import tabular
from gongzhi.core.tabular import Column, FormatError

from .models import DwellingRole, Gender, IdType, OrganisationKind, Relation, ResidenceType
from .models.places import Dwelling


@dataclass(frozen=True)
class SheetFormat:
    kind: str
    title: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    def header_map(self) -> dict[str, str]:
        """{accepted header text: column key}."""
        return tabular.header_map(self.columns)


# Chinese labels accepted (and written) for choice columns; the first label of
# each value is the one written in exports.
USE_LABELS = {"自住": Dwelling.Use.OWNER_OCCUPIED, "出租": Dwelling.Use.RENTED, "空置": Dwelling.Use.VACANT,
              "商用": Dwelling.Use.COMMERCIAL, "其他": Dwelling.Use.OTHER}
ID_TYPE_LABELS = {"居民身份证": IdType.RESIDENT_ID, "身份证": IdType.RESIDENT_ID, "护照": IdType.PASSPORT,
                  "其他": IdType.OTHER}
RESIDENCE_LABELS = {"户籍": ResidenceType.REGISTERED, "户籍人口": ResidenceType.REGISTERED,
                    "流动": ResidenceType.MIGRANT, "流动人口": ResidenceType.MIGRANT,
                    "境外": ResidenceType.FOREIGN, "境外人员": ResidenceType.FOREIGN}
ROLE_LABELS = {"产权人": DwellingRole.OWNER, "业主": DwellingRole.OWNER, "租户": DwellingRole.TENANT,
               "承租人": DwellingRole.TENANT, "家庭成员": DwellingRole.FAMILY, "其他": DwellingRole.OTHER}
RELATION_LABELS = {"户主": Relation.HEAD, "本人": Relation.HEAD, "配偶": Relation.SPOUSE, "子女": Relation.CHILD,
                   "子": Relation.CHILD, "女": Relation.CHILD, "儿媳/女婿": Relation.CHILD_IN_LAW,
                   "儿媳": Relation.CHILD_IN_LAW, "女婿": Relation.CHILD_IN_LAW, "孙子女": Relation.GRANDCHILD,
                   "父母": Relation.PARENT, "祖父母": Relation.GRANDPARENT, "兄弟姐妹": Relation.SIBLING,
                   "其他": Relation.OTHER}
GENDER_LABELS = {"男": Gender.MALE, "女": Gender.FEMALE}
ORGANISATION_KIND_LABELS = {
    "驻区单位": OrganisationKind.RESIDENT_UNIT, "物业企业": OrganisationKind.PROPERTY_COMPANY,
    "物业公司": OrganisationKind.PROPERTY_COMPANY, "物业": OrganisationKind.PROPERTY_COMPANY,
    "业委会": OrganisationKind.OWNERS_COMMITTEE, "业主委员会": OrganisationKind.OWNERS_COMMITTEE,
    "社会组织": OrganisationKind.SOCIAL_ORGANISATION, "商户": OrganisationKind.MERCHANT,
    "个体工商户": OrganisationKind.MERCHANT, "其他": OrganisationKind.OTHER,
}


def label_of(labels: dict, value: str) -> str:
    """The Chinese label written for ``value`` (the first one in ``labels``)."""
    for label, code in labels.items():
        if code == value:
            return label
    return value


SHEETS: dict[str, SheetFormat] = {
    "dwellings": SheetFormat("dwellings", "房屋", aliases=("dwellings", "房屋信息"), columns=(
        Column("external_id", "房屋编号", True, gettext_lazy("Your own unique number of the dwelling."),
               ("dwelling_id",)),
        Column("grid", "网格编码", True, gettext_lazy("15-digit code of the grid.")),
        Column("compound", "小区", help=gettext_lazy("Compound or courtyard name (created if new).")),
        Column("building", "楼栋", help=gettext_lazy("Building number, e.g. 3 for 3号楼.")),
        Column("entrance", "单元", help=gettext_lazy("Entrance number, e.g. 2 for 2单元.")),
        Column("room", "房号", help=gettext_lazy("Room number, e.g. 501.")),
        Column("floor", "楼层"),
        Column("street_address", "门牌地址", help=gettext_lazy("Required when there is no compound."),
               aliases=("街路门牌",)),
        Column("floor_area", "建筑面积", help=gettext_lazy("Floor area in square metres."), aliases=("面积",)),
        Column("exclusive_area", "专有部分面积", help=gettext_lazy(
            "Exclusive area on the title certificate in square metres: the owners' voting weight."),
            aliases=("套内面积", "专有面积")),
        Column("use", "用途", help=gettext_lazy("自住 / 出租 / 空置 / 商用 / 其他")),
        Column("note", "备注"),
    )),
    "persons": SheetFormat("persons", "人员", aliases=("persons", "人口", "人员信息"), columns=(
        Column("external_id", "人员编号", help=gettext_lazy("Your own unique number of the person (optional)."),
               aliases=("person_id",)),
        Column("name", "姓名", True),
        Column("id_type", "证件类型", help=gettext_lazy("居民身份证 (default) / 护照 / 其他")),
        Column("id_number", "证件号码", help=gettext_lazy(
            "ID number, as text. Either the ID number or the person number is required."),
            aliases=("身份证号", "身份证号码"), numeric_allowed=False),
        Column("gender", "性别", help=gettext_lazy("男 / 女; taken from a resident ID number when there is one.")),
        Column("birth_date", "出生日期", help=gettext_lazy("YYYY-MM-DD; taken from a resident ID number.")),
        Column("phone", "联系电话", aliases=("手机号", "电话")),
        Column("residence_type", "人口类型", help=gettext_lazy("户籍 (default) / 流动 / 境外"), aliases=("居住类型",)),
        Column("dwelling", "房屋编号", help=gettext_lazy("Dwelling number from the 房屋 sheet or already registered.")),
        Column("dwelling_role", "与房屋关系", help=gettext_lazy("产权人 / 租户 / 家庭成员 / 其他")),
        Column("grid", "网格编码", help=gettext_lazy("Required when no dwelling is given.")),
        Column("care_tags", "关爱标签", help=gettext_lazy("Care tag names or codes separated by 、 or ,")),
        Column("note", "备注"),
    )),
    "households": SheetFormat("households", "户", aliases=("households", "户籍", "家庭户"), columns=(
        Column("external_id", "户编号", True, gettext_lazy("Household number; one row per member."),
               ("household_id",)),
        Column("dwelling", "房屋编号"),
        Column("id_number", "证件号码", help=gettext_lazy("The member's ID number (or the person number)."),
               aliases=("身份证号", "身份证号码"), numeric_allowed=False),
        Column("person", "人员编号"),
        Column("relation", "与户主关系", True, gettext_lazy("户主 / 配偶 / 子女 / 儿媳/女婿 / 孙子女 / 父母 / 祖父母 / "
                                                            "兄弟姐妹 / 其他")),
    )),
    "organisations": SheetFormat("organisations", "组织机构", aliases=("organisations", "organizations", "组织", "单位",
                                                                  "组织机构信息"), columns=(
        Column("external_id", "单位编号", help=gettext_lazy(
            "Your own unique number of the organisation. Either the credit code or this number is required."),
            aliases=("organisation_id", "组织编号")),
        Column("name", "单位名称", True, aliases=("名称", "组织名称")),
        Column("kind", "单位类型", True, gettext_lazy("驻区单位 / 物业企业 / 业委会 / 社会组织 / 商户 / 其他"),
               aliases=("类型", "组织类型")),
        Column("credit_code", "统一社会信用代码", help=gettext_lazy("18 characters, as text."),
               aliases=("信用代码",), numeric_allowed=False),
        Column("legal_representative", "法定代表人", aliases=("负责人",)),
        Column("contact_name", "联系人"),
        Column("contact_phone", "联系电话", aliases=("电话",)),
        Column("address", "地址", aliases=("单位地址",)),
        Column("longitude", "经度", help=gettext_lazy("WGS-84 (GPS) decimal degrees; give both or neither.")),
        Column("latitude", "纬度", help=gettext_lazy("WGS-84 (GPS) decimal degrees; give both or neither.")),
        Column("dwelling", "房屋编号", help=gettext_lazy("The premises: a dwelling number from the 房屋 sheet or "
                                                         "already registered.")),
        Column("grid", "网格编码", help=gettext_lazy("Required when no dwelling is given.")),
        Column("note", "备注"),
    )),
}
IMPORT_ORDER = ("dwellings", "persons", "households", "organisations")


@dataclass
class SheetData(tabular.Table):
    kind: str = ""


def _kind_for(title: str, headers: list) -> str | None:
    normalized = title.strip().lower()
    for sheet in SHEETS.values():
        if normalized in {sheet.title, *sheet.aliases}:
            return sheet.kind
    present = [tabular.recognised(headers, SHEETS[kind].header_map()) for kind in IMPORT_ORDER]
    # The sheet whose required columns are all there and that recognises most headers.
    candidates = [
        (len(found), kind) for kind, found in zip(IMPORT_ORDER, present, strict=True)
        if all(c.key in found for c in SHEETS[kind].columns if c.required)
    ]
    return max(candidates)[1] if candidates else None


def read_file(data: bytes, filename: str, kind: str | None = None) -> list[SheetData]:
    """Sheets of an XLSX workbook or one CSV file, rows as ``(row number, {column key: cell})``.

    Row numbers are the spreadsheet's own: the header is row 1. Sheets that match no kind (an
    instructions sheet) are left out; a file where none matches is refused.
    """
    found = tabular.read(data, filename)
    single = len(found) == 1
    sheets = []
    for title, headers, rows, count in found:
        sheet_kind = kind if kind and single else _kind_for(title, headers)
        if sheet_kind is None:
            continue
        mapped = tabular.table(title or SHEETS[sheet_kind].title, headers, rows, SHEETS[sheet_kind].header_map(),
                               count)
        sheets.append(SheetData(title=mapped.title, headers=mapped.headers, rows=mapped.rows, count=count,
                                raw_headers=mapped.raw_headers, kind=sheet_kind))
    if not sheets:
        if tabular.is_csv(filename):
            raise FormatError(_("The columns of %(file)s do not match the template of dwellings, persons, "
                                "households or organisations.") % {"file": filename})
        raise FormatError(_("No sheet of the workbook matches the template of dwellings, persons, households or "
                            "organisations."))
    return sheets


# --- writing ----------------------------------------------------------------------


def template_workbook(kinds=IMPORT_ORDER) -> bytes:
    """An empty workbook with the sheets' headers and a sheet explaining the columns."""
    workbook = exports.Workbook(watermark=None)  # a blank template: no data, nobody's export
    for kind in kinds:
        columns = SHEETS[kind].columns
        sheet = workbook.sheet(SHEETS[kind].title)
        sheet.columns([max(12, len(c.header) * 3) for c in columns], text=True)
        sheet.append(exports.Cell(c.header, bold=True) for c in columns)
    notes = workbook.sheet("说明")
    notes.append([_("sheet"), _("column"), _("required"), _("meaning")])
    for kind in kinds:
        for column in SHEETS[kind].columns:
            notes.append([SHEETS[kind].title, column.header, _("yes") if column.required else "", str(column.help)])
    return workbook.save()


def template_csv(kind: str) -> bytes:
    return exports.csv_bytes([[c.header for c in SHEETS[kind].columns]], watermark=None)  # a blank template
