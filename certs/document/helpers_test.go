package document

import (
	"os"
	"strings"
	"testing"
	"time"
)

// sample is a typical certificate: special operations, every field set.
func sample() Certificate {
	return Certificate{
		Title:         "培训合格证明",
		HolderName:    "张晓明",
		MaskedID:      "5303**********1234",
		Sex:           "男",
		KindName:      "特种作业",
		OperationItem: "低压电工作业",
		Hours:         "48 学时",
		Score:         "92 分",
		IssuedOn:      time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC),
		ValidUntil:    time.Date(2029, 3, 14, 0, 0, 0, 0, time.UTC),
		NextReview:    time.Date(2029, 3, 14, 0, 0, 0, 0, time.UTC),
		Issuer:        "麒麟区应急管理局",
		TrainingOrg:   "曲靖市麒麟区安全生产培训中心",
		Number:        "PX-2026-000123-7K4Q",
		QRPayload:     samplePayload(),
		QRCaption:     "扫码核验",
	}
}

// samplePayload is a verification address of the length anpei prints:
// about 420 bytes.
func samplePayload() string {
	return "https://anpei.qilin.gov.cn/verify/PX-2026-000123-7K4Q?t=" +
		strings.Repeat("eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjYtMDEifQ", 6) + "." +
		strings.Repeat("Zm9vYmFyYmF6", 5) + ".c2lnbmF0dXJl"
}

// writePreview saves pdf where DOCUMENT_PREVIEW says, for a person to look
// at (pdftoppm -png); it does nothing otherwise.
func writePreview(t *testing.T, name string, pdf []byte) {
	dir := os.Getenv("DOCUMENT_PREVIEW")
	if dir == "" {
		return
	}
	if err := os.WriteFile(dir+"/"+name+".pdf", pdf, 0o644); err != nil {
		t.Fatal(err)
	}
}
