package main

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// logPuts writes one JSON line per PutObject the server answered 200 to out, as {"path": <the request's
// decoded URL path>, "host": <Host>, "storedAt": <epoch ms when the answer was flushed>}: the bench's
// stopwatch for "interval end -> object stored", kept in the server so that nothing sits between the
// exporter and the server. Lines are written unbuffered, one write each, in the order answers went out.
func logPuts(next http.Handler, out io.Writer) http.Handler {
	var lock sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			next.ServeHTTP(w, r)
			return
		}
		status := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(status, r)
		if status.code != http.StatusOK && status.code != 0 {
			return
		}
		if flusher, ok := w.(http.Flusher); ok {
			flusher.Flush()
		}
		line, err := json.Marshal(struct {
			Path     string `json:"path"`
			Host     string `json:"host"`
			StoredAt int64  `json:"storedAt"`
		}{r.URL.Path, r.Host, time.Now().UnixMilli()})
		if err != nil {
			return
		}
		lock.Lock()
		defer lock.Unlock()
		_, _ = out.Write(append(line, '\n'))
	})
}

// statusWriter remembers the status code a handler answered with (0 until it writes; a body without a
// WriteHeader is a 200).
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(body []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(body)
}

func (s *statusWriter) Flush() {
	if flusher, ok := s.ResponseWriter.(http.Flusher); ok {
		flusher.Flush()
	}
}
