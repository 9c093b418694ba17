package rules

import (
	"bytes"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// FileText is a text file's bytes as UTF-8, so that its lines and columns
// count characters as a person sees them: UTF-16 after a byte-order mark
// (what Windows Notepad saves as "Unicode" and Excel as "Unicode Text")
// is decoded, and a UTF-8 byte-order mark (which Notepad puts first) is
// dropped. Any other bytes come back as they are, for the caller to check
// that they are UTF-8.
func FileText(data []byte) []byte {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		if out, _, err := transform.Bytes(unicode.BOMOverride(unicode.UTF8.NewDecoder()), data); err == nil {
			data = out
		}
	}
	return bytes.TrimPrefix(data, []byte("\uFEFF"))
}
