package rules

import "testing"

// TestInvalidAt: the first byte that is not UTF-8 is found at the line
// and column a person sees, with lines ended as splitLines ends them
// (LF, CRLF or CR alone).
func TestInvalidAt(t *testing.T) {
	cases := []struct {
		text      string
		line, col int
	}{
		{"refund: 退款\n", 0, 0},
		{"", 0, 0},
		{"\xff", 1, 1},
		{"退款\xd6\xd0", 1, 3},
		{"a\nbc\xff", 2, 3},
		{"a\r\nbc\xff", 2, 3},
		{"a\rbc\xff", 2, 3},
		{"a\r\n\r\n\xe9t\xe9", 3, 1},
		{"ok\n\u00e9\xe9", 2, 2},
	}
	for _, tc := range cases {
		if line, col := InvalidAt([]byte(tc.text)); line != tc.line || col != tc.col {
			t.Errorf("InvalidAt(%q) = %d:%d, want %d:%d", tc.text, line, col, tc.line, tc.col)
		}
	}
}
