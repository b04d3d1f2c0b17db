package ident

// DocType is a kind of personal identity document (证件类型). People are
// recorded as DocType + number, never as a bare "ID number" (RULES §5.1).
type DocType string

// The document types the platform accepts.
const (
	DocResidentID          DocType = "resident_id"       // 居民身份证
	DocHKMacaoTaiwanPermit DocType = "hmt_permit"        // 港澳台居民居住证
	DocForeignPermanent    DocType = "foreign_permanent" // 外国人永久居留身份证
	DocPassport            DocType = "passport"          // 护照
)

// DocTypes returns every accepted document type, in the order a form lists
// them. The slice is new on each call.
func DocTypes() []DocType {
	return []DocType{DocResidentID, DocHKMacaoTaiwanPermit, DocForeignPermanent, DocPassport}
}

// Label returns the Chinese name of t, or "" for an unknown type.
func (t DocType) Label() string {
	switch t {
	case DocResidentID:
		return "居民身份证"
	case DocHKMacaoTaiwanPermit:
		return "港澳台居民居住证"
	case DocForeignPermanent:
		return "外国人永久居留身份证"
	case DocPassport:
		return "护照"
	}
	return ""
}

// Valid reports whether t is one of DocTypes.
func (t DocType) Valid() bool { return t.Label() != "" }

// noun is how messages name the number of a document of type t.
func (t DocType) noun() string {
	switch t {
	case DocResidentID:
		return "身份证号"
	case DocHKMacaoTaiwanPermit:
		return "居住证号码"
	case DocForeignPermanent:
		return "永久居留身份证号码"
	case DocPassport:
		return "护照号码"
	}
	return "证件号码"
}
