package chat

import (
	"errors"
	"fmt"
	"time"
)

// ErrUnavailable marks failures of a dependency (the database, a platform)
// that are expected to heal; callers answer "try again later".
var ErrUnavailable = errors.New("temporarily unavailable")

// ErrAlreadyDone means an event was processed by another worker first (its
// claim had expired); the caller drops its own result.
var ErrAlreadyDone = errors.New("event already processed")

// ErrConflict means the state an event was decided on changed before its
// effects were applied (an agent resolved the handoff meanwhile, say): the
// event is decided again on fresh state, never applied on stale state.
var ErrConflict = errors.New("state changed since it was read")

// ErrNotYet means an event refers to something not recorded yet (an
// agent's reply to a notification whose sending is still being recorded):
// try it again shortly.
var ErrNotYet = errors.New("refers to a message not recorded yet")

// SendErrorKind classifies why a platform refused or failed a send, because
// the outbox treats each differently.
type SendErrorKind int

const (
	// SendTemporary: network trouble or a 5xx; retry with backoff.
	SendTemporary SendErrorKind = iota
	// SendRateLimited: the platform said to wait RetryAfter.
	SendRateLimited
	// SendBlocked: the chat cannot be reached any more (the customer
	// blocked the bot, left, or deleted the chat); never retry.
	SendBlocked
	// SendPermanent: the request itself is wrong (text too long, bad id); never retry.
	SendPermanent
	// SendThreadGone: the forum topic or thread the message was for was
	// deleted; forget it and send again, into a new one.
	SendThreadGone
)

func (k SendErrorKind) String() string {
	switch k {
	case SendTemporary:
		return "temporary"
	case SendRateLimited:
		return "rate_limited"
	case SendBlocked:
		return "blocked"
	case SendPermanent:
		return "permanent"
	case SendThreadGone:
		return "thread_gone"
	}
	return fmt.Sprintf("SendErrorKind(%d)", int(k))
}

// SendError is what platform senders return so the outbox can decide whether
// and when to retry without knowing the platform's error shapes.
type SendError struct {
	Kind       SendErrorKind
	RetryAfter time.Duration // for SendRateLimited
	Err        error
}

func (e *SendError) Error() string {
	if e.Kind == SendRateLimited {
		return fmt.Sprintf("send %s (retry after %s): %v", e.Kind, e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("send %s: %v", e.Kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }
