package app

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestCustomerTextIsNeverInterpreted: a customer whose name and messages
// are made of template syntax, expr code, Markdown, HTML and SQL gets
// replies and an agent notification that carry them as plain text, sent
// without a parse mode; the rules decide on them as data; and the
// database keeps them verbatim and keeps working.
func TestCustomerTextIsNeverInterpreted(t *testing.T) {
	h := newHandoffHarness(t)
	const customer = 4242
	const name = `{{username}} *b* <b>x</b> '); DROP TABLE customers;--`
	hostile := func(id int64, text string) []byte {
		body := update(id, customer, "en", text)
		quoted, _ := json.Marshal(name)
		return bytes.ReplaceAll(body, []byte(`"Ann"`), quoted)
	}
	// No rule's keywords are in it, so the catch-all acknowledgement
	// answers, with {{name}} in its text.
	first := `hello {{name}} ${FRONTDESK_ADMIN_TOKEN} text != "" || true <i>x</i> _u_ [l](e) '; DELETE FROM outbox; --`
	h.post(hostile(1, first), secret)
	ack := h.lastTo(customer, 1)
	if want := "Thanks " + name + ", we've got your message"; !strings.HasPrefix(ack.Text, want) {
		t.Fatalf("acknowledgement %q, want it to start with %q", ack.Text, want)
	}
	second := "this is a scam! {{name}} <b>bold</b> **x** `code`"
	h.post(hostile(2, second), secret)
	notice := h.lastTo(teamChat, 1)
	for _, want := range []string{"Customer: " + name, first, second} {
		if !strings.Contains(notice.Text, want) {
			t.Errorf("the notification does not carry %q verbatim:\n%s", want, notice.Text)
		}
	}
	for _, c := range h.fake.CallsTo("sendMessage") {
		if pm := c.Params["parse_mode"]; pm != "" {
			t.Errorf("a message was sent with parse_mode %q: customer text would be formatting", pm)
		}
		if e := c.Params["entities"]; e != "" {
			t.Errorf("a message was sent with entities %s", e)
		}
	}

	h.waitIdle(h.app.Store())
	hist, err := h.app.Store().History(context.Background(), chat.Telegram, "shop", "4242")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) < 3 || hist[0].Text != first || hist[2].Text != second {
		t.Fatalf("history does not keep the texts verbatim: %+v", hist)
	}
	// The tables the "SQL" named are still there and working.
	h.post(update(3, 777, "en", "where is my order"), secret)
	if got := h.lastTo(777, 1).Text; !strings.HasPrefix(got, "Orders ship") {
		t.Fatalf("another customer then got %q", got)
	}
}
