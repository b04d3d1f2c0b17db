package signing

import (
	"encoding/json"
	"testing"
	"time"
)

func badgeInput() BadgeInput {
	return BadgeInput{
		ID:                     "https://anpei.example.cn/verify/AP-2026-004217",
		IssuerID:               "https://anpei.example.cn",
		IssuerName:             "北京市朝阳区应急管理局",
		ValidFrom:              time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		ValidUntil:             time.Date(2029, 2, 28, 23, 59, 59, 0, time.UTC),
		Name:                   "安全生产培训合格证明",
		IDNumber:               "11010519491231002x",
		IDSalt:                 "q3Vw9xT2bLm0",
		AchievementID:          "https://anpei.example.cn/kinds/training_pass",
		AchievementName:        "安全生产培训合格",
		AchievementDescription: "完成规定学时的安全生产培训并考试合格。",
		CriteriaNarrative:      "完成不少于24学时的安全生产培训，并通过考试（80分及以上）。",
		AchievementType:        AchievementCertificate,
		StatusListURL:          "https://anpei.example.cn/status/1",
		StatusIndex:            94567,
	}
}

// TestOpenBadgeCredential pins the document to the Open Badges 3.0 shape
// (context 3.0.3, OpenBadgeCredential, Profile issuer, AchievementSubject
// with a hashed IdentityObject, Achievement with criteria) and a
// BitstringStatusListEntry.
func TestOpenBadgeCredential(t *testing.T) {
	got, err := json.MarshalIndent(OpenBadgeCredential(badgeInput()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
  ],
  "credentialStatus": {
    "id": "https://anpei.example.cn/status/1#94567",
    "statusListCredential": "https://anpei.example.cn/status/1",
    "statusListIndex": "94567",
    "statusPurpose": "revocation",
    "type": "BitstringStatusListEntry"
  },
  "credentialSubject": {
    "achievement": {
      "achievementType": "Certificate",
      "criteria": {
        "narrative": "完成不少于24学时的安全生产培训，并通过考试（80分及以上）。"
      },
      "description": "完成规定学时的安全生产培训并考试合格。",
      "id": "https://anpei.example.cn/kinds/training_pass",
      "name": "安全生产培训合格",
      "type": [
        "Achievement"
      ]
    },
    "identifier": [
      {
        "hashed": true,
        "identityHash": "sha256$` + obHashVector + `",
        "identityType": "nationalIdentityNumber",
        "salt": "q3Vw9xT2bLm0",
        "type": "IdentityObject"
      }
    ],
    "type": [
      "AchievementSubject"
    ]
  },
  "id": "https://anpei.example.cn/verify/AP-2026-004217",
  "issuer": {
    "id": "https://anpei.example.cn",
    "name": "北京市朝阳区应急管理局",
    "type": [
      "Profile"
    ]
  },
  "name": "安全生产培训合格证明",
  "type": [
    "VerifiableCredential",
    "OpenBadgeCredential"
  ],
  "validFrom": "2026-03-01T00:00:00Z",
  "validUntil": "2029-02-28T23:59:59Z"
}`
	if string(got) != want {
		t.Errorf("OpenBadgeCredential:\n%s\nwant\n%s", got, want)
	}
}

// obHashVector is SHA-256 of the normalized ID number followed by the salt,
// computed by hand:
// printf %s '11010519491231002Xq3Vw9xT2bLm0' | sha256sum
const obHashVector = "e98c6d8aaa0af6933cbaaae0c6d89ac7a4a818a50580752ea52f399cbed4bf9c"

func TestOpenBadgeCredentialOptionalParts(t *testing.T) {
	in := badgeInput()
	in.ValidUntil = time.Time{}
	in.StatusListURL = ""
	vc := OpenBadgeCredential(in)
	for _, field := range []string{"validUntil", "credentialStatus"} {
		if _, ok := vc[field]; ok {
			t.Errorf("%s present without a value", field)
		}
	}
}

func TestOpenBadgeCredentialSignsAndVerifies(t *testing.T) {
	const base = "https://anpei.example.cn"
	k := newKeyring(t)
	kid, signer := k.CurrentSigner()
	signed, err := AddProofJCS(OpenBadgeCredential(badgeInput()), signer, VerificationMethod(base, kid), time.Now(), ProofPurposeAssertion)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := LoadPublic(k.PublishedKeys(base))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyProofJCS(signed, Resolver(base, pubs)); err != nil {
		t.Fatal(err)
	}
	var vc struct {
		Proof map[string]any `json:"proof"`
	}
	json.Unmarshal(signed, &vc)
	ctx, _ := json.Marshal(vc.Proof["@context"])
	if string(ctx) != `["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]` {
		t.Errorf("proof @context = %s, want the credential's", ctx)
	}
}

func TestOpenBadgeCredentialPrecomputedHash(t *testing.T) {
	in := badgeInput()
	in.IdentityHash = OBIdentityHash(in.IDNumber, in.IDSalt)
	in.IDNumber = ""
	got, _ := json.Marshal(OpenBadgeCredential(in))
	want, _ := json.Marshal(OpenBadgeCredential(badgeInput()))
	if string(got) != string(want) {
		t.Errorf("with a precomputed hash:\n%s\nwant\n%s", got, want)
	}
}

func TestOBIdentityHashMatchesIDForms(t *testing.T) {
	want := OBIdentityHash("11010519491231002X", "s")
	for _, id := range []string{"11010519491231002x", " 11010519491231002X", "１１０１０５１９４９１２３１００２Ｘ"} {
		if got := OBIdentityHash(id, "s"); got != want {
			t.Errorf("OBIdentityHash(%q) = %s, want %s", id, got, want)
		}
	}
}
