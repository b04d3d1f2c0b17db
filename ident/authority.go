package ident

// creditAuthority is one registration authority (登记管理部门) of a credit
// code and the organisation types (机构类别) it registers.
type creditAuthority struct {
	code  byte
	label string
	types map[byte]string
}

// creditAuthorities is the table of GB 32100 position 1 and 2. The standard
// defined 1, 5, 9 and Y; the code centre added the rest later, so the set is
// data, not a rule (RULES §7). It is built on each call so no package state
// can be changed.
func creditAuthorities() []creditAuthority {
	return []creditAuthority{
		{'1', "机构编制", map[byte]string{'1': "机关", '2': "事业单位", '3': "中央编办直接管理机构编制的群众团体", '9': "其他"}},
		{'2', "外交", map[byte]string{'1': "外国常驻新闻机构", '9': "其他"}},
		{'3', "司法行政", map[byte]string{'1': "律师执业机构", '2': "公证处", '3': "基层法律服务所", '4': "司法鉴定机构", '5': "仲裁委员会", '9': "其他"}},
		{'4', "文化", map[byte]string{'1': "外国在华文化中心", '9': "其他"}},
		{'5', "民政", map[byte]string{'1': "社会团体", '2': "民办非企业单位", '3': "基金会", '9': "其他"}},
		{'6', "旅游", map[byte]string{'1': "外国旅游部门常驻代表机构", '2': "港澳台地区旅游部门常驻内地（大陆）代表机构", '9': "其他"}},
		{'7', "宗教", map[byte]string{'1': "宗教活动场所", '2': "宗教院校", '9': "其他"}},
		{'8', "工会", map[byte]string{'1': "基层工会", '9': "其他"}},
		{'9', "工商/市场监管", map[byte]string{'1': "企业", '2': "个体工商户", '3': "农民专业合作社"}},
		{'A', "中央军委改革和编制办公室", map[byte]string{'1': "军队事业单位", '9': "其他"}},
		{'N', "农业", map[byte]string{'1': "组级集体经济组织", '2': "村级集体经济组织", '3': "乡镇级集体经济组织", '9': "其他"}},
		{'Y', "其他", map[byte]string{'1': "其他"}},
	}
}

// CreditAuthority returns the Chinese name of the registration authority
// whose code is the first character of a credit code, and whether the code is
// known. It returns no error.
func CreditAuthority(code byte) (label string, ok bool) {
	for _, a := range creditAuthorities() {
		if a.code == code {
			return a.label, true
		}
	}
	return "", false
}

// CreditOrgType returns the Chinese name of the organisation type orgType
// (position 2) under the authority (position 1), and whether the pair is
// known. It returns no error.
func CreditOrgType(authority, orgType byte) (label string, ok bool) {
	for _, a := range creditAuthorities() {
		if a.code == authority {
			label, ok = a.types[orgType]
			return label, ok
		}
	}
	return "", false
}
