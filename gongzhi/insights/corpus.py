"""A generated corpus of residents' requests, labelled by category, for tests, benches and the demo.

Real citizen messages are not in the repository; this corpus stands in for them with the
way they are written: a place, an object and what is wrong with it, how long it has lasted
and what is asked, in varying order and wording, with words shared across categories
(噪声 of a restaurant's fan, 停车 in a compound and on the road) and a share of messages
that mention another category's words in passing. Deterministic for a seed.
"""

from __future__ import annotations

import random

from gongzhi.cases import taxonomy

# What goes wrong, per category (code): phrases residents use besides the category's keywords.
PROBLEMS = {
    "0101": "在楼顶私自加盖了一层 占用公共绿地盖房子 在院里私搭乱建棚子 违规搭建彩钢房",
    "0102": "路灯晚上不亮 井盖丢失很危险 路面坑洼不平 人行道砖松动 下雨后路面大量积水 护栏被撞坏",
    "0103": "外墙皮大块脱落 墙体出现裂缝 楼道顶棚漏水 阳台开裂有危险",
    "0104": "又停水了没有通知 水压太低楼上用不了水 自来水发黄有异味 楼下水管爆了",
    "0105": "暖气一点都不热 家里室温只有十五度 停暖了也没人管 暖气片不热",
    "0106": "楼道里闻到燃气味 燃气表不走字 天然气漏气 燃气灶打不着",
    "0107": "拆迁补偿款一直没到位 征收安置房迟迟不交付 补偿标准不公平",
    "0201": "夜间施工噪音太大睡不着 广场舞音响声音太吵 楼上装修电钻声从早到晚 工地半夜还在打桩",
    "0202": "烧烤摊油烟熏得开不了窗 工地扬尘很大 饭馆油烟直排到居民楼",
    "0203": "河道里飘着死鱼 排污口往河里排黑水 臭水沟味道很大",
    "0204": "垃圾桶满了好几天没人清运 建筑垃圾堆在路边 垃圾分类桶没人管",
    "0205": "楼道里全是小广告 小区老鼠很多 公共区域脏乱差 有异味蚊虫多",
    "0301": "公交车班次太少等很久 地铁站台拥挤 公交线路被取消了",
    "0302": "出租车司机拒载 网约车绕路多收费 出租车不打表",
    "0303": "路口天天堵车 有车长期违停占道 乱停车堵住消防通道",
    "0304": "共享单车堆满人行道 单车乱停放挡路",
    "0401": "幼儿园收费太高 托育机构不够 孩子入园难",
    "0402": "孩子上学学位紧张 入学政策不清楚 学区划分不合理",
    "0403": "校外培训班违规补课 培训机构退费难",
    "0404": "健身器材坏了没人修 篮球场被占用 社区图书馆总不开门",
    "0501": "老板拖欠工资三个月 工地欠薪不发 讨薪无门",
    "0502": "社保断缴了 医保报销有问题 养老保险转移不了 公积金提取困难",
    "0503": "想找工作没有渠道 失业登记怎么办理 招聘信息太少",
    "0504": "老人没人照顾 希望开设老年助餐点 日间照料中心不开放",
    "0505": "家里困难申请低保 特困供养没有落实 生活困难希望救助",
    "0601": "景区强制消费 导游态度恶劣 旅游团不按行程走",
    "0602": "附近没有菜市场 便利店太少买菜不方便 早餐点被取消了",
    "0603": "健身房办卡后跑路了 预付卡退费难 理发店办卡后关门",
    "0701": "医院挂号难排队久 诊所乱收费 看病等太久",
    "0702": "疫苗接种点不好约 附近有传染病人 防疫措施不到位",
    "0703": "生育登记办不了 妇幼保健服务差 计生证明开不了",
    "0801": "饭店食品过期变质 吃了外卖食物中毒 超市卖过期食品",
    "0802": "停车场乱收费 商家涨价不标价 物价明显虚高",
    "0803": "无照经营的游商摆摊 无证小作坊 路边摆摊占道经营",
    "0804": "买到假冒伪劣商品 产品质量有问题 家电质量差",
    "0901": "物业不作为 保洁不打扫楼道 物业费收了不干活 小区绿化没人管",
    "0902": "电梯又坏了 电梯困人 电梯经常停运老人上不了楼",
    "0903": "维修资金动用不了 维修基金被挪用 楼顶大修没钱",
    "0904": "小区车位不够 有人私装地锁 小区里没有充电桩",
    "0905": "业委会成立不了 业主大会一直不开 业委会账目不公开",
    "1001": "小区有小偷入室盗窃 有人打架斗殴 楼里有可疑人员",
    "1002": "楼道里电动车充电 消防通道被堵塞 飞线充电有火灾隐患",
    "1003": "小作坊存放危化品 工厂有安全隐患 工地没有安全措施",
    "1004": "接到诈骗电话 被电信诈骗骗了钱 骗子冒充客服",
    "1101": "想咨询一下相关政策 这个法规怎么理解 政策有没有变化",
    "1102": "办理居住证需要什么材料 怎么办理这个手续 办事流程是什么",
}

PLACES = ("永安里小区", "建外街道", "光华路", "金台里", "东大桥路", "幸福家园", "阳光花园", "朝阳北路", "芳草地",
          "和平里", "向阳村", "红庙北里", "团结湖", "三里屯", "望京西园")
SPOTS = ("3号楼", "5号楼2单元", "东门", "南门附近", "12号楼下", "西侧路口", "小区里", "楼下", "门口", "对面")
DURATIONS = ("已经好几天了", "持续一个多月了", "今天早上开始", "反映过多次", "这周一直这样", "从上个月开始",
             "", "", "")
ASKS = ("希望尽快处理", "请相关部门管一管", "麻烦派人来看看", "希望给个说法", "请尽快解决", "严重影响生活",
        "居民意见很大", "")
FILLERS = ("您好", "你好", "我想反映一个问题", "我是附近居民", "", "", "")


def leaf_codes() -> list[str]:
    return sorted(PROBLEMS)


def first_level(code: str) -> str:
    return code[:2]


def message(rng: random.Random, code: str, *, distractor: str | None = None) -> tuple[str, str]:
    """(title, description) of one generated request of category ``code``."""
    keywords = taxonomy.KEYWORDS.get(code, "").split()
    problem = rng.choice(PROBLEMS[code].split())
    place = rng.choice(PLACES) + rng.choice(SPOTS)
    parts = [rng.choice(FILLERS), place + problem]
    if keywords and rng.random() < 0.6:
        parts.append(rng.choice(("涉及", "是关于", "主要是")) + rng.choice(keywords) + "的问题")
    if distractor:
        parts.append(rng.choice(("旁边", "另外", "之前")) + rng.choice(PROBLEMS[distractor].split()))
    parts += [rng.choice(DURATIONS), rng.choice(ASKS)]
    rng.shuffle(parts[2:])
    description = "，".join(p for p in parts if p) + "。"
    title = (rng.choice(keywords) if keywords and rng.random() < 0.5 else problem[:8]) + rng.choice(
        ("问题", "", "反映", "投诉"))
    return title[:100], description


def generate(n: int, *, seed: int = 1, codes: list[str] | None = None, distractors: float = 0.15,
             label_noise: float = 0.0) -> list[tuple[str, str, str]]:
    """``n`` (title, description, leaf code) triples, categories in turn, ``distractors`` of them
    mentioning another category's problem too, ``label_noise`` of them labelled with a wrong category."""
    rng = random.Random(seed)
    codes = codes or leaf_codes()
    out = []
    for i in range(n):
        code = codes[i % len(codes)]
        distractor = rng.choice(codes) if rng.random() < distractors else None
        title, description = message(rng, code, distractor=distractor if distractor != code else None)
        label = rng.choice(codes) if rng.random() < label_noise else code
        out.append((title, description, label))
    rng.shuffle(out)
    return out
