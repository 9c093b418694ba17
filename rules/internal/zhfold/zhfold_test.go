package zhfold

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// The words customers write in either script.
		{"return goods", "退貨", "退货"},
		{"express delivery", "快遞", "快递"},
		{"opening hours", "營業時間", "营业时间"},
		{"ship goods", "發貨", "发货"},
		{"order", "訂單", "订单"},
		{"money", "錢", "钱"},
		{"this", "這", "这"},
		{"still", "還", "还"},
		{"question", "問題", "问题"},
		{"thanks", "謝謝", "谢谢"},
		{"chain followed", "薴", "苎"}, // 薴→苧 and 苧→苎 in OpenCC
		{"supplementary plane", "𪓰", "𫜟"},

		// Nothing to fold.
		{"empty", "", ""},
		{"simplified unchanged", "请问营业时间是几点？我想退货，订单号12345。", "请问营业时间是几点？我想退货，订单号12345。"},
		{"latin unchanged", "Hello, where is my order #42?", "Hello, where is my order #42?"},
		{"cyrillic unchanged", "Здравствуйте, где мой заказ?", "Здравствуйте, где мой заказ?"},
		{"emoji unchanged", "👍🙏🏻😀 ok", "👍🙏🏻😀 ok"},
		{"japanese kana unchanged", "ありがとうございます", "ありがとうございます"},

		// Mixed.
		{"mixed scripts", "Hi! 我想退貨 — верните деньги, 謝謝 🙏", "Hi! 我想退货 — верните деньги, 谢谢 🙏"},
		{"mixed traditional and simplified", "請問快遞什麼時候到？快递", "请问快递什么时候到？快递"},
		{"first rune changes", "這是ok", "这是ok"},
		{"last rune changes", "ok是這", "ok是这"},
		{"invalid utf8 kept", "\xff退貨\xfe", "\xff退货\xfe"},
		{"invalid utf8 only", "a\xffb", "a\xffb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := String(tt.want); got != tt.want {
				t.Errorf("String(%q) = %q, not idempotent", tt.want, got)
			}
		})
	}
}

func TestRune(t *testing.T) {
	tests := []struct {
		name     string
		in, want rune
	}{
		{"traditional", '貨', '货'},
		{"first entry", table[0].t, table[0].s},
		{"last entry", table[len(table)-1].t, table[len(table)-1].s},
		{"simplified", '货', '货'},
		{"not in table", '的', '的'},
		{"ascii", 'A', 'A'},
		{"cyrillic", 'Ж', 'Ж'},
		{"emoji", '😀', '😀'},
		{"below table", minTrad - 1, minTrad - 1},
		{"above table", maxTrad + 1, maxTrad + 1},
		{"negative", -1, -1},
		{"max rune", unicode.MaxRune, unicode.MaxRune},
		{"rune error", utf8.RuneError, utf8.RuneError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Rune(tt.in); got != tt.want {
				t.Errorf("Rune(%U) = %U, want %U", tt.in, got, tt.want)
			}
		})
	}
}

// TestRuneAll checks Rune on every code point against a plain map of table,
// which covers the bitmap index and the binary search over its tail.
func TestRuneAll(t *testing.T) {
	want := make(map[rune]rune, len(table))
	for _, p := range table {
		want[p.t] = p.s
	}
	bad := 0
	for r := rune(0); r <= unicode.MaxRune && bad < 10; r++ {
		w, ok := want[r]
		if !ok {
			w = r
		}
		if got := Rune(r); got != w {
			t.Errorf("Rune(%U) = %U, want %U", r, got, w)
			bad++
		}
	}
}

func TestStringNoAllocUnchanged(t *testing.T) {
	for _, s := range []string{
		"",
		"请问营业时间是几点？我想退货，订单号12345。",
		"Здравствуйте, где мой заказ? Hello 👍",
		strings.Repeat("快递到了吗 where is it где он ", 20),
	} {
		var got string
		allocs := testing.AllocsPerRun(100, func() { got = String(s) })
		if allocs != 0 {
			t.Errorf("String(%.20q...) allocates %v times, want 0", s, allocs)
		}
		if got != s || unsafe.StringData(got) != unsafe.StringData(s) {
			t.Errorf("String(%.20q...) did not return its argument itself", s)
		}
	}
}

func TestTable(t *testing.T) {
	// TSCharacters of OpenCC 1.1.6 gives 4105 entries; a new version should not
	// be far off, and a broken generator would be.
	if n := len(table); n < 3500 || n > 5000 {
		t.Errorf("table has %d entries, want 3500..5000", n)
	}
	if table[0].t != minTrad || table[len(table)-1].t != maxTrad {
		t.Errorf("minTrad/maxTrad = %U/%U, table spans %U..%U", minTrad, maxTrad, table[0].t, table[len(table)-1].t)
	}
	keys := make(map[rune]bool, len(table))
	for i, p := range table {
		keys[p.t] = true
		if p.t == p.s {
			t.Errorf("table[%d] = %c→%c is an identity", i, p.t, p.s)
		}
		if i > 0 && table[i-1].t >= p.t {
			t.Errorf("table not sorted at %d: %U then %U", i, table[i-1].t, p.t)
		}
		for _, r := range []rune{p.t, p.s} {
			if !unicode.Is(unicode.Han, r) {
				t.Errorf("table[%d] = %c→%c: %U is not a Han character", i, p.t, p.s, r)
			}
			// Folding must commute with the NFKC that matching applies first.
			if s := string(r); norm.NFKC.String(s) != s {
				t.Errorf("table[%d] = %c→%c: %U changes under NFKC", i, p.t, p.s, r)
			}
		}
	}
	for i, p := range table {
		if keys[p.s] {
			t.Errorf("table[%d] = %c→%c: %c is itself folded, so folding is not idempotent", i, p.t, p.s, p.s)
		}
		if got := Rune(p.t); got != p.s {
			t.Errorf("Rune(%c) = %c, want %c", p.t, got, p.s)
		}
		if got := Rune(p.s); got != p.s {
			t.Errorf("Rune(%c) = %c, want it unchanged", p.s, got)
		}
	}
}

// message is about 200 runes of a mixed Chinese/Russian/English message,
// Traditional and Simplified.
var message = func() string {
	s := "您好！我上週在網店買的快遞還沒到，訂單號 A-20931。Здравствуйте, заказ до сих пор не пришёл. " +
		"Please check the tracking number. 请问营业时间是几点？如果不能發貨，我想退貨退錢，謝謝！" +
		"Спасибо, жду ответа. Thanks a lot 🙏 這個問題什麼時候能解決？ Where is my parcel?"
	if n := utf8.RuneCountInString(s); n != 200 {
		panic(fmt.Sprintf("benchmark message has %d runes, want 200", n))
	}
	return s
}()

func BenchmarkString(b *testing.B) {
	b.Run("mixed", func(b *testing.B) {
		b.SetBytes(int64(len(message)))
		for b.Loop() {
			String(message)
		}
	})
	folded := String(message)
	b.Run("unchanged", func(b *testing.B) {
		b.SetBytes(int64(len(folded)))
		for b.Loop() {
			String(folded)
		}
	})
}

func BenchmarkRune(b *testing.B) {
	var trad []rune
	for _, p := range table {
		trad = append(trad, p.t)
	}
	for _, bc := range []struct {
		name  string
		runes []rune
	}{
		{"message", []rune(message)},
		{"traditional", trad},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var sum rune
			for b.Loop() {
				for _, r := range bc.runes {
					sum += Rune(r)
				}
			}
			runeSink = sum
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bc.runes)), "ns/rune")
		})
	}
}

var runeSink rune
