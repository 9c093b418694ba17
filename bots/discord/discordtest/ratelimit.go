package discordtest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type rateLimit struct {
	perSecond float64
	burst     int
}

func (l rateLimit) enabled() bool { return l.burst > 0 }

func (l rateLimit) period() time.Duration {
	return time.Duration(float64(l.burst) / l.perSecond * float64(time.Second))
}

// window is one of Discord's buckets: limit requests until reset, when it
// starts afresh with the next request.
type window struct {
	remaining int
	reset     time.Time
	hash      string
}

// majorParams are the route parameters that split buckets, as on Discord.
var majorParams = map[string]bool{"channel": true, "app": true, "token": true, "interaction": true}

// bucketKey is the bucket a request falls into: the route with its major
// parameters filled in and the others left as placeholders.
func bucketKey(token string, rt *route, params map[string]string) (key, hash string) {
	segs := strings.Split(strings.Trim(rt.path, "/"), "/")
	for i, seg := range segs {
		if name, ok := paramName(seg); ok && majorParams[name] {
			segs[i] = params[name]
		}
	}
	sum := sha1.Sum([]byte(rt.method + " " + rt.path))
	return token + " " + rt.method + " /" + strings.Join(segs, "/"), hex.EncodeToString(sum[:8])
}

// throttleLocked takes a request from the bucket and sets the rate-limit
// headers; it reports how long to wait when the bucket is empty.
func (s *Server) throttleLocked(token string, rt *route, params map[string]string, now time.Time, h http.Header) time.Duration {
	key, hash := bucketKey(token, rt, params)
	w := s.buckets[key]
	if w == nil || !now.Before(w.reset) {
		w = &window{remaining: s.limit.burst, reset: now.Add(s.limit.period()), hash: hash}
		s.buckets[key] = w
	}
	wait := time.Duration(0)
	if w.remaining == 0 {
		wait = w.reset.Sub(now)
	} else {
		w.remaining--
	}
	setRateLimitHeaders(h, s.limit.burst, w.remaining, w.reset, w.reset.Sub(now), w.hash)
	return wait
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(math.Max(d.Seconds(), 0.001), 'f', 3, 64)
}

func setRateLimitHeaders(h http.Header, limit, remaining int, reset time.Time, after time.Duration, hash string) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", seconds(after))
	h.Set("X-RateLimit-Bucket", hash)
}

// tooManyRequests is Discord's 429 for a bucket that is empty for wait.
func tooManyRequests(wait time.Duration, h http.Header) reply {
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	h.Set("X-RateLimit-Scope", "user")
	return reply{
		status: http.StatusTooManyRequests,
		body: map[string]any{
			"message":     "You are being rate limited.",
			"retry_after": math.Max(math.Round(wait.Seconds()*1000)/1000, 0.001),
			"global":      false,
		},
		header: h,
	}
}

// injectedReply answers with a failure queued by FailNext.
func injectedReply(f *failure, now time.Time) reply {
	h := http.Header{}
	body := f.body
	if body == "" {
		if f.status == http.StatusTooManyRequests {
			body = `{"message":"You are being rate limited.","retry_after":0.05,"global":false}`
		} else {
			b, _ := json.Marshal(map[string]any{"message": strconv.Itoa(f.status) + ": " + http.StatusText(f.status), "code": 0})
			body = string(b)
		}
	}
	var parsed struct {
		RetryAfter float64 `json:"retry_after"`
		Code       int     `json:"code"`
	}
	_ = json.Unmarshal([]byte(body), &parsed)
	if f.status == http.StatusTooManyRequests {
		wait := time.Duration(parsed.RetryAfter * float64(time.Second))
		setRateLimitHeaders(h, 1, 0, now.Add(wait), wait, "injected")
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		h.Set("X-RateLimit-Scope", "user")
	}
	return reply{status: f.status, raw: []byte(body), code: parsed.Code, header: h}
}
