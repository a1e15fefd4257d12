"""The default dispute types (矛盾纠纷类型), seeded by migration 0002; the administrator may add and retire types."""

DEFAULT_TYPES = (
    ("marriage_family", "婚姻家庭", "Marriage and family"),
    ("neighbours", "邻里", "Neighbours"),
    ("housing_land", "房屋宅基地", "Housing and homesteads"),
    ("property_management", "物业", "Property management"),
    ("labour", "劳动争议", "Labour"),
    ("contract", "合同", "Contracts"),
    ("damages", "损害赔偿", "Damages"),
    ("land_contract", "土地承包", "Land contracting"),
    ("expropriation", "征地拆迁", "Expropriation and demolition"),
    ("medical", "医疗", "Medical"),
    ("traffic", "交通事故", "Traffic accidents"),
    ("pollution", "环境污染", "Environmental pollution"),
    ("other", "其他", "Other"),
)

# A mediation-committee unit's tier from the level of its jurisdiction.
TIER_OF_LEVEL = {"community": "community", "grid": "community", "subdistrict": "township", "district": "county"}
