package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

const (
	maxContent    = 2000 // runes, as Discord counts
	maxNonce      = 25
	maxEmbeds     = 10
	maxRows       = 5
	maxRowWidth   = 5
	maxCustomID   = 100
	maxLabel      = 80
	buttonType    = 2
	actionRowType = 1
)

// msgFields are the message fields of a create or edit body; has* tell a
// field that was sent (possibly empty, to clear it) from one left out.
type msgFields struct {
	content       string
	hasContent    bool
	components    json.RawMessage // nil when empty
	hasComponents bool
	embeds        json.RawMessage // nil when empty
	hasEmbeds     bool
	allowed       json.RawMessage
	replyTo       string
	flags         int
	stickers      int
	files         int
	nonce         string // a string, or an integer as its digits
	enforceNonce  bool
}

// empty reports whether a new message with these fields would be empty.
func (f msgFields) empty() bool {
	return strings.TrimSpace(f.content) == "" && f.components == nil && f.embeds == nil &&
		f.stickers == 0 && f.files == 0
}

// nonEmptyArray returns raw unless it is an empty array.
func nonEmptyArray(raw json.RawMessage) json.RawMessage {
	if string(bytes.TrimSpace(raw)) == "[]" {
		return nil
	}
	return raw
}

// parseMessage reads and validates the message fields of rq's body. For a
// new message (creating) it also refuses an empty one with 50006.
func parseMessage(rq *request, creating bool) (msgFields, *reply) {
	f := msgFields{files: len(rq.files)}
	body, bad := rq.object()
	if bad != nil {
		return f, bad
	}
	var errs []fieldError
	if raw, ok := body["content"]; ok {
		f.hasContent = true
		if json.Unmarshal(raw, &f.content) != nil {
			errs = append(errs, fieldError{"content", "BASE_TYPE_STRING", "Could not interpret " + string(raw) + " as string."})
		} else if utf8.RuneCountInString(f.content) > maxContent {
			errs = append(errs, fieldError{"content", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxContent)})
		}
	}
	if raw, ok := body["flags"]; ok && json.Unmarshal(raw, &f.flags) != nil {
		errs = append(errs, fieldError{"flags", "NUMBER_TYPE_COERCE", "Value \"" + string(raw) + "\" is not int."})
	}
	if raw, ok := body["embeds"]; ok {
		f.hasEmbeds = true
		var embeds []json.RawMessage
		switch {
		case json.Unmarshal(raw, &embeds) != nil:
			errs = append(errs, fieldError{"embeds", "BASE_TYPE_ARRAY", "Must be an array."})
		case len(embeds) > maxEmbeds:
			errs = append(errs, fieldError{"embeds", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxEmbeds)})
		default:
			f.embeds = nonEmptyArray(raw)
		}
	}
	if raw, ok := body["components"]; ok {
		f.hasComponents = true
		if ce := validateComponents(raw, f.flags&flagComponentsV2 != 0); len(ce) > 0 {
			errs = append(errs, ce...)
		} else {
			f.components = nonEmptyArray(raw)
		}
	}
	if raw, ok := body["allowed_mentions"]; ok {
		f.allowed = raw
	}
	if raw, ok := body["message_reference"]; ok {
		var ref struct {
			MessageID json.RawMessage `json:"message_id"`
		}
		if json.Unmarshal(raw, &ref) != nil {
			errs = append(errs, fieldError{"message_reference", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"})
		} else if id := strings.Trim(string(ref.MessageID), `"`); !isSnowflake(id) {
			errs = append(errs, fieldError{"message_reference.message_id", "NUMBER_TYPE_COERCE", "Value \"" + id + "\" is not snowflake."})
		} else {
			f.replyTo = id
		}
	}
	if raw, ok := body["nonce"]; ok {
		var str string
		var num json.Number
		switch {
		case json.Unmarshal(raw, &str) == nil:
			f.nonce = str
		case json.Unmarshal(raw, &num) == nil:
			f.nonce = num.String()
		default:
			errs = append(errs, fieldError{"nonce", "BASE_TYPE_STRING", "Could not interpret " + string(raw) + " as string."})
		}
		if utf8.RuneCountInString(f.nonce) > maxNonce {
			errs = append(errs, fieldError{"nonce", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxNonce)})
		}
	}
	if raw, ok := body["enforce_nonce"]; ok && json.Unmarshal(raw, &f.enforceNonce) != nil {
		errs = append(errs, fieldError{"enforce_nonce", "BASE_TYPE_BOOLEAN", "Must be either true or false."})
	}
	if raw, ok := body["sticker_ids"]; ok {
		var ids []json.RawMessage
		if json.Unmarshal(raw, &ids) != nil {
			errs = append(errs, fieldError{"sticker_ids", "BASE_TYPE_ARRAY", "Must be an array."})
		}
		f.stickers = len(ids)
	}
	if len(errs) > 0 {
		rep := invalidForm(errs...)
		return f, &rep
	}
	if creating && f.empty() {
		rep := emptyMessage()
		return f, &rep
	}
	return f, nil
}

type component struct {
	Type       int               `json:"type"`
	Style      int               `json:"style"`
	CustomID   *string           `json:"custom_id"`
	URL        *string           `json:"url"`
	Label      *string           `json:"label"`
	SKUID      *string           `json:"sku_id"`
	Components []json.RawMessage `json:"components"`
}

// validateComponents checks message components the way Discord does for
// the classic layout: up to 5 action rows, each holding up to 5 buttons or
// one select menu, buttons with a custom_id (or a url for link buttons),
// custom_ids unique and at most 100 characters, labels at most 80. With
// the IS_COMPONENTS_V2 flag only the top level is checked to be an array.
func validateComponents(raw json.RawMessage, v2 bool) []fieldError {
	var rows []json.RawMessage
	if json.Unmarshal(raw, &rows) != nil {
		return []fieldError{{"components", "BASE_TYPE_ARRAY", "Must be an array."}}
	}
	if v2 {
		return nil
	}
	var errs []fieldError
	if len(rows) > maxRows {
		errs = append(errs, fieldError{"components", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxRows)})
	}
	seen := map[string]bool{}
	for i, rawRow := range rows {
		at := fmt.Sprintf("components.%d", i)
		var row component
		if json.Unmarshal(rawRow, &row) != nil {
			errs = append(errs, fieldError{at, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"})
			continue
		}
		if row.Type != actionRowType {
			errs = append(errs, fieldError{at + ".type", "BASE_TYPE_CHOICES", "Value must be one of {1}."})
			continue
		}
		if n := len(row.Components); n < 1 || n > maxRowWidth {
			errs = append(errs, fieldError{at + ".components", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxRowWidth)})
			continue
		}
		for j, rawChild := range row.Components {
			cat := fmt.Sprintf("%s.components.%d", at, j)
			var c component
			if json.Unmarshal(rawChild, &c) != nil {
				errs = append(errs, fieldError{cat, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"})
				continue
			}
			errs = append(errs, validateChild(c, cat, len(row.Components), seen)...)
		}
	}
	return errs
}

func validateChild(c component, at string, rowWidth int, seen map[string]bool) []fieldError {
	var errs []fieldError
	checkID := func(required bool) {
		switch {
		case c.CustomID == nil || *c.CustomID == "":
			if required {
				errs = append(errs, fieldError{at + ".custom_id", "BASE_TYPE_REQUIRED", "This field is required"})
			}
		case utf8.RuneCountInString(*c.CustomID) > maxCustomID:
			errs = append(errs, fieldError{at + ".custom_id", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxCustomID)})
		case seen[*c.CustomID]:
			errs = append(errs, fieldError{at + ".custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"})
		default:
			seen[*c.CustomID] = true
		}
	}
	switch c.Type {
	case buttonType:
		if c.Label != nil && utf8.RuneCountInString(*c.Label) > maxLabel {
			errs = append(errs, fieldError{at + ".label", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxLabel)})
		}
		switch c.Style {
		case 1, 2, 3, 4:
			checkID(true)
			if c.URL != nil {
				errs = append(errs, fieldError{at + ".url", "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url cannot be specified for a non-link button"})
			}
		case 5:
			if c.URL == nil || *c.URL == "" {
				errs = append(errs, fieldError{at + ".url", "BUTTON_COMPONENT_URL_REQUIRED", "A url must be specified for a link button"})
			}
			if c.CustomID != nil {
				errs = append(errs, fieldError{at + ".custom_id", "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A custom id cannot be specified for a link button"})
			}
		case 6:
			if c.SKUID == nil {
				errs = append(errs, fieldError{at + ".sku_id", "BASE_TYPE_REQUIRED", "This field is required"})
			}
		default:
			errs = append(errs, fieldError{at + ".style", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}."})
		}
	case 3, 5, 6, 7, 8: // select menus
		checkID(true)
		if rowWidth > 1 {
			errs = append(errs, fieldError{at, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width"})
		}
	default:
		errs = append(errs, fieldError{at + ".type", "COMPONENT_TYPE_INVALID", "The specified component type is invalid in this context"})
	}
	return errs
}
