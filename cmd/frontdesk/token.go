package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/app"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

const tokenUsage = `usage: frontdesk token create --name NAME --scope read|agent|admin [--config FILE]
       frontdesk token list [--json] [--config FILE]
       frontdesk token revoke [--config FILE] NAME
`

// token creates, lists and revokes the HTTP API's named tokens. It writes
// the database the config names, so it works beside a running server (and
// every replica sees a new or revoked token at once).
func token(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
	fs := flag.NewFlagSet("token "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", config.DefaultPath, "config file")
	var name, scope *string
	var asJSON *bool
	switch args[0] {
	case "create":
		name = fs.String("name", "", "the token's name, e.g. helpdesk (its agent account is api:NAME)")
		scope = fs.String("scope", "", "read (read handoffs and customers), agent (also claim, reply, resolve) or admin (also export and forget)")
	case "list":
		asJSON = fs.Bool("json", false, "print the list as JSON")
	case "revoke":
	default:
		fmt.Fprintf(stderr, "frontdesk token: unknown command %q\n\n%s", args[0], tokenUsage)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if args[0] == "revoke" && fs.NArg() != 1 || args[0] != "revoke" && fs.NArg() != 0 {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := openConfiguredStore(ctx, *configPath)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk token: %v\n", err)
		return 1
	}
	defer st.Close()
	switch args[0] {
	case "create":
		secret, err := app.CreateAPIToken(ctx, st, *name, chat.Scope(*scope), time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "frontdesk token create: %v\n", err)
			return 1
		}
		// The secret alone on stdout, so a script can capture it; it is
		// not stored and cannot be shown again.
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "token %q (%s) created; keep it now, it is not shown again\n", *name, *scope)
	case "list":
		list, err := st.APITokens(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "frontdesk token list: %v\n", err)
			return 1
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(list); err != nil {
				return 1
			}
			return 0
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "no API tokens")
		}
		for _, t := range list {
			state := "live"
			if t.RevokedAt != nil {
				state = "revoked " + t.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%-20s %-6s created %s  %s\n", t.Name, t.Scope, t.CreatedAt.Format(time.RFC3339), state)
		}
	case "revoke":
		ok, err := st.RevokeAPIToken(ctx, fs.Arg(0), time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "frontdesk token revoke: %v\n", err)
			return 1
		}
		if !ok {
			fmt.Fprintf(stderr, "frontdesk token revoke: no live token named %q\n", fs.Arg(0))
			return 1
		}
		fmt.Fprintf(stdout, "token %q revoked; requests with it are refused from now on\n", fs.Arg(0))
	}
	return 0
}
