package telegram

import (
	"context"
	"reflect"
	"testing"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
)

// The team chat and private chats each get their own list, through the
// real client, and setting a list again replaces it rather than adding.
func TestAdminSetsCommandsPerScope(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	client, err := NewClient("123:test", srv.URL(), func(error) {})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAdmin(client)
	ctx := context.Background()
	team := []Command{{Name: "claim", Description: "Take it"}, {Name: "note", Description: "A note"}}
	customers := []Command{{Name: "human", Description: "A person"}}
	for range 2 {
		if err := a.SetChatCommands(ctx, "-100200", team); err != nil {
			t.Fatal(err)
		}
		if err := a.SetPrivateCommands(ctx, customers); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]telegramtest.BotCommand{
		"chat:-100200":      {{Command: "claim", Description: "Take it"}, {Command: "note", Description: "A note"}},
		"all_private_chats": {{Command: "human", Description: "A person"}},
	}
	if got := srv.Commands(); !reflect.DeepEqual(got, want) {
		t.Errorf("commands = %+v, want %+v", got, want)
	}
	if n := len(srv.CallsTo("setMyCommands")); n != 4 {
		t.Errorf("%d setMyCommands calls, want 4", n)
	}
}

func TestAdminCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		fail bool // the fake answers 500
		set  func(*Admin) error
	}{
		{"a chat id that is not a number", false, func(a *Admin) error {
			return a.SetChatCommands(context.Background(), "team", []Command{{Name: "claim", Description: "Take it"}})
		}},
		{"a name Telegram refuses", false, func(a *Admin) error {
			return a.SetPrivateCommands(context.Background(), []Command{{Name: "Human!", Description: "A person"}})
		}},
		{"the platform failing", true, func(a *Admin) error {
			return a.SetPrivateCommands(context.Background(), []Command{{Name: "human", Description: "A person"}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New()
			defer srv.Close()
			if tt.fail {
				srv.FailNext("setMyCommands", 1, telegramtest.Failure{Status: 500})
			}
			client, err := NewClient("123:test", srv.URL(), func(error) {})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.set(NewAdmin(client)); err == nil {
				t.Error("no error")
			}
			if got := srv.Commands(); len(got) != 0 {
				t.Errorf("a refused list was kept: %+v", got)
			}
		})
	}
}
