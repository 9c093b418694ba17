package telegramtest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// request is one API call on its way through a handler.
type request struct {
	ctx    context.Context
	token  string
	params map[string]string
}

// reply is a handler's answer; status 0 means the client went away.
type reply struct {
	status     int
	result     any
	desc       string
	retryAfter int
}

func ok(result any) reply { return reply{status: http.StatusOK, result: result} }

func fail(status int, desc string) reply { return reply{status: status, desc: desc} }

func badRequest(desc string) reply { return fail(http.StatusBadRequest, "Bad Request: "+desc) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	at := s.now()
	token, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	m, known := methods[strings.ToLower(name)]
	if known {
		name = m.name
	}
	params, err := parseParams(r)
	rq := &request{ctx: r.Context(), token: token, params: params}

	// The call is recorded under the same lock as the handler's effects, so
	// a client that has its answer also finds the call in Calls and Sent.
	s.mu.Lock()
	var rep reply
	switch {
	case len(s.tokens) > 0 && !s.tokens[token]:
		rep = fail(http.StatusUnauthorized, "Unauthorized")
	case !known:
		rep = fail(http.StatusNotFound, "Not Found: method not found")
	case err != nil:
		rep = badRequest(err.Error())
	default:
		rep = s.dispatchLocked(rq, name, m.handle)
	}
	s.calls = append(s.calls, Call{Method: name, Params: params, Status: rep.status, At: at})
	if rep.status == http.StatusTooManyRequests {
		s.limited++
	}
	s.mu.Unlock()
	writeReply(w, rep)
}

// dispatchLocked answers with an injected failure, if one is due, or with
// the handler.
func (s *Server) dispatchLocked(rq *request, name string, h handler) reply {
	f, injected := s.takeFailureLocked(strings.ToLower(name))
	if !injected {
		return h(s, rq)
	}
	if f.Late > 0 {
		rep := h(s, rq)
		t := time.NewTimer(f.Late)
		defer t.Stop()
		s.waitLocked(rq.ctx, nil, t.C)
		return rep
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		if _, gone := s.waitLocked(rq.ctx, nil, t.C); gone {
			return reply{}
		}
	}
	switch f.Status {
	case 0:
		return h(s, rq)
	case http.StatusTooManyRequests:
		rep := tooManyRequests(max(f.RetryAfter, 1))
		rep.desc = cmp.Or(f.Description, rep.desc)
		return rep
	}
	return fail(f.Status, cmp.Or(f.Description, http.StatusText(f.Status)))
}

func (s *Server) takeFailureLocked(method string) (Failure, bool) {
	if q := s.failNext[method]; len(q) > 0 {
		f := q[0].f
		if q[0].n--; q[0].n == 0 {
			s.failNext[method] = q[1:]
		}
		return f, true
	}
	f, found := s.failAlways[method]
	return f, found
}

// waitLocked releases s.mu until changed is closed, expired fires, the
// server closes (so Close need not wait out long delays) or the client goes
// away. It reports whether it stopped for one of the last three, and
// whether that was the client leaving.
func (s *Server) waitLocked(ctx context.Context, changed <-chan struct{}, expired <-chan time.Time) (stop, gone bool) {
	s.mu.Unlock()
	defer s.mu.Lock()
	select {
	case <-changed:
		return false, false
	case <-expired:
	case <-s.closed:
	case <-ctx.Done():
		return true, true
	}
	return true, false
}

// parseParams flattens the query string and a multipart, JSON or urlencoded
// body into strings, which is how Telegram treats every parameter.
func parseParams(r *http.Request) (map[string]string, error) {
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return params, err
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return params, nil // also how go-telegram/bot sends no parameters
			}
			if err != nil {
				return params, err
			}
			b, err := io.ReadAll(part)
			if err != nil {
				return params, err
			}
			params[part.FormName()] = string(b)
			if name := part.FileName(); name != "" {
				// An uploaded file: its name, beside its content.
				params[part.FormName()+uploadSuffix] = name
			}
		}
	case "application/json":
		var body map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return params, fmt.Errorf("can't parse JSON body: %w", err)
		}
		for k, raw := range body {
			var str string
			switch {
			case string(raw) == "null":
			case json.Unmarshal(raw, &str) == nil:
				params[k] = str
			default:
				var b bytes.Buffer
				_ = json.Compact(&b, raw) // valid: it was just decoded
				params[k] = b.String()
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return params, err
		}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
	}
	return params, nil
}

func writeReply(w http.ResponseWriter, rep reply) {
	if rep.status == 0 {
		return // nobody is listening any more
	}
	body := map[string]any{"ok": rep.status == http.StatusOK}
	if rep.status == http.StatusOK {
		body["result"] = rep.result
	} else {
		body["error_code"] = rep.status
		body["description"] = rep.desc
		if rep.retryAfter > 0 {
			body["parameters"] = map[string]int{"retry_after": rep.retryAfter}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_ = json.NewEncoder(w).Encode(body)
}
