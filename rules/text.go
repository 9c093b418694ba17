package rules

import (
	"bytes"
	"unicode/utf8"

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

// InvalidAt is where text's first byte that is not UTF-8 stands: its line
// and column (in characters, from 1; lines end as splitLines ends them),
// or 0, 0 when all of it is UTF-8.
func InvalidAt(text []byte) (line, col int) {
	line, col = 1, 1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return line, col
		case r == '\n', r == '\r' && (i+1 == len(text) || text[i+1] != '\n'):
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return 0, 0
}
