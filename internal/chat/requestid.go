package chat

import "context"

type requestIDKey struct{}

// WithRequestID marks ctx with the id of the HTTP request it serves, so log
// lines written anywhere while serving it can be told apart and matched
// with the client's X-Request-Id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id WithRequestID put in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
