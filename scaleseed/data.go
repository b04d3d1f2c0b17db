package scaleseed

import (
	"strings"

	"anpei/roster"
)

// The synthetic district's vocabulary. Everything here is made up: names
// are drawn from character lists, enterprises from word lists, so no row
// describes a real person or business. The tables are functions or
// constants so the package holds no mutable state.

const (
	commonSurnames = "李王张刘陈杨赵黄周吴徐孙朱马胡何罗段"
	surnames       = "郭高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤字普者保沐施鲁窦浦晏"
	maleGiven      = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳彬志成新建国文海东云江德福贵祥荣兴发顺坤昆庆松武忠耀金永泽锦家正"
	femaleGiven    = "芳娟敏静丽艳娜秀英华慧巧美玲燕霞红梅琴云莲萍雪琳丹玉兰凤洁倩婷颖菊蓉润莉晓春桂仙双存竹月"

	// tradeChars make the 字号 (trade names) of enterprises, two at a time.
	tradeChars = "宏源鑫达恒通兴旺顺安泰华盛昌隆永丰瑞祥天成金鼎博远宇新振亚海嘉信诚德润明光富康利民众和东方西南北辰云岭珠江麒麟翠峰凤凰龙腾"
)

// areas are the address codes (GB/T 2260) synthetic ID numbers are drawn
// from, weighted: most people of 麒麟区 were born in 曲靖.
func areas() []weighted {
	return []weighted{
		{"530302", 60}, {"530303", 3}, {"530328", 4}, {"530304", 2}, {"530321", 3},
		{"530322", 5}, {"530323", 3}, {"530324", 4}, {"530325", 4}, {"530326", 5},
		{"530381", 6}, {"530102", 1}, {"530111", 1}, {"530402", 1}, {"530602", 2}, {"532301", 1},
	}
}

// mobilePrefixes are the mobile number blocks phones are drawn from.
func mobilePrefixes() []string {
	return strings.Fields("134 135 136 137 138 139 147 150 151 152 157 158 159 178 182 183 187 188 198 " +
		"130 131 132 155 156 166 175 176 185 186 133 153 173 177 180 181 189 199")
}

// weighted is a choice and its weight.
type weighted struct {
	v string
	w int
}

// industryProfile is how one industry of the reference data is populated:
// how many of the district's enterprises are in it (weight), how big they
// tend to be (sizeFactor), what share of their staff are special
// operators, the operation items those hold, the words an enterprise name
// is made of, and the company-form suffixes.
type industryProfile struct {
	weight       int
	sizeFactor   float64
	specialShare float64
	items        []string
	words        []string
	suffixes     []string
}

// profiles returns the profile of every industry code of the reference
// data (roster/data/industries.tsv); an industry added to the database
// since gets defaultProfile.
func profiles() map[string]industryProfile {
	company := []string{"有限公司", "有限责任公司"}
	return map[string]industryProfile{
		"hazchem":           {60, 1.6, 0.22, items("9.16 9.10 9.14 9.8 9.5 9.3 1.3 4.1"), words("化工 石化 气体 精细化工 化学"), company},
		"fireworks":         {15, 0.8, 0.25, items("10.1 10.2 10.3 10.4 10.5"), words("烟花爆竹 花炮"), company},
		"mine_noncoal":      {40, 1.8, 0.30, items("6.1 6.3 6.4 6.6 6.7 6.8 6.2"), words("矿业 石材 采石 磷矿"), company},
		"coal":              {25, 3.0, 0.32, items("5.1 5.2 5.3 5.4 5.5 5.6 5.7 5.8 5.10"), words("煤业 煤矿 能源"), []string{"有限公司", "煤矿"}},
		"metallurgy":        {25, 2.5, 0.26, items("8.1 1.1 1.3 2.1"), words("冶金 钢铁 铝业 铁合金 锌业"), company},
		"industry_trade":    {200, 1.0, 0.14, items("1.2 2.1 4.1 3.2"), words("机械 食品 建材 木业 纺织 水泥 包装 塑业 制药 铸造"), company},
		"transport":         {70, 1.2, 0.06, items("1.2 2.1"), words("运输 物流 客运 汽车运输 货运"), company},
		"construction":      {120, 1.6, 0.20, items("3.1 3.2 1.2 2.1"), words("建筑工程 建设 市政工程 建筑安装 路桥"), company},
		"gas":               {25, 0.9, 0.12, items("1.2 2.1 4.1"), words("燃气 液化气 天然气"), company},
		"water":             {20, 0.9, 0.08, items("1.2 1.1"), words("水务 供水 水利开发"), company},
		"power":             {30, 1.3, 0.25, items("1.1 1.4 1.5 1.6 1.2"), words("电力 能源 水电开发 光伏"), company},
		"special_equipment": {30, 0.8, 0.30, items("4.1 4.2 1.2 2.1"), words("电梯工程 起重设备 锅炉安装 压力容器"), company},
		"agriculture":       {40, 0.7, 0.05, items("1.2"), words("农业开发 养殖 种植 农产品"), []string{"有限公司", "专业合作社"}},
		"explosives":        {8, 0.9, 0.20, items("1.2 2.1"), words("民爆器材 爆破工程"), company},
		"culture_tourism":   {40, 0.7, 0.03, items("1.2"), words("旅游开发 文化传媒 景区管理"), company},
		"commerce":          {110, 0.9, 0.04, items("1.2 4.1"), words("商贸 超市 百货 贸易"), company},
		"fire_key":          {50, 0.8, 0.06, items("1.2 4.1"), words("酒店 商业管理 物业服务 娱乐"), company},
		"education":         {30, 0.8, 0.03, items("1.2"), words("职业技术学校 培训学校 教育科技"), []string{"", "有限公司"}},
		"forestry":          {15, 0.6, 0.05, items("1.2"), words("林业开发 林产品 苗木"), company},
		"other":             {47, 0.7, 0.05, items("1.2 2.1"), words("实业 科技 发展"), company},
	}
}

func defaultProfile() industryProfile {
	return industryProfile{weight: 10, sizeFactor: 1, specialShare: 0.08, items: items("1.2 2.1"), words: words("实业"), suffixes: []string{"有限公司"}}
}

func items(s string) []string { return strings.Fields(s) }
func words(s string) []string { return strings.Fields(s) }

// roads are street names of addresses.
func roads() []string {
	return strings.Fields("麒麟北路 麒麟南路 南宁西路 寥廓南路 紫云路 珠江源大道 文昌街 翠峰路 三江大道 沿江路 龙潭路 白石江路 建宁东路 瑞和路 学府路 工业园区")
}

// roleMix is how people of one category are drawn.
type roleMix struct {
	minAge, maxAge int
	startAge       int // youngest age they took up the post at
	malePercent    int
	education      []weighted
	employment     []weighted
}

func mixOf(c roster.Category) roleMix {
	switch c {
	case roster.CategoryPrincipal:
		return roleMix{35, 58, 28, 85,
			[]weighted{{"senior", 1}, {"college", 3}, {"bachelor", 5}, {"postgraduate", 1}},
			[]weighted{{"formal", 1}}}
	case roster.CategorySafetyManager:
		return roleMix{26, 55, 22, 70,
			[]weighted{{"senior", 2}, {"college", 5}, {"bachelor", 3}},
			[]weighted{{"formal", 1}}}
	case roster.CategorySpecialOperator:
		return roleMix{21, 55, 18, 90,
			[]weighted{{"junior", 4}, {"senior", 5}, {"college", 2}},
			[]weighted{{"formal", 8}, {"dispatched", 1}, {"outsourced", 1}}}
	}
	return roleMix{19, 58, 18, 65,
		[]weighted{{"primary", 1}, {"junior", 5}, {"senior", 4}, {"college", 2}, {"bachelor", 1}},
		[]weighted{{"formal", 13}, {"dispatched", 3}, {"outsourced", 2}, {"intern", 2}}}
}

// positions are the posts of each category; a special operator's post
// follows their first operation item's category (the code before the dot).
func principalPosts() []string {
	return words("总经理 董事长兼总经理 执行董事兼总经理 矿长 厂长")
}
func managerPosts() []string {
	return words("安全生产管理部负责人 专职安全员 兼职安全员 安全总监 安全科科长 安全副总经理 注册安全工程师")
}
func otherPosts() []string {
	return words("操作工 生产工人 仓库管理员 装卸工 质检员 维修工 驾驶员 销售员 行政文员 保洁员 班组长 车间主任 技术员 化验员 保安 厨师 收银员 搬运工")
}
func operatorPost(item string) string {
	cat, _, _ := strings.Cut(item, ".")
	switch cat {
	case "1":
		return "电工"
	case "2":
		return "焊工"
	case "3":
		return "架子工"
	case "4":
		return "制冷工"
	case "5":
		return "井下作业工"
	case "6":
		return "矿山作业工"
	case "7":
		return "司钻"
	case "8":
		return "煤气工"
	case "9":
		return "化工操作工"
	case "10":
		return "烟花爆竹作业工"
	}
	return "特种作业人员"
}

// Course categories of the hours table (hours/data/course_categories.tsv)
// the ledger credits: the topics online courses cover for managers and for
// workers, and the offline sessions enterprises hold.
func managerTopics() []string {
	return words("law safety_management hazard_standard emergency occupational_health accident_cases new_technology")
}
func workerTopics() []string {
	return words("law hazard_standard emergency occupational_health post_safety accident_cases new_technology")
}
func operatorTopics() []string {
	return words("law hazard_standard emergency post_safety accident_cases new_technology special_theory")
}

// offlineTopic is an offline session's category and what was taught.
type offlineTopic struct{ category, content string }

func offlineTopics() []offlineTopic {
	return []offlineTopic{
		{"plant_level", "厂级安全教育：安全生产法律法规、本单位安全生产情况和规章制度、从业人员权利义务、事故案例"},
		{"workshop_level", "车间级安全教育：车间工作环境和危险因素、岗位安全职责、劳动防护用品使用、应急处置"},
		{"team_level", "班组级安全教育：岗位安全操作规程、岗位间衔接配合、作业中的危险点和防范措施"},
		{"post_safety", "岗位安全操作规程复训及现场实操演练"},
		{"emergency", "应急预案演练：火灾疏散、有限空间救援、现场急救"},
		{"hazard_standard", "重大事故隐患判定标准宣贯及隐患排查实务"},
		{"accident_cases", "近期同行业事故案例警示教育"},
		{"occupational_health", "职业病危害因素告知及个人防护"},
	}
}

func offlinePlaces() []string {
	return words("公司会议室 安全培训室 车间现场 职工之家 项目部会议室")
}
